"""The same assistant, two municipalities: each conversation runs against the Aalborg and the
Ballerup profile (VEJVISER_PROFILE), with the real Rasa, action server and booking service.

Nothing local may leak from one profile into the other's answers: a Ballerup user never reads
Aalborg, Sønderbro or Aalborg's phone number, and the age range is the profile's own."""

from __future__ import annotations

import re
import uuid

import pytest

from bot.core.paths import PROJECT_ROOT
from bot.core.profile import load_profile
from tests.harness.services import Assistant, texts

pytestmark = [pytest.mark.model, pytest.mark.servers]

PROFILES = {name: load_profile(PROJECT_ROOT / "profiles" / f"{name}.yml") for name in ("aalborg", "ballerup")}
# What must never appear under the other profile.
LOCAL = {
    "aalborg": ("Aalborg", "Sønderbro", "99 31 37 00", "Vejledningscaf"),
    "ballerup": ("Ballerup",),
}
DANISH_NUMBER = re.compile(r"(?<!\d)\d{2} ?\d{2} ?\d{2} ?\d{2}(?!\d)")
# Everyday messages across the topics, the unit and the intake.
MESSAGES = [
    "hej",
    "hvem kan bruge jer",
    "hvad er jeres adresse og tlf",
    "hvornår har i åbent",
    "hvad er su",
    "kan jeg få hjælp til mit cv",
    "jeg søger en læreplads",
    "hvad er fgu",
    "jeg har gæld",
    "kan jeg tale med en vejleder",
    "hvad gør i med mine data",
    "hvor ligger i",
]


@pytest.fixture(scope="module", params=sorted(PROFILES))
def assistant(request, trained_model, tmp_path_factory):
    name = request.param
    with pytest.MonkeyPatch.context() as env:
        # The booking service reads the profile from the environment it inherits.
        env.setenv("VEJVISER_PROFILE", f"profiles/{name}.yml")
        running = Assistant(tmp_path_factory.mktemp(f"profile-{name}"), trained_model)
        try:
            yield name, running
        finally:
            running.stop()


def conversation(running: Assistant, *messages: str) -> list:
    user = uuid.uuid4().hex
    said = []
    for message in messages:
        said.extend(texts(running.say(user, message)))
    return said


def test_no_other_municipalitys_fact_reaches_the_user(assistant):
    name, running = assistant
    other = next(n for n in PROFILES if n != name)
    said = "\n".join(conversation(running, *MESSAGES))
    leaked = [word for word in LOCAL[other] if word in said]
    assert leaked == [], f"{name} profile answered with {other}'s {leaked}"
    assert PROFILES[name].municipality_name in said


def test_who_may_come_is_the_profiles_age_range(assistant):
    name, running = assistant
    profile = PROFILES[name]
    said = conversation(running, "hej", "hvem kan komme hos jer")
    assert any(f"mellem {profile.age_min} og {profile.age_max} år" in text for text in said)


def test_a_30_year_old_is_helped_only_where_the_range_reaches_30(assistant):
    name, running = assistant
    said = conversation(running, "hej", "jeg vil gerne booke en samtale om job", "30")
    too_old = f"Vi hjælper unge fra {PROFILES[name].age_min} til {PROFILES[name].age_max} år."
    if PROFILES[name].age_max >= 30:  # Ballerup (13-30): the intake goes on
        assert not any(too_old in text for text in said)
        assert said[-1] == "Hvordan vil du helst tale med os?"
    else:  # Aalborg (13-29): pointed to the jobcentre
        assert any(too_old in text and "jobnet.dk" in text for text in said)


def test_an_unverified_phone_number_is_never_stated(assistant):
    name, running = assistant
    profile = PROFILES[name]
    said = "\n".join(conversation(running, "hej", "hvad er jeres telefonnummer"))
    if profile.phone_verified:
        assert profile.phone in said
    else:  # Ballerup: no public page gave the number, so the user is sent to the website
        assert profile.website in said
        assert DANISH_NUMBER.findall(said) == []
