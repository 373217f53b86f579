"""The staff desk's page Svar (/knowledge/): the knowledge base by topic, with sources,
dates and the "Skal tjekkes" mark, searchable; through Django's test client, with small
knowledge directories written in tmp_path (VEJVISER_KNOWLEDGE_DIR points at them)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml

from tests.harness.desk import desk, desk_services, make_user, start_desk_django

start_desk_django()  # before the desk's views are imported

from django.test import Client  # noqa: E402

from bot.core.knowledge import load_entries  # noqa: E402
from bot.core.settings import KNOWLEDGE_DIR_ENV  # noqa: E402
from bot.services.desk.cases.knowledge import knowledge_dir  # noqa: E402

__all__ = ["desk", "desk_services"]  # fixtures

TODAY = dt.date.today()
RECENT = TODAY - dt.timedelta(days=10)


def entry(entry_id: str, topic: str = "ask_su", **changes):
    data = {
        "id": entry_id,
        "topic": topic,
        "title": f"Om {entry_id.replace('_', ' ')}",
        "questions": [f"spørgsmål {n} om {entry_id}" for n in range(5)],
        "answer": [f"Her er svaret om {entry_id}. Det er kort."],
        "source": f"https://www.su.dk/{entry_id}",
        "checked": TODAY.isoformat(),
    }
    data.update(changes)
    return data


def write_knowledge(tmp_path, files):
    directory = tmp_path / "knowledge"
    directory.mkdir(exist_ok=True)
    for name, entries in files.items():
        (directory / name).write_text(yaml.safe_dump({"entries": entries}, allow_unicode=True), encoding="utf-8")
    return directory


@pytest.fixture
def knowledge(tmp_path, monkeypatch):
    """Writes {file: [entries]} as the knowledge base the desk reads."""

    def write(files):
        directory = write_knowledge(tmp_path, files)
        monkeypatch.setenv(KNOWLEDGE_DIR_ENV, str(directory))
        return directory

    return write


def advisor() -> Client:
    from django.contrib.auth.models import User

    client = Client()
    client.force_login(User.objects.filter(username="vibeke").first() or make_user("vibeke", "advisor"))
    return client


def page(path: str = "/knowledge/", **params) -> str:
    response = advisor().get(path, params)
    assert response.status_code == 200
    return response.content.decode()


def entry_ids(html: str):
    return re.findall(r'<span class="mono entry-id">([a-z0-9_]+)</span>', html)


def test_an_anonymous_visitor_is_sent_to_login(desk):
    response = Client().get("/knowledge/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/knowledge/")


def test_a_user_without_a_role_gets_403(desk):
    from django.contrib.auth.models import User

    client = Client()
    client.force_login(User.objects.create_user("uden-rolle", password="en-lang-adgangskode-42"))
    assert client.get("/knowledge/").status_code == 403


def test_the_navigation_links_to_the_page(desk):
    assert '<a href="/knowledge/">Svar</a>' in page()


def test_an_advisor_sees_the_entries_by_topic_with_sources_and_dates(desk, knowledge):
    knowledge(
        {
            "su.yml": [
                entry("su_start", checked=RECENT.isoformat()),
                entry("su_abroad", answer=["Du kan tage SU med til udlandet. " * 5 + "Det er langt.", "Anden boble."]),
            ],
            "service.yml": [
                entry("service_where", topic="ask_contact_info", source="{unit_website}", when={"profile": "aalborg"}),
                entry(
                    "money_amount", topic="ask_income_options", answer=["Du kan få 7.000 kr om måneden."], holds_for=TODAY.year
                ),
            ],
        }
    )
    html = page()
    # Topics as headings with their counts, alphabetically: Kontaktinfo, Penge at leve af, SU.
    headings = re.findall(r'<h2 id="emne-(ask_[a-z_]+)">([^<]+) <span class="status">\((\d+) svar', html)
    assert headings == [
        ("ask_contact_info", "Kontaktinfo", "1"),
        ("ask_income_options", "Penge at leve af", "1"),
        ("ask_su", "SU", "2"),
    ]
    assert entry_ids(html) == ["service_where", "money_amount", "su_start", "su_abroad"]
    assert "4 svar i alt." in html and "0 svar skal tjekkes" in html
    assert "Om su start" in html
    link = '<a href="https://www.su.dk/su_start" rel="noopener noreferrer" target="_blank">https://www.su.dk/su_start</a>'
    assert link in html
    assert "kommunens egen side" in html and 'href="{unit_website}"' not in html
    assert f'<time datetime="{RECENT:%Y-%m-%d}">{RECENT:%d.%m.%Y}</time>' in html
    assert f"<dt>Gælder for</dt><dd>{TODAY.year}</dd>" in html
    assert "kun i aalborg" in html
    # The first bubble shortened in the row, every bubble in full under "Hele svaret".
    assert "Det er langt.</p>" not in html and "Det er langt.</li>" in html and "Anden boble." in html
    assert "Skal tjekkes:" not in html


def test_the_real_knowledge_base_is_listed(desk, monkeypatch):
    monkeypatch.delenv(KNOWLEDGE_DIR_ENV, raising=False)
    entries = load_entries(knowledge_dir())
    html = page()
    assert f"{len(entries)} svar i alt." in html
    assert sorted(entry_ids(html)) == sorted(e.id for e in entries)
    assert "kommunens egen side" in html


def test_search_finds_a_term_only_one_entry_has(desk, knowledge):
    knowledge(
        {
            "su.yml": [
                entry("su_start"),
                entry("su_abroad", questions=[f"kan jeg tage su med til Grønland {n}" for n in range(5)]),
            ],
            "fgu.yml": [
                entry("fgu_pay", topic="ask_fgu", answer=["På FGU får du skoleydelse."], source="https://www.fgu.dk/ydelse"),
            ],
        }
    )
    assert entry_ids(page(q="GRØNLAND")) == ["su_abroad"]  # a question variant, any case
    assert entry_ids(page(q="skoleYDELSE")) == ["fgu_pay"]  # the answer
    assert entry_ids(page(q="fgu.dk")) == ["fgu_pay"]  # the source
    assert entry_ids(page(q="su_start")) == ["su_start"]  # the id
    assert entry_ids(page(q="om su abroad")) == ["su_abroad"]  # the title
    html = page(q="findes ikke")
    assert entry_ids(html) == [] and "Ingen svar passer på søgningen." in html
    assert 'value="findes ikke"' in html and "Viser 0 af 3 svar" in html


def test_a_stale_entry_is_marked_and_counted_and_can_be_shown_alone(desk, knowledge):
    knowledge({"su.yml": [entry("su_old", checked="2025-01-01"), entry("su_fresh")]})
    html = page()
    days = (TODAY - dt.date(2025, 1, 1)).days
    assert "1 svar skal tjekkes" in html
    assert '<li class="case entry stale">' in html and html.count("Skal tjekkes:") == 1
    assert f"tjekket for {days} dage siden (mere end 180)" in html
    # The mark belongs to the old entry, not the fresh one.
    old, fresh = html.index("su_old</span>"), html.index("su_fresh</span>")
    assert old < html.index("Skal tjekkes:") < fresh
    assert "(2 svar, 1 skal tjekkes)" in html

    only = page(stale="1")
    assert entry_ids(only) == ["su_old"]
    assert 'name="stale" value="1" checked' in only and "Viser 1 af 2 svar" in only
    assert entry_ids(page(stale="1", q="su_fresh")) == []


def test_an_amount_for_a_past_year_makes_an_entry_stale(desk, knowledge):
    year = TODAY.year - 1
    knowledge({"money.yml": [entry("money_old", topic="ask_income_options", answer=["Du får 7.000 kr."], holds_for=year)]})
    html = page()
    assert "1 svar skal tjekkes" in html and f"beløbene gælder for {year}" in html


def test_markup_in_an_entry_is_shown_escaped(desk, knowledge):
    knowledge(
        {
            "su.yml": [
                entry(
                    "su_markup",
                    title="<script>alert(1)</script>",
                    answer=["Skriv <script>alert(2)</script> her."],
                    source='https://www.su.dk/"onmouseover="alert(3)',
                    note="<b>fed</b>",
                )
            ]
        }
    )
    html = page()
    assert "<script>" not in html and "<b>fed</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert 'href="https://www.su.dk/&quot;onmouseover=&quot;alert(3)"' in html
    # The search term is escaped as well.
    assert 'value="&lt;script&gt;"' in page(q="<script>")


def test_a_broken_knowledge_file_gives_an_error_message(desk, knowledge):
    directory = knowledge({"su.yml": [entry("su_start")]})
    (directory / "broken.yml").write_text("entries:\n  - id: <b>x</b>\n    topic: [\n", encoding="utf-8")
    client = advisor()
    response = client.get("/knowledge/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Svarene kunne ikke læses: broken.yml: not valid YAML" in html
    assert "<b>x</b>" not in html and "Traceback" not in html
    assert '<a href="/knowledge/">Svar</a>' in html  # the desk's page, navigation and all

    (directory / "broken.yml").write_text(yaml.safe_dump({"entries": [entry("su_start")]}), encoding="utf-8")
    again = client.get("/knowledge/").content.decode()
    assert "is also in" in again and "su_start" in again  # a rule broken: the message names it


def test_a_missing_knowledge_directory_gives_an_error_message(desk, tmp_path, monkeypatch):
    monkeypatch.setenv(KNOWLEDGE_DIR_ENV, str(tmp_path / "findes-ikke"))
    client = advisor()
    response = client.get("/knowledge/")
    assert response.status_code == 500
    assert "Svarene kunne ikke læses: mappen" in response.content.decode()


def test_an_edited_file_is_read_again(desk, knowledge):
    directory = knowledge({"su.yml": [entry("su_start")]})
    assert entry_ids(page()) == ["su_start"]
    (directory / "su.yml").write_text(yaml.safe_dump({"entries": [entry("su_start"), entry("su_new")]}), encoding="utf-8")
    assert entry_ids(page()) == ["su_start", "su_new"]
