"""Receivers for third-party models' signals (our own writes call ``streaming.publish`` directly)."""

from __future__ import annotations

from typing import Any

from common.oncommit import after_commit


def access_token_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    from streaming.publish import token_revoked

    after_commit(token_revoked, instance.pk)
