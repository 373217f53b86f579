"""Cases from the tracker store: every hand-off request becomes a case (one open case per
conversation), and active cases whose conversation the user erased are deleted."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, Optional

from django.db import transaction

from bot.core.privacy import mask_cpr
from bot.core.stores.conversations import ConversationStore
from bot.services.desk.cases import card
from bot.services.desk.cases.models import ACTIVE, AuditEntry, Case, SyncCursor
from bot.services.desk.cases.services import conversation_store

log = logging.getLogger("vejviser.desk.sync")
RESCAN_EVENTS = 5000


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    erased: int = 0


def _text(value: Any, limit: int) -> str:
    return mask_cpr(value)[0][:limit] if isinstance(value, str) else ""


def _snapshot(store: ConversationStore, conversation_id: str, request: Dict[str, Any]) -> Dict[str, Any]:
    """The card fields from the request and the conversation's slots and intents.
    Contact details and the name only when the user consented."""
    slots = store.slots(conversation_id)
    consent = request.get("consent") is True
    at = request.get("at")
    return {
        "reason": _text(request.get("reason"), 32),
        # The user wrote "tilbage" and is with the bot again: staff should know before answering.
        "mode": "left" if request.get("user_left") else _text(request.get("mode"), 16),
        "channel": _text(request.get("channel"), 16),
        "topic": _text(slots.get("intake_topic"), 32),
        "age_band": card.age_band(slots.get("age")),
        "situation": card.situation(store.intents(conversation_id)),
        "message": _text(request.get("message"), 4000),
        "contact_channel": _text(request.get("contact_channel") or slots.get("contact_channel"), 16),
        "preferred_time": _text(slots.get("time_wish"), 200),
        "consent": consent,
        "first_name": _text(slots.get("first_name"), 60) if consent else "",
        "phone": _text(request.get("phone"), 32) if consent else "",
        "email": _text(request.get("email"), 254) if consent else "",
        "consent_text": _text(request.get("consent_text"), 1000) if consent else "",
        "requested_at": datetime.fromtimestamp(at, tz=timezone.utc) if isinstance(at, (int, float)) else None,
    }


def _apply(store: ConversationStore, conversation_id: str, request: Dict[str, Any]) -> Optional[bool]:
    """Creates (True) or updates (False) the case for one request."""
    fields = _snapshot(store, conversation_id, request)
    urgent = request.get("urgent") is True or request.get("reason") == "crisis"
    request_id = str(request["id"])[:64]
    case = Case.objects.filter(request_id=request_id).first()
    if case is None:
        # A second request in a conversation that already has an active case joins it.
        case = Case.objects.filter(conversation_id=conversation_id, status__in=ACTIVE).order_by("-created_at").first()
    if case is None:
        Case.objects.create(
            conversation_id=conversation_id,
            request_id=request_id,
            request_ids=[request_id],
            kind=Case.HANDOFF,
            urgent=urgent,
            **fields,
        )
        return True
    changed = {name: value for name, value in fields.items() if getattr(case, name) != value}
    # Once a crisis, the case stays marked urgent until it is closed.
    if urgent and not case.urgent:
        changed["urgent"] = True
    if request_id not in case.request_ids:
        changed["request_ids"] = [*case.request_ids, request_id]
    if not changed:
        return None  # read again (see RESCAN_EVENTS) and nothing new
    for name, value in changed.items():
        setattr(case, name, value)
    case.save()
    return False


def _known_request_ids() -> set:
    return {rid for ids in Case.objects.values_list("request_ids", flat=True) for rid in ids or []}


def sync_cases(store: Optional[ConversationStore] = None) -> SyncResult:
    store = store or conversation_store()
    result = SyncResult()
    if not store.table_exists():
        return result  # Rasa has not written anything yet; nothing can have been erased either
    with transaction.atomic():
        cursor, _ = SyncCursor.objects.select_for_update().get_or_create(pk=1)
        newest = store.max_event_id()
        if newest < cursor.last_event_id:
            # The newest events were deleted (an erased conversation) and SQLite hands out
            # their ids again: read every request and take only those never seen.
            known = _known_request_ids()
            pending = [r for r in store.handoff_requests(0) if str(r[2]["id"])[:64] not in known]
        else:
            # SQLite also reuses ids when more rows were written since an erasure than it
            # deleted, so ids just below the cursor are read again. Applying a request twice
            # changes nothing, so reading it again is safe.
            pending = store.handoff_requests(max(0, cursor.last_event_id - RESCAN_EVENTS))
        for _event_id, conversation_id, request in pending:
            applied = _apply(store, conversation_id, request)
            if applied:
                result.created += 1
            elif applied is False:
                result.updated += 1
        cursor.last_event_id = max([newest, *[r[0] for r in pending]])
        cursor.save()
    # "Slet mine data": every case of the conversation goes, closed ones too (they hold the
    # message and contact details), but not a case the user started after the erasure.
    for erasure_id, conversation_id, erased_at in store.erasures():
        for case in Case.objects.filter(conversation_id=conversation_id, created_at__lte=erased_at):
            with transaction.atomic():
                AuditEntry.objects.create(action="erased_by_user", case_id=case.pk, conversation_id=conversation_id)
                case.delete()
            result.erased += 1
        store.forget_erasure(erasure_id)
    if result.created or result.updated or result.erased:
        log.info("sync: %d new cases, %d updated, %d erased by the user", result.created, result.updated, result.erased)
    return result
