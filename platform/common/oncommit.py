"""Schedule side effects for after the surrounding transaction commits."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction


def after_commit(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    transaction.on_commit(partial(fn, *args, **kwargs), robust=False)


def enqueue(task: Any, *args: Any, **kwargs: Any) -> None:
    """Send a Celery task once the current transaction has committed (never for a rolled-back write)."""
    transaction.on_commit(partial(task.delay, *args, **kwargs))
