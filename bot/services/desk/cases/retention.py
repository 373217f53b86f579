"""Retention: closed cases go with their conversation when the closed-case period has
passed; conversations without a case go when their last event is older than the
conversation period; the SMS channel's numbers go with them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable, Optional

from django.conf import settings
from django.db import transaction

from bot.core.stores.conversations import ConversationStore
from bot.core.stores.sms import SmsStore
from bot.services.desk.cases.models import CLOSED, AuditEntry, Case
from bot.services.desk.cases.services import conversation_store

log = logging.getLogger("vejviser.desk.retention")


@dataclass
class PurgeResult:
    closed_cases: int = 0
    conversations: int = 0
    sms_numbers: int = 0


def forget_sms_numbers(path: Path | str, sender_ids: Iterable[str], older_than: datetime, keep: Iterable[str] = ()) -> int:
    """Makes the SMS channel forget the numbers (and kept options and text) of the given
    conversations and of those not used since `older_than`, except where a case still needs
    the number to answer (`keep`). `path`: the SQLite file or the store's URL. No SMS store
    file yet: nothing to forget."""
    sms = SmsStore(path)
    if not sms.exists():
        return 0
    kept = set(keep)
    forget = set(sender_ids) | {sender for sender in sms.idle_senders(older_than.timestamp()) if sender not in kept}
    numbered = {sender for sender in forget if sms.number_for(sender)}
    for sender in forget:
        sms.forget_sender(sender)
    return len(numbered)


def purge(now: datetime, store: Optional[ConversationStore] = None, sms_path: Optional[Path] = None) -> PurgeResult:
    store = store or conversation_store()
    config = settings.DESK
    result = PurgeResult()
    purged = []
    closed_cutoff = now - timedelta(days=config.closed_case_retention_days)
    for case in Case.objects.filter(status=CLOSED, closed_at__lt=closed_cutoff):
        conversation = case.conversation_id
        # Another (newer) case may still need this conversation.
        if not Case.objects.filter(conversation_id=conversation).exclude(pk=case.pk).exists():
            store.delete(conversation)
            purged.append(conversation)
        with transaction.atomic():
            AuditEntry.objects.create(action="retention", case_id=case.pk, conversation_id=conversation)
            case.delete()
        result.closed_cases += 1
    conversation_cutoff = now - timedelta(days=config.conversation_retention_days)
    keep = set(Case.objects.values_list("conversation_id", flat=True))
    for conversation in store.idle_conversations(conversation_cutoff, keep):
        store.delete(conversation)
        purged.append(conversation)
        result.conversations += 1
    sms_location = sms_path or config.sms_store_url or config.sms_store_path
    result.sms_numbers = forget_sms_numbers(sms_location, purged, conversation_cutoff, keep)
    log.info(
        "retention: %d closed cases, %d idle conversations, %d SMS numbers deleted",
        result.closed_cases,
        result.conversations,
        result.sms_numbers,
    )
    return result
