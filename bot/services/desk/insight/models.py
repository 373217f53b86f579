"""Daily aggregates per channel for the dashboard. Counts only: no message text and no
sender ids; the hand-off request ids kept to count each request once are random ids."""

from __future__ import annotations

from django.db import models

CHANNELS = ("widget", "sms", "rest")


class DailyChannel(models.Model):
    """One day (Copenhagen time) on one channel."""

    day = models.DateField()
    channel = models.CharField(max_length=8)
    conversations = models.IntegerField(default=0)
    user_messages = models.IntegerField(default=0)
    understood = models.IntegerField(default=0)  # user messages not read as nlu_fallback
    handoffs = models.IntegerField(default=0)
    bookings_made = models.IntegerField(default=0)
    bookings_cancelled = models.IntegerField(default=0)
    crisis_answers = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "channel"], name="insight_day_channel")]
        indexes = [models.Index(fields=["day"], name="insight_channel_day")]


class DailyCount(models.Model):
    """A count by key on one day and channel: user messages per intent (kind "intent") and
    hand-offs per reason (kind "reason")."""

    INTENT, REASON = "intent", "reason"

    day = models.DateField()
    channel = models.CharField(max_length=8)
    kind = models.CharField(max_length=8)
    key = models.CharField(max_length=64)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "channel", "kind", "key"], name="insight_day_key")]
        indexes = [models.Index(fields=["kind", "day"], name="insight_count_kind_day")]


class SeenHandoff(models.Model):
    """A hand-off request already counted (the bot sets the same request again as it changes)."""

    request_id = models.CharField(max_length=64, unique=True)
    day = models.DateField(db_index=True)


class StaleAnswers(models.Model):
    """How many knowledge-base answers were due for a check on a day (one row per day)."""

    day = models.DateField(unique=True)
    stale = models.IntegerField(default=0)
    total = models.IntegerField(default=0)


class InsightCursor(models.Model):
    """The last tracker event id the aggregation has read (one row)."""

    last_event_id = models.BigIntegerField(default=0)
    last_timestamp = models.FloatField(default=0)
