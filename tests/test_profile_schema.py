"""The municipality profile's schema: both real profiles load, a broken one gives one line
naming the file and the field, and the processes refuse to start on it."""

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.core.profile import ProfileError, load_profile, main

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ROOT / "profiles"
AALBORG_DATA = yaml.safe_load((PROFILES / "aalborg.yml").read_text(encoding="utf-8"))
TOKEN = "t" * 32


def write(tmp_path: Path, data, name: str = "broken.yml") -> Path:
    path = tmp_path / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def broken(change) -> dict:
    data = copy.deepcopy(AALBORG_DATA)
    change(data)
    return data


def test_both_real_profiles_load_with_their_age_ranges():
    aalborg = load_profile(PROFILES / "aalborg.yml")
    ballerup = load_profile(PROFILES / "ballerup.yml")
    assert (aalborg.profile_id, aalborg.age_min, aalborg.age_max) == ("aalborg", 13, 29)
    assert (ballerup.profile_id, ballerup.age_min, ballerup.age_max) == ("ballerup", 13, 30)
    assert ballerup.municipality_name == "Ballerup Kommune"


def test_every_profile_in_the_folder_is_valid(capsys):
    assert main([]) == 0
    assert "profiles/ballerup.yml" in capsys.readouterr().out


def test_an_unverified_phone_and_address_are_never_stated_but_where_to_find_them_is():
    ballerup = load_profile(PROFILES / "ballerup.yml")
    slots = ballerup.slot_values()
    assert not ballerup.phone_verified and not ballerup.address_verified
    assert not any(ch.isdigit() for ch in slots["unit_phone"])
    assert "https://ballerup.dk" in slots["unit_phone"]
    assert "Rådhus" not in slots["unit_address"] and "https://ballerup.dk" in slots["unit_address"]
    assert slots["opening_hours_verified"] is False


def test_services_ballerup_cannot_show_are_off():
    services = load_profile(PROFILES / "ballerup.yml").services
    assert not any(services[name] for name in ("vejledningscafe", "cv_workshop", "apprentice_club", "company_consultants"))
    assert services["contact_person"] is True


def test_a_verified_plain_value_is_stated_as_before():
    aalborg = load_profile(PROFILES / "aalborg.yml")
    assert aalborg.slot_values()["unit_phone"] == "99 31 37 00"
    assert aalborg.phone_verified


def _set(section: str, key: str, value):
    return lambda data: data[section].__setitem__(key, value)


def _hours(day: str, intervals):
    return lambda data: data["opening_hours"]["weekly"].__setitem__(day, intervals)


BROKEN = [
    ("max below min", _set("age_range", "max", 12), "age_range.max: must be greater than age_range.min"),
    ("max equals min", _set("age_range", "max", 13), "age_range.max: must be greater than age_range.min"),
    ("age over 120", _set("age_range", "max", 130), "age_range.max: ensure this value is less than or equal to 120"),
    ("negative age", _set("age_range", "min", -1), "age_range.min: ensure this value is greater than or equal to 0"),
    ("age as text", _set("age_range", "min", "13"), "age_range.min: value is not a valid integer"),
    (
        "unknown service",
        _set("services", "kaffe", True),
        "services.kaffe: is not one of vejledningscafe, cv_workshop, apprentice_club, company_consultants, contact_person",
    ),
    ("service not a flag", _set("services", "cv_workshop", "ja"), "services.cv_workshop: value is not a valid boolean"),
    (
        "hours without minutes",
        _hours("mon", ["9-15"]),
        "opening_hours.weekly.mon[0]: '9-15' is not an interval written 'HH:MM-HH:MM'",
    ),
    (
        "impossible hour",
        _hours("tue", ["25:00-26:00"]),
        "opening_hours.weekly.tue[0]: '25:00-26:00' has an impossible time of day",
    ),
    ("hours backwards", _hours("wed", ["15:00-09:00"]), "opening_hours.weekly.wed[0]: '15:00-09:00' ends before it starts"),
    ("hours overlap", _hours("thu", ["09:00-12:00", "11:00-13:00"]), "opening_hours.weekly.thu: intervals overlap"),
    (
        "unknown weekday",
        _hours("monday", ["09:00-15:00"]),
        "opening_hours.weekly.monday: is not one of mon, tue, wed, thu, fri, sat, sun",
    ),
    (
        "verified hours without a text",
        lambda data: data["opening_hours"].update(verified=True, text=""),
        "opening_hours.text: must say the hours when opening_hours.verified is true",
    ),
    (
        "closed day with a year",
        lambda data: data.__setitem__("extra_closed_days", ["2026-06-05"]),
        "extra_closed_days[0]: '2026-06-05' is not a day written 'MM-DD'",
    ),
    (
        "closed day that does not exist",
        lambda data: data.__setitem__("extra_closed_days", ["12-24", "02-30"]),
        "extra_closed_days[1]: '02-30' is not a day of the year",
    ),
    (
        "unknown timezone",
        lambda data: data.__setitem__("timezone", "Europe/Aalborg"),
        "timezone: 'Europe/Aalborg' is not an IANA timezone (e.g. 'Europe/Copenhagen')",
    ),
    (
        "plain http link",
        _set("contact", "website", "http://www.aalborg.dk"),
        "contact.website: 'http://www.aalborg.dk' is not an https:// link",
    ),
    (
        "short phone number",
        _set("contact", "phone", "12 34"),
        "contact.phone: '12 34' is not a Danish phone number (8 digits, e.g. '99 31 37 00')",
    ),
    (
        "verified phone without a number",
        _set("contact", "phone", {"verified": True}),
        "contact.phone: is missing (write the value, or `verified: false` when no public page states it)",
    ),
    (
        "verified mark not a flag",
        _set("contact", "address", {"value": "Sønderbro 12", "verified": "nej"}),
        "contact.address: `verified` must be true or false",
    ),
    ("email without a domain", _set("contact", "email", "ung@"), "contact.email: 'ung@' is not an email address"),
    ("checked not a date", _set("contact", "checked", "23-11-2026"), "contact.checked: invalid date format"),
    ("no contact", lambda data: data.pop("contact"), "contact: is missing"),
    ("misspelled field", lambda data: data.__setitem__("age_rnage", {"min": 1}), "age_rnage: is not a known field"),
    (
        "unknown advisor topic",
        lambda data: data["advisors"][1]["topics"].append("bolig"),
        "advisors[1].topics[5]: 'bolig' is not an intake topic (use penge, uddannelse, job, cv, læreplads, trivsel, andet)",
    ),
    (
        "advisor key twice",
        lambda data: data["advisors"].append(dict(data["advisors"][0])),
        "advisors: the key 'uddannelse-1' is used twice",
    ),
    (
        "retention of zero days",
        _set("privacy", "booking_retention_days", 0),
        "privacy.booking_retention_days: ensure this value is greater than or equal to 1",
    ),
    (
        "id with capitals",
        lambda data: data.__setitem__("id", "Aalborg"),
        "id: 'Aalborg' must be lower-case letters, digits, '-' or '_' (the file's name)",
    ),
]


@pytest.mark.parametrize(("change", "expected"), [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN])
def test_a_broken_profile_gives_one_line_naming_file_and_field(tmp_path, change, expected):
    path = write(tmp_path, broken(change))
    with pytest.raises(ProfileError) as error:
        load_profile(path)
    assert str(error.value) == f"{path}: {expected}"
    assert "\n" not in str(error.value)


def test_several_missing_fields_are_named_on_one_line(tmp_path):
    path = write(tmp_path, {"municipality_name": "X", "unit_name": "Y"})
    with pytest.raises(ProfileError) as error:
        load_profile(path)
    assert str(error.value) == f"{path}: id, contact, age_range: are missing"


def test_a_file_that_is_not_a_profile(tmp_path):
    not_mapping = write(tmp_path, "- a list\n", "list.yml")
    bad_yaml = write(tmp_path, "id: x\ncontact: [unclosed\n", "yaml.yml")
    missing = tmp_path / "absent.yml"
    assert str(pytest.raises(ProfileError, load_profile, not_mapping).value) == (
        f"{not_mapping}: profile: must be a mapping of fields (id, municipality_name, contact, ...)"
    )
    assert str(pytest.raises(ProfileError, load_profile, bad_yaml).value).startswith(f"{bad_yaml}: is not valid YAML (line ")
    assert str(pytest.raises(ProfileError, load_profile, missing).value).startswith(f"{missing}: cannot be read")


def test_a_profile_inside_the_project_is_named_relative_to_it():
    with pytest.raises(ProfileError) as error:
        load_profile(ROOT / "profiles" / "nowhere.yml")
    assert str(error.value).startswith("profiles/nowhere.yml: cannot be read")


# --- the processes refuse to start ------------------------------------------------------


def run(args, tmp_path: Path, **env) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "VEJVISER_PROFILE": str(write(tmp_path, broken(_set("age_range", "max", 12)))),
        **env,
    }
    return subprocess.run([sys.executable, *args], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120)


BAD_LINE = "broken.yml: age_range.max: must be greater than age_range.min"


def test_the_check_command_exits_1_on_any_invalid_profile(tmp_path):
    result = run(["-m", "bot.core.profile", str(PROFILES / "aalborg.yml"), str(tmp_path / "broken.yml")], tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"{tmp_path}/{BAD_LINE}"]
    current = run(["-m", "bot.core.profile", "--current"], tmp_path)
    assert current.returncode == 1 and current.stderr.strip().endswith(BAD_LINE)


def test_the_booking_service_refuses_to_start(tmp_path):
    database = f"sqlite:///{tmp_path / 'booking.db'}"
    result = run(
        ["-m", "bot.services.booking", "serve", "--port", "1"], tmp_path, BOOKING_API_TOKEN=TOKEN, BOOKING_DATABASE_URL=database
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"booking service: {tmp_path}/{BAD_LINE}"


def test_the_desk_refuses_to_start(tmp_path):
    env = {"DESK_SECRET_KEY": "k" * 64, "DESK_RASA_TOKEN": TOKEN, "DESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}"}
    result = run(["-m", "bot.services.desk", "serve", "--port", "1"], tmp_path, **env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == f"desk: {tmp_path}/{BAD_LINE}"
    assert not (tmp_path / "desk.db").exists()
