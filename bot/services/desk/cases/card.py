"""The summary card: the few facts an advisor needs first, in short Danish labels."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

REASONS = {
    "asked_for_person": "Bad om en person",
    "not_understood": "Chatbotten forstod ikke",
    "crisis": "KRISE",
    "caseworker_only": "Kun en sagsbehandler kan svare",
}
MODES = {
    "live": "Chat nu",
    "message": "Besked",
    "booking": "Booking",
    "noted": "Haster (uden for åbningstid)",
    "left": "Gik tilbage til chatbotten",
}
# Why the booking service holds a contact request instead of a booking (actions/time_steps.py).
CONTACT_REASONS = {"no_free_time": "Ingen ledig tid passede", "booking_unavailable": "Bookingsystemet var nede"}
CHANNELS = {"widget": "Chat på hjemmesiden", "sms": "SMS", "rest": "REST"}
TOPICS = {
    "penge": "Penge",
    "uddannelse": "Uddannelse",
    "job": "Job",
    "cv": "CV",
    "læreplads": "Læreplads",
    "trivsel": "Trivsel",
    "andet": "Andet",
}
CONTACT_CHANNELS = {"telefon": "Telefon", "sms": "SMS", "mail": "Mail", "møde": "Møde", "video": "Video"}
# What the user asked the bot about (intent -> label); crisis first when present.
SITUATIONS = {
    "crisis": "KRISE",
    "ask_income_options": "Penge at leve af",
    "ask_uddannelseshjaelp": "Uddannelseshjælp",
    "ask_su": "SU",
    "ask_debt": "Gæld",
    "ask_housing": "Bolig",
    "ask_cv_help": "CV",
    "ask_apprenticeship": "Læreplads",
    "ask_job_help": "Job",
    "ask_education_choice": "Valg af uddannelse",
    "ask_fgu": "FGU",
    "ask_dropout": "Overvejer at stoppe",
    "ask_school": "Grundskole",
    "ask_disability": "SPS/STU",
    "ask_mental_health": "Trivsel",
    "ask_substance_abuse": "Rusmidler",
    "ask_vejledningscafe": "Vejledningscaféen",
    "ask_contact_info": "Kontaktinfo",
    "ask_contact_person": "Kontaktperson",
    "ask_privacy": "Persondata",
}


def age_band(age: Any) -> str:
    """Only a band is shown: 13-17, 18-24 or 25-29 ('' when unknown or outside)."""
    try:
        years = int(age)
    except (TypeError, ValueError):
        return ""
    for low, high in ((13, 17), (18, 24), (25, 29)):
        if low <= years <= high:
            return f"{low}-{high}"
    return ""


def situation(intents: Iterable[str]) -> List[str]:
    """Labels for the topics asked about, crisis first, each once."""
    names = [n for n in intents if n == "crisis" or n.startswith("ask_")]
    labels = [SITUATIONS.get(n, n.removeprefix("ask_").replace("_", " ")) for n in names]
    ordered = sorted(dict.fromkeys(labels), key=lambda label: label != "KRISE")
    return ordered


def label(table: Dict[str, str], key: Optional[str]) -> str:
    return table.get(key or "", key or "")
