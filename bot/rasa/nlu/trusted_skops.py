"""Loads a scikit-learn object that our own training saved with skops, trusting only the
types training writes (a foreign type means the file is not ours: refuse it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Tuple

DEFAULT_TRUSTED_PREFIXES = ("sklearn.", "numpy.")


def load_trusted(path: Path, trusted_prefixes: Tuple[str, ...] = DEFAULT_TRUSTED_PREFIXES) -> Any:
    import skops.io as sio

    untrusted = sio.get_untrusted_types(file=path)
    foreign = [t for t in untrusted if not t.startswith(trusted_prefixes)]
    if foreign:
        raise ValueError(f"{path} holds types that training never writes: {foreign}")
    return sio.load(path, trusted=untrusted)
