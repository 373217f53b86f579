"""Starts each assistant through the harness, measures it, and stops it again."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Dict, Sequence

from bench.turn.measure import measure
from bench.turn.model import OUR_MODEL, ensure_default_model
from tests.harness.services import Assistant

ASSISTANTS = ("ours", "rasa_default")


def model_for(name: str) -> Path:
    if name == "ours":
        if not OUR_MODEL.is_file():
            raise SystemExit(f"{OUR_MODEL} is missing: run `make train`")
        return OUR_MODEL
    if name == "rasa_default":
        return ensure_default_model()
    raise ValueError(f"unknown assistant {name!r}; known: {', '.join(ASSISTANTS)}")


def measure_assistant(name: str, conversations: Sequence[Sequence[str]], users: int) -> Dict[str, float]:
    """Rasa (REST) + our action server + outbox relay + booking service, as `make run` starts them."""
    model = model_for(name)
    tmp = Path(tempfile.mkdtemp(prefix=f"vejviser-bench-turn-{name}-"))
    started = time.perf_counter()
    bot = Assistant(tmp, model, start_timeout=600)  # a busy shared machine can take minutes to load a model
    print(f"  {name}: Rasa up in {time.perf_counter() - started:.0f} s (logs in {tmp})", flush=True)
    try:
        return measure(bot.say, bot.rasa.pid, conversations, users)
    finally:
        bot.stop(timeout=180)  # a busy machine can take a minute to shut Rasa down


def benchmark(names: Sequence[str], conversations: Sequence[Sequence[str]], users: int) -> Dict[str, Dict[str, float]]:
    for name in names:
        model_for(name)  # train the default model first, before any assistant runs beside it
    return {name: measure_assistant(name, conversations, users) for name in names}


def machine_note() -> Dict:
    return {
        "load_average": list(os.getloadavg()),
        "cores": os.cpu_count(),
        "clock_ticks_per_s": os.sysconf("SC_CLK_TCK"),
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
