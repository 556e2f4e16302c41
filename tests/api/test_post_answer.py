"""A new post is rendered from what its writer knows (``posts.selectors.attach_new_post_details``), not
read back: the POST's answer must be the Status a later GET gives, and the stream's event the one the
stored post gives, whatever the post carries — mentions, hashtags already in use under another
spelling, a reply, images, a poll."""

from __future__ import annotations

import orjson
import pytest

from api.entities import Entities
from api.mastodon.streaming import _TenantOrigin, render_status
from policy import Viewer
from posts.services import post_create, post_reblog
from streaming.publish import _load_post, _post_facts
from tests.api.conftest import People, Queries
from tests.api.test_endpoints import png


@pytest.mark.parametrize("carries", ["text", "images", "poll"])
def test_the_answer_to_a_post_is_what_reading_it_back_gives(acme, api_as, people: People, carries) -> None:  # type: ignore[no-untyped-def]
    kim, lee = api_as(people.kim), api_as(people.lee)
    # #Release_2 exists with this spelling; the new post's #release_2 shows it as stored.
    first = lee.post("/api/v1/statuses", {"status": "#Release_2 배포 시작"}).json()
    data: dict[str, object] = {
        "status": "@lee @choi 회의 끝 #회의록 #release_2 #점심",
        "in_reply_to_id": first["id"],
        "spoiler_text": "회의",
        "language": "ko",
    }
    if carries == "images":
        data["media_ids[]"] = [kim.post("/api/v2/media", {"file": png()}).json()["id"] for _ in range(2)]
    if carries == "poll":
        data |= {"poll[options][]": ["김밥", "라면"], "poll[expires_in]": "3600"}
    answer = kim.post("/api/v1/statuses", data)
    assert answer.status_code == 200, answer.content
    answer = answer.json()
    assert [m["username"] for m in answer["mentions"]] == ["lee", "choi"]
    # In the order the text names them, each as first spelled.
    assert [t["name"] for t in answer["tags"]] == ["회의록", "Release_2", "점심"]
    assert answer == kim.get(f"/api/v1/statuses/{answer['id']}").json()


def test_the_stream_event_of_a_new_post_is_that_of_the_stored_post(acme, people: People) -> None:
    post_create(author=people.lee, text="#Release_2 배포")
    post = post_create(author=people.kim, text="@lee @choi #회의록 #release_2 끝", audience="unit")
    stored = _load_post(post.pk)
    assert render_status(post) == render_status(stored)
    with Queries() as queries:
        facts = _post_facts(post)
    assert not [sql for sql in queries.sqls if "posts_mention" in sql], "the writer knows its mentions"
    assert facts == _post_facts(stored)
    assert facts["aud"] == _post_facts(_load_post(post.pk))["aud"]
    assert _post_facts(post)["tags"] == ["회의록", "release_2"]


def test_an_edit_lists_the_tags_in_its_own_text_order(acme, api_as, people: People) -> None:  # type: ignore[no-untyped-def]
    kim = api_as(people.kim)
    posted = kim.post("/api/v1/statuses", {"status": "#zebra #가나다 #apple"}).json()
    assert [t["name"] for t in posted["tags"]] == ["zebra", "가나다", "apple"]
    edited = kim.put(f"/api/v1/statuses/{posted['id']}", {"status": "#apple #새것 #zebra"}).json()
    assert [t["name"] for t in edited["tags"]] == ["apple", "새것", "zebra"]
    assert kim.get(f"/api/v1/statuses/{posted['id']}").json()["tags"] == edited["tags"]


@pytest.mark.parametrize("kind", ["post", "repost"])
def test_a_new_post_rendered_twice_reads_its_authors_once(acme, people: People, kind) -> None:  # type: ignore[no-untyped-def]
    # A POST renders its post for the stream event, then for the writer's answer: the second render
    # must not read the authors again, and must show the same accounts.
    post = post_create(author=people.lee, text="@kim #점심 같이 가요")
    if kind == "repost":
        post = post_reblog(post=post, actor=people.kim)
    with Queries() as first:
        stream = orjson.loads(render_status(post))
    with Queries() as second:
        answer = Entities(_TenantOrigin(), Viewer.of(post.author)).status(post)  # type: ignore[arg-type]
    accounts_read = [sql for sql in first.sqls if 'FROM "directory_employee"' in sql]
    assert len(accounts_read) == 1
    assert not [sql for sql in second.sqls if 'FROM "directory_employee"' in sql]
    assert answer["account"] == stream["account"]
    assert (answer["reblog"] or {}).get("account") == (stream["reblog"] or {}).get("account")
    assert answer["account"]["bt"]["rank"]["name"]
