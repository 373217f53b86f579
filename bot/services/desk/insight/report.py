"""The dashboard's tables for a date range, from the daily aggregate rows (a handful of
indexed queries whatever the number of conversations). Each table: a title, column
headings and rows; the charts are drawn from the same tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from django.db.models import Sum
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from bot.services.desk.cases import card
from bot.services.desk.cases.knowledge import topic_label
from bot.services.desk.insight.models import CHANNELS, DailyChannel, DailyCount, StaleAnswers

DEFAULT_DAYS = 30
MAX_DAYS = 366 * 2
TOP_TOPICS = 10
TOTALS = ("conversations", "user_messages", "understood", "handoffs", "bookings_made", "bookings_cancelled", "crisis_answers")


@dataclass
class Table:
    slug: str
    title: str
    columns: List[str]
    rows: List[List[Any]] = field(default_factory=list)
    chart: str = "bar"  # how insight.js draws it: bar, stacked, line or horizontal

    def body_html(self) -> SafeString:
        """The table's rows, the first cell a row heading. Built here, not in the template:
        a year of days is a few thousand cells, and the template loop was most of the page's time."""
        if not self.rows:
            return mark_safe(f'<tr><td colspan="{len(self.columns)}">Ingen tal i perioden.</td></tr>')
        lines = []
        for first, *rest in self.rows:
            cells = "".join(f"<td>{escape(cell)}</td>" for cell in rest)
            lines.append(f'<tr><th scope="row">{escape(first)}</th>{cells}</tr>')
        return mark_safe("\n".join(lines))  # noqa: S308 - every cell is escaped above


@dataclass
class Report:
    start: dt.date
    end: dt.date
    tables: Dict[str, Table]
    totals: Dict[str, int]
    stale: Optional[StaleAnswers]

    @property
    def understood_share(self) -> Optional[int]:
        said = self.totals["user_messages"]
        return round(100 * self.totals["understood"] / said) if said else None


def date_range(start_text: str, end_text: str, today: dt.date) -> tuple:
    """(start, end) from the form's ISO dates, the last 30 days when missing or wrong."""
    try:
        end = dt.date.fromisoformat(end_text) if end_text else today
    except ValueError:
        end = today
    try:
        start = dt.date.fromisoformat(start_text) if start_text else end - dt.timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        start = end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        start, end = end, start
    return max(start, end - dt.timedelta(days=MAX_DAYS)), end


def _days(start: dt.date, end: dt.date) -> List[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "–"


def build(start: dt.date, end: dt.date, today: dt.date) -> Report:
    per_day: Dict[dt.date, Dict[str, Dict[str, int]]] = {}
    for row in DailyChannel.objects.filter(day__gte=start, day__lte=end).values("day", "channel", *TOTALS):
        per_day.setdefault(row["day"], {})[row["channel"]] = row
    days = _days(start, end)
    totals = dict.fromkeys(TOTALS, 0)
    for channels in per_day.values():
        for row in channels.values():
            for name in TOTALS:
                totals[name] += row[name]

    def day_sum(day: dt.date, name: str) -> int:
        return sum(row[name] for row in per_day.get(day, {}).values())

    conversations = Table(
        "samtaler", "Samtaler pr. dag og kanal", ["Dag", *(card.CHANNELS[c] for c in CHANNELS), "I alt"], chart="stacked"
    )
    understood = Table("forstaaet", "Beskeder forstået pr. dag", ["Dag", "Beskeder", "Forstået", "Andel forstået"], chart="line")
    bookings = Table("bookinger", "Bookinger pr. dag", ["Dag", "Booket", "Aflyst"])
    for day in days:
        label = day.isoformat()
        by_channel = [per_day.get(day, {}).get(c, {}).get("conversations", 0) for c in CHANNELS]
        conversations.rows.append([label, *by_channel, sum(by_channel)])
        said, got = day_sum(day, "user_messages"), day_sum(day, "understood")
        understood.rows.append([label, said, got, _share(got, said)])
        bookings.rows.append([label, day_sum(day, "bookings_made"), day_sum(day, "bookings_cancelled")])

    def by_key(kind: str, limit: Optional[int] = None) -> List[Any]:
        found = (
            DailyCount.objects.filter(kind=kind, day__gte=start, day__lte=end)
            .values("key")
            .annotate(n=Sum("count"))
            .order_by("-n", "key")
        )
        return list(found[:limit] if limit else found)

    topics = Table("emner", f"De {TOP_TOPICS} hyppigste emner", ["Emne", "Beskeder"], chart="horizontal")
    topics.rows = [[topic_label(row["key"]), row["n"]] for row in by_key(DailyCount.INTENT, TOP_TOPICS)]
    reasons = Table("overdragelser", "Overdragelser til en medarbejder efter årsag", ["Årsag", "Overdragelser"])
    reasons.rows = [[card.label(card.REASONS, row["key"]) or row["key"], row["n"]] for row in by_key(DailyCount.REASON)]
    checks = Table("tjek", "Svar der skal tjekkes, dag for dag", ["Dag", "Skal tjekkes", "Svar i alt"], chart="line")
    recorded = list(StaleAnswers.objects.filter(day__gte=start, day__lte=end).order_by("day"))
    checks.rows = [[row.day.isoformat(), row.stale, row.total] for row in recorded]
    stale = StaleAnswers.objects.filter(day__lte=today).order_by("-day").first()
    tables = {t.slug: t for t in (conversations, understood, topics, reasons, bookings, checks)}
    return Report(start, end, tables, totals, stale)
