"""The booking service's HTTP API on its own: the real service (uvicorn + SQLite,
migrated by Alembic) started on a free port."""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import requests
from alembic import command
from sqlalchemy import create_engine, inspect

from bot.core.dates import danish_public_holidays
from bot.services.booking.db import alembic_config
from tests.harness.calendar import HOURS, next_open_day
from tests.harness.services import BookingService

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    running = BookingService(tmp_path_factory.mktemp("booking_api"))
    yield running
    running.stop()


def body(when: str, **overrides):
    return {
        "start": when,
        "topic": "penge",
        "channel": "sms",
        "age": 19,
        "phone": "20 30 40 50",
        "consent": True,
        "consent_text": "Er det ok?",
        **overrides,
    }


def slots(service, **params):
    response = service.get("/v1/slots", params={"topic": "penge", **params})
    assert response.status_code == 200, response.text
    return [s["start"] for s in response.json()["slots"]]


def test_health_needs_no_token_but_the_api_does(service):
    assert requests.get(f"{service.url}/health", timeout=5).json() == {"status": "ok"}
    assert requests.get(f"{service.url}/v1/slots?topic=penge", timeout=5).status_code == 401
    wrong = requests.get(f"{service.url}/v1/slots?topic=penge", headers={"Authorization": "Bearer nope"}, timeout=5)
    assert wrong.status_code == 401 and wrong.json()["error"] == "unauthorised"


def test_openapi_describes_every_endpoint(service):
    paths = requests.get(f"{service.url}/openapi.json", timeout=5).json()["paths"]
    for path in (
        "/v1/slots",
        "/v1/bookings",
        "/v1/bookings/{code}",
        "/v1/bookings/{code}/cancel",
        "/v1/bookings/{code}/move",
        "/v1/contact-requests",
        "/v1/advisors",
    ):
        assert path in paths


def test_advisors_come_from_the_profile(service):
    keys = {a["key"] for a in service.get("/v1/advisors").json()}
    assert {"uddannelse-1", "oekonomi-1", "trivsel-1"} <= keys


def test_free_times_are_inside_opening_hours_never_on_holidays_and_never_soon(service):
    today = datetime.now(HOURS.tz).date()
    found = slots(service, from_day=today.isoformat(), to_day=(today + timedelta(days=40)).isoformat(), limit=10)
    assert len(found) == 10
    holidays = set(danish_public_holidays(today.year)) | set(danish_public_holidays(today.year + 1))
    for start in map(datetime.fromisoformat, found):
        assert start > datetime.now(HOURS.tz) + timedelta(minutes=59)
        assert HOURS.is_open(start) and HOURS.is_open(start + timedelta(minutes=29))
        assert start.date() not in holidays and HOURS.closed_reason(start.date()) is None
    assert len({s[:10] for s in found[:3]}) == 3, "the first offers spread over days"


def test_search_by_part_of_day_and_clock_time(service):
    day = next_open_day(2)
    afternoon = slots(service, from_day=day.isoformat(), to_day=day.isoformat(), earliest="12:00", limit=10)
    assert afternoon and all(datetime.fromisoformat(s).hour >= 12 for s in afternoon)
    near_ten = slots(service, from_day=day.isoformat(), to_day=day.isoformat(), at="10:00")
    assert datetime.fromisoformat(near_ten[0]).strftime("%H:%M") == "10:00"


def test_christmas_has_no_free_times(service):
    year = datetime.now(HOURS.tz).year
    assert slots(service, from_day=f"{year}-12-24", to_day=f"{year}-12-26") == []


def test_booking_with_a_retried_key_books_once_and_a_reused_key_is_refused(service):
    start = slots(service, from_day=next_open_day(3).isoformat())[0]
    first = service.post("/v1/bookings", key="retry-test-0001", json=body(start))
    assert first.status_code == 201
    again = service.post("/v1/bookings", key="retry-test-0001", json=body(start))
    assert again.status_code == 200 and again.json()["code"] == first.json()["code"]
    reused = service.post("/v1/bookings", key="retry-test-0001", json=body(start, age=20))
    assert reused.status_code == 422 and reused.json()["error"] == "idempotency_key_reused"
    assert start not in slots(service, from_day=start[:10], to_day=start[:10], limit=10)


def test_concurrent_bookings_of_one_time_give_exactly_one_booking(service):
    start = slots(service, from_day=next_open_day(4).isoformat())[0]  # penge: one advisor
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(
            pool.map(lambda i: service.post("/v1/bookings", key=f"race-{i:04d}-x", json=body(start)).status_code, range(8))
        )
    assert sorted(codes) == [201] + [409] * 7


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"phone": "1234"}, "body.phone"),
        ({"phone": None}, "body.__root__"),
        ({"channel": "mail", "phone": None}, "body.__root__"),
        ({"email": "not-an-email", "channel": "mail"}, "body.email"),
        ({"consent": False}, "body.__root__"),
        ({"topic": "fodbold"}, "body.topic"),
        ({"channel": "fax"}, "body.channel"),
        ({"age": -3}, "body.age"),
        ({"start": "i morgen"}, "body.start"),
        ({"surprise": 1}, "body.surprise"),
    ],
)
def test_invalid_bookings_get_a_clear_422(service, overrides, field):
    start = slots(service)[0]
    response = service.post("/v1/bookings", key="invalid-0001", json=body(start, **overrides))
    assert response.status_code == 422
    assert field in [d["field"] for d in response.json()["details"]]


@pytest.mark.parametrize(
    "problem, make_start",
    [
        ("age_outside_target_group", None),
        ("not_a_slot", lambda day: f"{day}T10:10:00+01:00"),
        ("closed_day", lambda day: f"{datetime.now(HOURS.tz).year}-12-25T10:00:00+01:00"),
        (
            "start_too_soon",
            lambda day: (datetime.now(HOURS.tz) - timedelta(days=1)).replace(minute=0, second=0, microsecond=0).isoformat(),
        ),
    ],
)
def test_times_and_ages_outside_the_rules_are_refused(service, problem, make_start):
    day = next_open_day(5)
    start = make_start(day) if make_start else slots(service, from_day=day.isoformat())[0]
    response = service.post("/v1/bookings", key=f"rule-{problem}", json=body(start, age=35 if make_start is None else 19))
    assert response.status_code == 422 and response.json()["error"] == problem


def test_missing_idempotency_key_and_bad_json_are_4xx(service):
    start = slots(service)[0]
    assert service.post("/v1/bookings", json=body(start)).status_code == 422
    broken = requests.post(
        f"{service.url}/v1/bookings",
        data="{",
        timeout=5,
        headers={**service.headers, "Idempotency-Key": "broken-json-1", "Content-Type": "application/json"},
    )
    assert broken.status_code == 422


def test_cancel_and_move(service):
    day = next_open_day(6)
    first, second = slots(service, from_day=day.isoformat(), to_day=day.isoformat(), limit=2)
    code = service.post("/v1/bookings", key="move-test-0001", json=body(first)).json()["code"]
    moved = service.post(f"/v1/bookings/{code.lower()}/move", json={"start": second})
    assert moved.status_code == 200 and moved.json()["start"] == second
    assert service.post(f"/v1/bookings/{code}/move", json={"start": second}).status_code == 200  # retried move
    assert slots(service, from_day=day.isoformat(), to_day=day.isoformat(), at=first[11:16])[0] == first  # free again
    assert service.post(f"/v1/bookings/{code}/cancel").json()["status"] == "cancelled"
    assert service.post(f"/v1/bookings/{code}/cancel").status_code == 200  # cancelling twice is fine
    refused = service.post(f"/v1/bookings/{code}/move", json={"start": first})
    assert refused.status_code == 409 and refused.json()["error"] == "booking_cancelled"
    assert service.get("/v1/bookings/ZZZZZZ").status_code == 404
    assert service.get("/v1/bookings/HJK7MN").json()["error"] == "booking_not_found"


def test_moving_onto_a_taken_time_is_409(service):
    day = next_open_day(7)
    first, second = slots(service, from_day=day.isoformat(), to_day=day.isoformat(), limit=2)
    a = service.post("/v1/bookings", key="taken-a-0001", json=body(first)).json()["code"]
    service.post("/v1/bookings", key="taken-b-0001", json=body(second))
    refused = service.post(f"/v1/bookings/{a}/move", json={"start": second})
    assert refused.status_code == 409 and refused.json()["error"] == "slot_taken"


def test_contact_requests_are_kept_once_and_linked_to_a_booking_with_the_same_key(service):
    request = {k: v for k, v in body("x").items() if k != "start"}
    created = service.post("/v1/contact-requests", key="contact-0001", json={**request, "reason": "booking_unavailable"})
    assert created.status_code == 201
    assert (
        service.post("/v1/contact-requests", key="contact-0001", json={**request, "reason": "booking_unavailable"}).status_code
        == 200
    )
    start = slots(service, from_day=next_open_day(8).isoformat())[0]
    code = service.post("/v1/bookings", key="contact-0002", json=body(start)).json()["code"]
    linked = service.post("/v1/contact-requests", key="contact-0002", json={**request, "reason": "booking_unavailable"}).json()
    assert linked["booking_code"] == code
    open_ids = [r["id"] for r in service.get("/v1/contact-requests").json()]
    assert created.json()["id"] in open_ids and len(open_ids) == len(set(open_ids))


def test_migrations_go_up_and_down(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    command.upgrade(alembic_config(url), "head")
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"advisors", "bookings", "booking_events", "contact_requests", "alembic_version"} <= tables
    command.downgrade(alembic_config(url), "base")
    assert set(inspect(create_engine(url)).get_table_names()) == {"alembic_version"}


