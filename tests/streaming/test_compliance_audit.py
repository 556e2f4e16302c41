"""A compliance officer opening a stream (SSE or WebSocket) leaves one audit entry with the stream's
path (never the token) and the client's IP; a member's stream leaves none."""

from __future__ import annotations

import time

import pytest
from websockets.sync.client import connect

from audit.models import AuditEntry
from directory.models import Employee, Role
from tests.streaming.conftest import SSEClient, World

pytestmark = pytest.mark.slow

IP = "198.51.100.23"


def _entries(who: Employee, before: int) -> list[AuditEntry]:
    deadline = time.monotonic() + 5
    while True:
        found = list(
            AuditEntry.objects.filter(action="compliance.read", actor_id=who.pk, id__gt=before).order_by("id")
        )
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_compliance_stream_opens_are_audited_and_members_are_not(in_acme: World) -> None:
    officer = in_acme.people["follower"]
    Employee.objects.filter(pk=officer.pk).update(role=Role.COMPLIANCE)
    try:
        mark = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        token = in_acme.token("follower")
        stream = SSEClient(
            in_acme.host(),
            "/api/v1/streaming/hashtag?tag=notice",
            headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": IP},
        )
        assert stream.status == 200
        stream.close()
        (sse,) = _entries(officer, mark)
        assert (sse.target_type, sse.ip) == ("stream", IP)
        assert sse.target_label == "/api/v1/streaming/hashtag?tag=notice"

        url = f"ws://{in_acme.host()}/api/v1/streaming?stream=public&access_token={token}"
        with connect(url, open_timeout=5):
            pass
        ws = _entries(officer, sse.pk)
        assert [e.target_label for e in ws] == ["/api/v1/streaming?stream=public"], "the token was logged"
        assert ws[0].ip == "127.0.0.1"

        member = in_acme.people["colleague"]
        other = in_acme.token("colleague")
        plain = SSEClient(
            in_acme.host(), "/api/v1/streaming/public", headers={"Authorization": f"Bearer {other}"}
        )
        assert plain.status == 200
        plain.close()
        time.sleep(0.3)
        assert not AuditEntry.objects.filter(actor_id=member.pk, action="compliance.read").exists()
    finally:
        Employee.objects.filter(pk=officer.pk).update(role=Role.MEMBER)
