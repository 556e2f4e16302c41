"""Editing keeps every version; deleting is for the author or an admin and takes reposts along."""

from __future__ import annotations

import pytest

from policy import ActionRefused, Viewer
from posts.errors import PostInvalid
from posts.models import Hashtag, Mention, Poll, Post, PostEdit
from posts.selectors import edit_history
from posts.services import PollSpec, post_create, post_delete, post_edit, post_reblog
from tests.posts.conftest import Org
from tests.posts.test_media import image_bytes, upload


def test_edits_keep_every_version_including_the_original(org: Org) -> None:
    post = post_create(author=org.kim, text="첫 버전 #점심")
    assert post.edited_at is None
    assert [v.text for v in edit_history(Viewer.of(org.lee), post.pk)] == ["첫 버전 #점심"]

    post_edit(post=post, editor=org.kim, text="둘째 버전 @lee.yh #저녁", spoiler_text="수정됨")
    post_edit(post=post, editor=org.kim, text="셋째 버전")
    post.refresh_from_db()
    assert post.text == "셋째 버전" and post.edited_at is not None and post.spoiler_text == ""
    history = edit_history(Viewer.of(org.lee), post.pk)
    assert [v.text for v in history] == ["첫 버전 #점심", "둘째 버전 @lee.yh #저녁", "셋째 버전"]
    assert history[1].spoiler_text == "수정됨" and history[1].sensitive
    assert "셋째 버전" in post.content_html
    # Mentions and tags follow the latest text.
    assert not Mention.objects.filter(post=post).exists()
    assert not post.post_tags.exists()
    assert set(Hashtag.objects.values_list("name", flat=True)) == {"점심", "저녁"}


def test_only_the_author_may_edit(org: Org) -> None:
    post = post_create(author=org.kim, text="mine")
    for other in (org.lee, org.admin):
        with pytest.raises(ActionRefused):
            post_edit(post=post, editor=other, text="theirs")
    assert not PostEdit.objects.exists()
    assert Post.objects.get(pk=post.pk).text == "mine"


def test_a_bad_edit_changes_nothing(org: Org) -> None:
    post = post_create(author=org.kim, text="original")
    with pytest.raises(PostInvalid):
        post_edit(post=post, editor=org.kim, text="가" * 501)
    assert not PostEdit.objects.exists()
    assert Post.objects.get(pk=post.pk).text == "original"


def test_edit_records_media_and_poll_changes(org: Org) -> None:
    from posts.services import media_create

    first = media_create(owner=org.kim, upload=upload(image_bytes()), description="첫 사진")
    second = media_create(owner=org.kim, upload=upload(image_bytes()), description="둘째 사진")
    post = post_create(author=org.kim, text="사진", media_ids=[first.pk])
    post_edit(post=post, editor=org.kim, text="사진 교체", media_ids=[second.pk])
    history = edit_history(Viewer.of(org.kim), post.pk)
    assert [[m["description"] for m in v.media] for v in history] == [["첫 사진"], ["둘째 사진"]]
    first.refresh_from_db()
    assert first.post_id is None  # detached, free to use again

    poll_post = post_create(author=org.kim, text="투표", poll=PollSpec(options=["a", "b"], expires_in=600))
    post_edit(
        post=poll_post, editor=org.kim, text="투표 수정", poll=PollSpec(options=["a", "c"], expires_in=600)
    )
    assert list(Poll.objects.get(post=poll_post).options.values_list("title", flat=True)) == ["a", "c"]
    assert [v.poll for v in edit_history(Viewer.of(org.kim), poll_post.pk)] == [
        {"options": ["a", "b"]},
        {"options": ["a", "c"]},
    ]


def test_author_or_admin_may_delete_and_reposts_go_too(org: Org) -> None:
    post = post_create(author=org.kim, text="지울 글")
    reblog = post_reblog(post=post, actor=org.lee)
    with pytest.raises(ActionRefused):
        post_delete(post=post, actor=org.lee)
    post_delete(post=post, actor=org.admin)
    assert post.pk is not None  # still describable for "delete & redraft"
    assert not Post.objects.filter(pk__in=[post.pk, reblog.pk]).exists()


def test_replies_survive_their_parent_and_stay_in_the_thread(org: Org) -> None:
    root = post_create(author=org.kim, text="root")
    reply = post_create(author=org.lee, text="reply", in_reply_to_id=root.pk)
    post_delete(post=root, actor=org.kim)
    reply.refresh_from_db()
    assert reply.in_reply_to_id is None
    assert reply.in_reply_to_account == org.kim and reply.thread_id == root.pk
