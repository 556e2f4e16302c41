"""``/api/v1/conversations``: the apps' "Direct messages" — direct threads, their people, read and
removed marks, and only for those who take part."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from directory.models import Role
from tests.api.conftest import Api, People, Queries

pytestmark = pytest.mark.django_db


def _direct(api: Api, text: str, reply_to: str | None = None) -> str:
    fields = {"status": text, "visibility": "direct"}
    if reply_to:
        fields["in_reply_to_id"] = reply_to
    made = api.post("/api/v1/statuses", fields)
    assert made.status_code == 200, made.content
    return str(made.json()["id"])


def _conversations(api: Api, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/api/v1/conversations", params)
    assert response.status_code == 200, response.content
    return list(response.json())


def _usernames(conversation: dict[str, Any]) -> list[str]:
    return sorted(a["username"] for a in conversation["accounts"])


def test_a_direct_thread_is_one_conversation_for_each_person_in_it(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    opener = _direct(kim, "@lee 점심 같이 하실래요?")
    [for_lee] = _conversations(lee)
    assert for_lee["last_status"]["id"] == opener
    assert for_lee["last_status"]["visibility"] == "direct"
    assert _usernames(for_lee) == ["kim"]
    assert for_lee["accounts"][0]["bt"]["unit"]["name"] == "영업팀"  # real-name profile, as everywhere
    assert for_lee["unread"] is True
    [for_kim] = _conversations(kim)
    assert for_kim["id"] == for_lee["id"]
    assert _usernames(for_kim) == ["lee"]
    assert for_kim["unread"] is False  # their own message

    reply = _direct(lee, "@kim 좋아요, 12시에 봬요", reply_to=opener)
    [for_kim] = _conversations(kim)
    assert for_kim["last_status"]["id"] == reply
    assert for_kim["last_status"]["in_reply_to_id"] == opener
    assert for_kim["unread"] is True
    assert _conversations(lee)[0]["unread"] is False  # answering is reading


def test_mark_read_then_remove_until_a_newer_message(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    opener = _direct(kim, "@lee 회의록 공유드립니다")
    [conversation] = _conversations(lee)

    read = lee.post(f"/api/v1/conversations/{conversation['id']}/read")
    assert read.status_code == 200, read.content
    assert read.json()["unread"] is False and read.json()["last_status"]["id"] == opener
    assert _conversations(lee)[0]["unread"] is False

    removed = lee.delete(f"/api/v1/conversations/{conversation['id']}")
    assert removed.status_code == 200 and removed.json() == {}
    assert _conversations(lee) == []
    assert _conversations(kim)[0]["last_status"]["id"] == opener  # only lee's list changed
    assert lee.get(f"/api/v1/statuses/{opener}").status_code == 200  # and the message stays

    newer = _direct(kim, "@lee 하나 더 있어요", reply_to=opener)
    [back] = _conversations(lee)
    assert back["id"] == conversation["id"]
    assert back["last_status"]["id"] == newer and back["unread"] is True


def test_a_reply_naming_someone_else_stays_out_of_the_conversation_for_those_not_named(
    api_as, people: People
) -> None:
    kim, lee, choi = api_as(people.kim), api_as(people.lee), api_as(people.choi)
    opener = _direct(kim, "@lee 예산안 검토 부탁드려요")
    aside = _direct(kim, "@choi 참고로 보내드립니다", reply_to=opener)

    [for_lee] = _conversations(lee)
    assert for_lee["last_status"]["id"] == opener
    assert _usernames(for_lee) == ["kim"]  # choi is not shown to lee: lee cannot see the aside
    [for_choi] = _conversations(choi)
    assert for_choi["last_status"]["id"] == aside
    assert _usernames(for_choi) == ["kim"]
    [for_kim] = _conversations(kim)
    assert for_kim["last_status"]["id"] == aside
    assert _usernames(for_kim) == ["choi", "lee"]


def test_outsiders_see_no_conversation_and_cannot_touch_it(api_as, people: People) -> None:
    kim, lee, choi = api_as(people.kim), api_as(people.lee), api_as(people.choi)
    _direct(kim, "@lee 인사 평가 관련 비공개 논의")
    kim.post("/api/v1/statuses", {"status": "@choi 전체 공지 확인 부탁", "visibility": "public"})
    [conversation] = _conversations(lee)

    assert _conversations(choi) == []  # a public mention is not a conversation either
    for request in (
        lambda: choi.post(f"/api/v1/conversations/{conversation['id']}/read"),
        lambda: choi.delete(f"/api/v1/conversations/{conversation['id']}"),
    ):
        response = request()
        assert response.status_code == 404
        assert response.json() == {"error": "Record not found"}
    assert lee.post("/api/v1/conversations/not-a-number/read").status_code == 404
    assert lee.post(f"/api/v1/conversations/{10**30}/read").status_code == 404
    assert _conversations(lee)[0]["unread"] is True  # nothing choi did changed lee's marks


def test_the_compliance_role_sees_only_its_own_conversations(api_as, people: People) -> None:
    kim = api_as(people.kim)
    officer = people.boss
    officer.role = Role.COMPLIANCE
    officer.save(update_fields=["role"])
    auditor = api_as(officer)
    private = _direct(kim, "@lee 둘만 아는 이야기")
    assert auditor.get(f"/api/v1/statuses/{private}").status_code == 200  # may read it by id
    assert _conversations(auditor) == []  # but takes no part in it
    to_officer = _direct(kim, "@boss 신고드립니다")
    assert [c["last_status"]["id"] for c in _conversations(auditor)] == [to_officer]


def test_conversations_page_by_last_status_with_link_headers(api_as, people: People) -> None:
    kim, lee = api_as(people.kim), api_as(people.lee)
    first = _direct(kim, "@lee 첫 번째")
    second = _direct(kim, "@lee 두 번째")
    third = _direct(kim, "@lee 세 번째")
    later = _direct(lee, "@kim 첫 번째에 답장", reply_to=first)  # brings the first thread to the top

    page = lee.get("/api/v1/conversations", {"limit": 2})
    assert [c["last_status"]["id"] for c in page.json()] == [later, third]
    assert f"max_id={third}" in page["Link"] and f"min_id={later}" in page["Link"]
    rest = _conversations(lee, limit=2, max_id=third)
    assert [c["last_status"]["id"] for c in rest] == [second]
    newer = _conversations(lee, min_id=second)
    assert [c["last_status"]["id"] for c in newer] == [later, third]


def test_conversation_query_count_does_not_grow_with_the_page(api_as, people: People) -> None:
    kim, lee, choi = api_as(people.kim), api_as(people.lee), api_as(people.choi)
    _direct(kim, "@lee @boss 하나")  # someone besides the last status's author, as below
    with Queries() as few:
        assert len(_conversations(lee)) == 1
    for i in range(12):
        opener = _direct(kim if i % 2 else choi, f"@lee @boss 스레드 {i}")
        _direct(lee, f"@kim @choi 답장 {i}", reply_to=opener)
    with Queries() as many:
        assert len(_conversations(lee, limit=40)) == 13
    assert many.count <= few.count, "a bigger page made more queries (N+1)"
    # The token; the threads with the viewer's marks and people; the last statuses with their authors;
    # their counts, flags, mentions and tags; the people who wrote none of them.
    assert many.count <= 5, many.sqls


def test_reading_needs_the_conversations_write_scope(api_as: Callable[..., Api], people: People) -> None:
    _direct(api_as(people.kim), "@lee 확인 부탁")
    reader = api_as(people.lee, "read")
    [conversation] = _conversations(reader)
    response = reader.post(f"/api/v1/conversations/{conversation['id']}/read")
    assert response.status_code == 403
    assert "scope" in response.json()["error"]
    writer = api_as(people.lee, "read write:conversations")
    assert writer.post(f"/api/v1/conversations/{conversation['id']}/read").json()["unread"] is False
