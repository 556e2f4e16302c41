"""Values a process trusts for a few seconds: what every request would otherwise ask PostgreSQL for
although it rarely changes (a host's tenant, a tenant's primary domain, the company's language).

A change made in a process clears its cache at once (the owners connect ``clear`` to their models'
signals, and again on commit); the other processes see it within ``seconds``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ExpiringCache(Generic[K, V]):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._items: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K, load: Callable[[], V]) -> V:
        """The value for ``key``, loaded again when missing or older than ``seconds``."""
        now = time.monotonic()
        hit = self._items.get(key)
        if hit is None or hit[0] < now:
            hit = (now + self.seconds, load())
            with self._lock:
                self._items[key] = hit
        return hit[1]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
