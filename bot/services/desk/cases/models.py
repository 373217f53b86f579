"""A case per hand-off (one open case per conversation), internal notes, the audit log
and the sync cursor into the tracker store."""

from __future__ import annotations

from django.conf import settings
from django.db import models

OPEN, TAKEN, CLOSED = "open", "taken", "closed"
ACTIVE = (OPEN, TAKEN)


class Case(models.Model):
    HANDOFF, BOOKING = "handoff", "booking"
    STATUSES = [(OPEN, "Åben"), (TAKEN, "Taget"), (CLOSED, "Lukket")]

    conversation_id = models.CharField(max_length=255, db_index=True)
    # The hand-off request's id ("booking-<code>" for a case opened from a booking).
    request_id = models.CharField(max_length=64, unique=True)
    # Every hand-off request that fed this case (later ones join an active case).
    request_ids = models.JSONField(default=list, blank=True)
    kind = models.CharField(max_length=16, choices=[(HANDOFF, "Hand-off"), (BOOKING, "Booking")], default=HANDOFF)
    reason = models.CharField(max_length=32, blank=True)
    mode = models.CharField(max_length=16, blank=True)
    urgent = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=STATUSES, default=OPEN, db_index=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    channel = models.CharField(max_length=16, blank=True)
    # The summary card, as it was when the request came (contact details only with consent).
    topic = models.CharField(max_length=32, blank=True)
    age_band = models.CharField(max_length=8, blank=True)
    situation = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    contact_channel = models.CharField(max_length=16, blank=True)
    preferred_time = models.CharField(max_length=200, blank=True)
    consent = models.BooleanField(default=False)
    first_name = models.CharField(max_length=60, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.CharField(max_length=254, blank=True)
    consent_text = models.TextField(blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-urgent", "-created_at"]

    def __str__(self) -> str:
        return f"Sag {self.pk}"


class Note(models.Model):
    """An internal note on a case; never sent to the young person."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]


class AuditEntry(models.Model):
    """Who did what to which case and conversation. Plain ids, not foreign keys, so the
    log outlives the case."""

    ACTIONS = [
        ("opened_transcript", "Åbnede samtalen"),
        ("took_case", "Tog sagen"),
        ("sent_message", "Sendte besked"),
        ("handed_back", "Gav tilbage til chatbotten"),
        ("closed_case", "Lukkede sagen"),
        ("deleted_case", "Slettede sag og samtale"),
        ("erased_by_user", "Brugeren slettede sine data"),
        ("retention", "Slettet efter opbevaringstiden"),
    ]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32, choices=ACTIONS)
    case_id = models.IntegerField(null=True, blank=True)
    conversation_id = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]


class SyncCursor(models.Model):
    """The last tracker event id the sync has read (one row)."""

    last_event_id = models.BigIntegerField(default=0)
