"""The desk's pages: queue, case (card, transcript, answer), bookings, audit log."""

from __future__ import annotations

import logging
from functools import wraps
from pathlib import Path
from typing import Any, Callable, Dict, Optional

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST, require_safe
from sqlalchemy.exc import SQLAlchemyError

from bot.core.booking.client import BookingError
from bot.services.desk.cases import card
from bot.services.desk.cases.forms import NoteForm, ReplyForm
from bot.services.desk.cases.models import ACTIVE, CLOSED, OPEN, TAKEN, AuditEntry, Case, Note
from bot.services.desk.cases.rasa_relay import RelayError
from bot.services.desk.cases.services import booking_client, conversation_store, relay
from bot.services.desk.cases.sync import sync_cases

log = logging.getLogger("vejviser.desk")
STATIC = Path(__file__).resolve().parent / "static"
STATIC_FILES = {"desk.css": "text/css; charset=utf-8", "desk.js": "text/javascript; charset=utf-8"}

NOT_SENT = "Beskeden blev ikke sendt. Prøv igen."
RELAY_ERRORS = {
    "opted_out": "Den unge har skrevet STOP til SMS-tjenesten. Beskeden blev ikke sendt.",
    "unknown_conversation": "Chatbotten kender ikke samtalen længere.",
}
TRACKER_DOWN = "Samtalerne kunne ikke læses lige nu. Prøv igen om lidt."


# --- roles -----------------------------------------------------------------------


def is_admin(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.groups.filter(name="admin").exists()))


def is_staff_member(user: Any) -> bool:
    return is_admin(user) or bool(user.is_authenticated and user.groups.filter(name="advisor").exists())


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required (else to /login/); then the advisor or admin role (else 403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def staff_name(user: Any) -> str:
    return user.first_name or user.username


def audit(request: Optional[HttpRequest], action: str, case: Case) -> None:
    user = request.user if request is not None else None
    AuditEntry.objects.create(
        user=user, username=user.username if user else "", action=action, case_id=case.pk, conversation_id=case.conversation_id
    )


def desk_context(request: HttpRequest) -> Dict[str, Any]:
    return {"is_admin": is_admin(request.user) if hasattr(request, "user") else False}


# --- plain endpoints -------------------------------------------------------------


@require_safe
def health(_request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def static_file(_request: HttpRequest, name: str) -> HttpResponse:
    if name not in STATIC_FILES:
        raise Http404
    response = FileResponse(open(STATIC / name, "rb"), content_type=STATIC_FILES[name])
    response["Cache-Control"] = "max-age=3600"
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "desk/error.html", {"message": "Siden var for gammel. Gå tilbage, opdater og prøv igen."}, status=403)


# --- queue -----------------------------------------------------------------------


def _card(case: Case) -> Dict[str, Any]:
    return {
        "topic": card.label(card.TOPICS, case.topic),
        "reason": card.label(card.REASONS, case.reason),
        "mode": card.label(card.MODES, case.mode),
        "channel": card.label(card.CHANNELS, case.channel),
        "contact_channel": card.label(card.CONTACT_CHANNELS, case.contact_channel),
    }


@staff_only
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    try:
        sync_cases()
    except SQLAlchemyError:
        log.exception("sync failed")
        messages.error(request, TRACKER_DOWN)
    closed = request.GET.get("status") == "closed"
    cases = Case.objects.select_related("assigned_to")
    if closed:
        cases = cases.filter(status=CLOSED).order_by("-closed_at")[:200]
    else:
        cases = cases.filter(status__in=ACTIVE).order_by("-urgent", "-created_at")
    rows = [{"case": c, "labels": _card(c)} for c in cases]
    return render(request, "desk/queue.html", {"rows": rows, "closed": closed, "now": timezone.now()})


@staff_only
@require_GET
def bookings(request: HttpRequest) -> HttpResponse:
    try:
        found = booking_client().staff_bookings("booked")
        error = ""
    except BookingError:
        found, error = [], "Bookingsystemet svarer ikke lige nu. Prøv igen om lidt."
    rows = [
        {
            "booking": b,
            "topic": card.label(card.TOPICS, b.topic),
            "age_band": card.age_band(b.age),
            "contact_channel": card.label(card.CONTACT_CHANNELS, b.channel),
        }
        for b in sorted(found, key=lambda b: (b.starts_at is None, b.starts_at))
    ]
    try:
        wishes = [
            {
                "request": r,
                "reason": card.label(card.CONTACT_REASONS, r.get("reason")),
                "topic": card.label(card.TOPICS, r.get("topic")),
                "age_band": card.age_band(r.get("age")),
                "contact_channel": card.label(card.CONTACT_CHANNELS, r.get("channel")),
            }
            for r in booking_client().contact_requests("open")
        ]
    except BookingError:
        wishes, error = [], "Bookingsystemet svarer ikke lige nu. Prøv igen om lidt."
    return render(request, "desk/bookings.html", {"rows": rows, "wishes": wishes, "error": error})


@staff_only
@require_POST
def open_booking(request: HttpRequest, code: str) -> HttpResponse:
    """A case for a booking's conversation, to read it and answer in it (joins an active case)."""
    try:
        booking = next((b for b in booking_client().staff_bookings("booked") if b.code == code), None)
    except BookingError:
        messages.error(request, "Bookingsystemet svarer ikke lige nu. Prøv igen om lidt.")
        return redirect("bookings")
    if booking is None or not booking.conversation_id:
        messages.error(request, "Bookingen har ingen samtale med chatbotten.")
        return redirect("bookings")
    case = Case.objects.filter(conversation_id=booking.conversation_id, status__in=ACTIVE).first()
    if case is None:
        request_id = f"booking-{booking.code}"
        case, _ = Case.objects.get_or_create(
            request_id=request_id,
            defaults={
                "conversation_id": booking.conversation_id,
                "request_ids": [request_id],
                "kind": Case.BOOKING,
                "mode": "booking",
                "channel": "",
                "topic": booking.topic,
                "age_band": card.age_band(booking.age),
                "contact_channel": booking.channel,
                "preferred_time": timezone.localtime(booking.starts_at).strftime("%d.%m.%Y kl. %H.%M")
                if booking.starts_at
                else "",
                "consent": True,
                "first_name": booking.first_name or "",
                "phone": booking.phone or "",
                "email": booking.email or "",
                "consent_text": booking.consent_text,
            },
        )
    return redirect("case", case_id=case.pk)


# --- one case --------------------------------------------------------------------


def _detail(
    request: HttpRequest,
    case: Case,
    reply_form: Optional[ReplyForm] = None,
    note_form: Optional[NoteForm] = None,
    error: str = "",
) -> HttpResponse:
    try:
        transcript = conversation_store().transcript(case.conversation_id)
        transcript_error = ""
    except SQLAlchemyError:
        log.exception("transcript of case %s", case.pk)
        transcript, transcript_error = [], TRACKER_DOWN
    mine = case.assigned_to_id == request.user.pk
    context = {
        "case": case,
        "labels": _card(case),
        "transcript": transcript,
        "transcript_error": transcript_error,
        "notes": case.notes.select_related("author"),
        "reply_form": reply_form or ReplyForm(),
        "note_form": note_form or NoteForm(),
        "error": error,
        "can_reply": case.status == TAKEN and mine,
        "can_take": case.status == OPEN or (case.status == TAKEN and not mine),
        "can_delete": is_admin(request.user) or mine,
        "now": timezone.now(),
    }
    return render(request, "desk/case.html", context)


@staff_only
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_object_or_404(Case.objects.select_related("assigned_to"), pk=case_id)
    audit(request, "opened_transcript", case)
    return _detail(request, case)


@staff_only
@require_GET
def case_poll(request: HttpRequest, case_id: int) -> JsonResponse:
    """What the case page's refresh script compares: how many lines, and the status."""
    case = get_object_or_404(Case, pk=case_id)
    try:
        lines = len(conversation_store().transcript(case.conversation_id))
    except SQLAlchemyError:
        lines = -1
    return JsonResponse({"lines": lines, "status": case.status})


def _relay_error(error: RelayError, fallback: str) -> str:
    return RELAY_ERRORS.get(error.code, fallback)


@staff_only
@require_POST
def take(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_object_or_404(Case, pk=case_id)
    if case.status not in ACTIVE:
        messages.error(request, "Sagen er lukket.")
        return redirect("case", case_id=case.pk)
    try:
        relay().take(case.conversation_id, staff_name(request.user))
    except RelayError as error:
        return _detail(request, case, error=_relay_error(error, "Sagen blev ikke taget: chatbotten svarede ikke. Prøv igen."))
    case.status, case.assigned_to = TAKEN, request.user
    case.save(update_fields=["status", "assigned_to", "updated_at"])
    audit(request, "took_case", case)
    messages.success(request, "Du har taget sagen. Chatbotten holder pause i samtalen.")
    return redirect("case", case_id=case.pk)


@staff_only
@require_POST
def reply(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_object_or_404(Case, pk=case_id)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _detail(request, case, reply_form=form)
    if case.status != TAKEN or case.assigned_to_id != request.user.pk:
        return _detail(request, case, reply_form=form, error="Tag sagen, før du svarer.")
    try:
        delivery = relay().message(case.conversation_id, form.cleaned_data["text"], staff_name(request.user))
    except RelayError as error:
        return _detail(request, case, reply_form=form, error=_relay_error(error, NOT_SENT))
    audit(request, "sent_message", case)
    if delivery.delivered:
        messages.success(request, "Beskeden er sendt.")
    else:
        messages.warning(
            request, "Beskeden er gemt i samtalen, men denne kanal kan ikke sende beskeder senere."
        )
    return redirect("case", case_id=case.pk)


@staff_only
@require_POST
def handback(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_object_or_404(Case, pk=case_id)
    try:
        relay().handback(case.conversation_id)
    except RelayError as error:
        return _detail(request, case, error=_relay_error(error, "Chatbotten svarede ikke. Prøv igen."))
    # Open again (the bot has it; staff can take it back); who had it stays on the card.
    case.status = OPEN
    case.save(update_fields=["status", "updated_at"])
    audit(request, "handed_back", case)
    messages.success(request, "Chatbotten har samtalen igen.")
    return redirect("case", case_id=case.pk)


@staff_only
@require_POST
def add_note(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_object_or_404(Case, pk=case_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _detail(request, case, note_form=form)
    Note.objects.create(case=case, author=request.user, text=form.cleaned_data["text"])
    messages.success(request, "Noten er gemt.")
    return redirect("case", case_id=case.pk)


@staff_only
@require_POST
def close(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_object_or_404(Case, pk=case_id)
    if case.status == CLOSED:
        return redirect("case", case_id=case.pk)
    if case.status in ACTIVE:
        # The bot is quiet while staff have (or are about to have) the conversation, also when
        # nobody took the case yet: give it back before closing.
        try:
            relay().handback(case.conversation_id)
        except RelayError as error:
            if error.code != "unknown_conversation":
                return _detail(request, case, error="Sagen blev ikke lukket: chatbotten svarede ikke. Prøv igen.")
    case.status, case.closed_at = CLOSED, timezone.now()
    case.save(update_fields=["status", "closed_at", "updated_at"])
    audit(request, "closed_case", case)
    messages.success(request, "Sagen er lukket.")
    return redirect("queue")


@staff_only
def delete(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_object_or_404(Case, pk=case_id)
    if not (is_admin(request.user) or case.assigned_to_id == request.user.pk):
        return HttpResponseForbidden("Kun en administrator eller den vejleder, der har sagen, kan slette den.")
    if request.method != "POST":
        return render(request, "desk/confirm_delete.html", {"case": case})
    try:
        relay().erase(case.conversation_id)
    except RelayError as error:
        if error.code != "unknown_conversation":
            return render(request, "desk/confirm_delete.html", {"case": case, "error": "Samtalen blev ikke slettet. Prøv igen."})
    with transaction.atomic():
        audit(request, "deleted_case", case)
        case.delete()
    messages.success(request, "Sagen og samtalen er slettet.")
    return redirect("queue")


# --- audit log -------------------------------------------------------------------


@staff_only
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    if not is_admin(request.user):
        raise PermissionDenied
    page = Paginator(AuditEntry.objects.all(), 50).get_page(request.GET.get("side"))
    return render(request, "desk/audit.html", {"page": page})
