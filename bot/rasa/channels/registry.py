"""The input channels of this Rasa process, by name, so a staff answer written later can
go out on the channel the young person last wrote on (widget room, SMS number).

Rasa does not keep the channel objects it registers; ours add themselves here when Rasa
asks them for their blueprint."""

from __future__ import annotations

from typing import Dict, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel

_channels: Dict[str, InputChannel] = {}


def register(channel: InputChannel) -> None:
    _channels[channel.name()] = channel


def input_channel(name: Optional[str]) -> Optional[InputChannel]:
    return _channels.get(name or "")


def output_channel(name: Optional[str]) -> Optional[OutputChannel]:
    """The channel's out-of-turn sender, or None (REST has none: it only answers requests)."""
    channel = input_channel(name)
    return channel.get_output_channel() if channel else None
