"""Who may receive a post event: policy's audience snapshot, carried over Redis as JSON.

The publisher takes the snapshot once (``policy.audience_for``) and ships it with the event; every
connection then asks ``policy.admits(audience, viewer)``, which is pure, so one event is checked against
thousands of connections without touching the database, under the rules as they are at delivery
time. The snapshot travels as JSON (the channel carries no pickles, like the Celery broker).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from policy import PostAudience, admits, audience_for
from posts.models import Audience

__all__ = ["admits", "audience_for", "author_ids", "decode", "depends_on_follows", "encode"]


def encode(audience: PostAudience) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(audience):
        value = getattr(audience, f.name)
        if isinstance(value, PostAudience):
            value = encode(value)
        elif isinstance(value, frozenset | set | tuple | list):
            value = sorted(value) if isinstance(value, frozenset | set) else list(value)
        out[f.name] = value
    return out


def decode(data: dict[str, Any]) -> PostAudience:
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(PostAudience):
        if f.name not in data:
            continue
        value = data[f.name]
        if isinstance(value, dict):
            value = decode(value)
        elif isinstance(value, list):
            # Field types are strings here (postponed annotations): "tuple[...]" or "frozenset[...]".
            value = tuple(value) if str(f.type).startswith("tuple") else frozenset(value)
        kwargs[f.name] = value
    return PostAudience(**kwargs)


def author_ids(audience: PostAudience | None) -> set[int]:
    """The people whose follow edges the decision can depend on (the author and a repost's original)."""
    found = set()
    while audience is not None:
        found.add(audience.author_id)
        audience = audience.original
    return found


def depends_on_follows(audience: PostAudience | None) -> bool:
    """Whether the decision reads the viewer's follows (a followers-only post, or a repost of one)."""
    while audience is not None:
        if audience.kind == Audience.FOLLOWERS:
            return True
        audience = audience.original
    return False
