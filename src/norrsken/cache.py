"""The user cache directory: the only place norrsken writes without being asked."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    """Return (and create) the cache folder; ``NORRSKEN_CACHE_DIR`` overrides the platform default."""
    path = Path(os.environ.get("NORRSKEN_CACHE_DIR") or platformdirs.user_cache_dir("norrsken"))
    path.mkdir(parents=True, exist_ok=True)
    return path
