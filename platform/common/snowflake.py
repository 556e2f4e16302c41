"""Time-sortable 64-bit ids, Mastodon's shape: milliseconds since the epoch << 16 | a sequence.

Ids sort by creation time, so ``max_id``/``since_id`` paging is an index range scan, and they are
unguessable enough that one tenant's id says nothing about another's volume.
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import datetime

_lock = threading.Lock()
_last_ms = 0
_sequence = 0


def generate(at: datetime | None = None) -> int:
    """A new id; ``at`` backdates it (imports, demo data) with a random low part."""
    global _last_ms, _sequence
    if at is not None:
        return (int(at.timestamp() * 1000) << 16) | secrets.randbelow(1 << 16)
    with _lock:
        now = int(time.time() * 1000)
        if now > _last_ms:
            _last_ms = now
            _sequence = secrets.randbelow(1 << 12)
        else:
            _sequence += 1
            if _sequence >= 1 << 16:  # 65,536 ids in one millisecond: borrow the next one
                _last_ms += 1
                _sequence = 0
        return (_last_ms << 16) | _sequence


def lower_bound(at: datetime) -> int:
    """The smallest id that could have been generated at ``at`` (for time-range queries)."""
    return int(at.timestamp() * 1000) << 16
