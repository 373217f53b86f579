"""POST /v1/conversations/{id}/erase: "slet mine data" for one conversation."""

from __future__ import annotations

from typing import Dict

from fastapi import APIRouter, Path

from bot.services.booking.deps import auth, service_dep
from bot.services.booking.service import BookingService

router = APIRouter(dependencies=auth, tags=["privacy"])


@router.post("/v1/conversations/{conversation_id}/erase")
def erase_conversation(
    conversation_id: str = Path(..., min_length=1, max_length=128), service: BookingService = service_dep
) -> Dict[str, int]:
    return {"erased": service.erase_conversation(conversation_id)}
