"""The booking client (the actions' and the desk's) and outbox against the real running
booking service, and against a service that is down, too slow or not a booking service."""

import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.core.booking.client import (
    BookingClient,
    BookingError,
    BookingNotFound,
    BookingRejected,
    BookingRequest,
    BookingUnavailable,
    SlotQuery,
    SlotTaken,
)
from bot.core.booking.outbox import CANCELLATION, CONTACT_REQUEST, Outbox, deliver_due
from tests.harness.calendar import HOURS, next_open_day
from tests.harness.services import BookingService, free_port

pytestmark = pytest.mark.servers
REQUEST = BookingRequest(
    topic="penge", channel="mail", age=22, consent_text="Er det ok?", email="ali@example.dk", first_name="Ali"
)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    running = BookingService(tmp_path_factory.mktemp("booking_client"))
    yield running
    running.stop()


@pytest.fixture
def client(service):
    return BookingClient(base_url=service.url, token=service.token)


def free(client, days_ahead: int, limit: int = 3):
    day = next_open_day(days_ahead)
    return client.free_slots(SlotQuery("penge", day, day, limit=limit))


def test_book_retry_move_and_cancel(client):
    first, second = free(client, 10, limit=2)
    booking = client.book(REQUEST, first.start, "client-key-0001")
    assert booking.status == "booked" and booking.start == first.start and booking.channel == "mail"
    assert client.book(REQUEST, first.start, "client-key-0001").code == booking.code  # a retry books once
    with pytest.raises(SlotTaken):
        client.book(REQUEST, first.start, "client-key-0002")
    assert client.move(booking.code, second.start).start == second.start
    assert client.get(booking.code.lower()).start == second.start
    assert client.cancel(booking.code).status == "cancelled"
    with pytest.raises(BookingNotFound):
        client.get("HJK7MN")


def test_a_refused_request_is_not_retried_as_if_the_service_were_down(client):
    slot = free(client, 11)[0]
    with pytest.raises(BookingRejected) as refused:
        client.book(BookingRequest("penge", "sms", 22, "ok"), slot.start, "client-key-0003")  # sms without a phone
    assert refused.value.status == 422


def test_staff_see_bookings_with_contact_details_and_open_contact_requests(client, service):
    slot = free(client, 13)[0]
    request = BookingRequest(**{**REQUEST.__dict__, "email": "staff-view@example.dk", "conversation_id": "staff-view-1"})
    booking = client.book(request, slot.start, "client-key-0004")
    client.request_contact(request, "no_free_time", "client-key-0005", preferred_start=slot.start)

    seen = next(b for b in client.staff_bookings("booked") if b.code == booking.code)
    assert (seen.starts_at, seen.email, seen.first_name) == (slot.start, "staff-view@example.dk", "Ali")
    assert (seen.consent_text, seen.conversation_id, seen.topic) == ("Er det ok?", "staff-view-1", "penge")
    assert booking.code not in {b.code for b in client.staff_bookings("cancelled")}
    wishes = [r for r in client.contact_requests("open") if r["conversation_id"] == "staff-view-1"]
    assert len(wishes) == 1 and wishes[0]["reason"] == "no_free_time"

    refused = BookingClient(base_url=service.url, token="y" * 32)
    with pytest.raises(BookingError):  # the family the desk catches: a wrong token is refused, not down
        refused.staff_bookings()


def test_an_answer_that_is_not_a_list_counts_as_unavailable_for_staff_calls():
    class NotTheService(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            body = b"<html>proxy page</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NotTheService)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        odd = BookingClient(base_url=f"http://127.0.0.1:{server.server_port}", token="x" * 32)
        with pytest.raises(BookingUnavailable):
            odd.staff_bookings()
        with pytest.raises(BookingUnavailable):
            odd.contact_requests()
    finally:
        server.shutdown()


def test_a_stopped_service_is_reported_quickly():
    down = BookingClient(base_url=f"http://127.0.0.1:{free_port()}", token="x" * 32)
    began = time.monotonic()
    with pytest.raises(BookingUnavailable):
        down.free_slots(SlotQuery("penge", next_open_day(1), next_open_day(1)))
    assert time.monotonic() - began < 3
    assert down.healthy() is False


def test_a_slow_service_times_out_with_bounded_retries():
    calls = []

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            calls.append(self.path)
            time.sleep(3)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        slow = BookingClient(base_url=f"http://127.0.0.1:{server.server_port}", token="x" * 32, timeout=(1.0, 0.5))
        with pytest.raises(BookingUnavailable):
            slow.get("K7MQ4X")
        assert len(calls) == 2  # the default: two attempts, then an honest answer
    finally:
        server.shutdown()


def test_outbox_delivers_once_when_the_service_is_back(service, tmp_path):
    outbox = Outbox(tmp_path / "outbox.db")
    slot = free(service_client(service), 12)[0]
    payload = {**REQUEST.__dict__, "reason": "booking_unavailable", "preferred_start": slot.start.isoformat()}
    outbox.put("outbox-key-0001", CONTACT_REQUEST, payload)
    outbox.put("outbox-key-0001", CONTACT_REQUEST, payload)  # stored once
    booking = service_client(service).book(REQUEST, slot.start, "outbox-key-0002")
    outbox.put("cancel:" + booking.code, CANCELLATION, {"code": booking.code})

    down = BookingClient(base_url=f"http://127.0.0.1:{free_port()}", token=service.token)
    assert deliver_due(outbox, down) == (0, 2)
    assert outbox.counts() == (2, 0) and outbox.due() == []  # waiting, with a pause before the next try

    outbox._clock = lambda: time.time() + timedelta(minutes=10).total_seconds()
    assert deliver_due(outbox, service_client(service)) == (2, 0)
    assert outbox.counts() == (0, 0)
    kept = [r for r in service.get("/v1/contact-requests").json() if r["email"] == "ali@example.dk"]
    assert len(kept) == 1 and kept[0]["preferred_start"] == slot.start.astimezone(HOURS.tz).isoformat()
    assert service_client(service).get(booking.code).status == "cancelled"


def service_client(service):
    return BookingClient(base_url=service.url, token=service.token)
