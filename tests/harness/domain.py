"""The domain's responses as Rasa loads them (the SMS and plain-language tests read them)."""

from __future__ import annotations

from rasa.shared.core.domain import Domain

from bot.core.paths import PROJECT_ROOT

RESPONSES = Domain.load(str(PROJECT_ROOT / "domain.yml")).responses
