"""Creating posts through posts.services.post_create: validation (nothing saved), audiences, replies,
mentions, hashtags and idempotency."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

import pytest
from django.utils import timezone

from directory.models import CompanySettings
from policy import ActionRefused, Viewer, can_view_post
from posts.errors import PostInvalid
from posts.models import Audience, Hashtag, IdempotencyKey, Mention, Post, PostHashtag
from posts.services import PollSpec, post_create
from tests.posts.conftest import Org


def _nothing_saved() -> None:
    assert Post.objects.count() == 0
    assert Mention.objects.count() == 0
    assert PostHashtag.objects.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": ""}, "can't be blank"),
        ({"text": "   \n "}, "can't be blank"),
        ({"text": "가" * 501}, "character limit of 500"),
        ({"text": "가" * 490, "spoiler_text": "스포일러 주의하세요!!"}, "character limit of 500"),
        ({"text": "hi", "in_reply_to_id": 123456789}, "not found"),
        ({"text": "hi", "in_reply_to_id": "abc"}, "not found"),
        ({"text": "hi", "poll": PollSpec(options=["only one"], expires_in=3600)}, "at least 2 options"),
        ({"text": "hi", "poll": PollSpec(options=list("abcde"), expires_in=3600)}, "at most 4 options"),
        (
            {"text": "hi", "poll": PollSpec(options=["a", "b"], expires_in=60)},
            "between 5 minutes and 30 days",
        ),
        ({"text": "hi", "media_ids": [1, 2, 3, 4, 5]}, "at most 4 images"),
        ({"text": "hi", "media_ids": [1]}, "Media not found"),
        ({"text": "hi", "audience": "everyone"}, "Unknown audience"),
        ({"text": "hi", "audience": "unit", "unit_id": 999999}, "Unit not found"),
        ({"text": "hi", "audience": "company", "unit_id": 1}, "only be given for a unit post"),
        ({"text": "hi", "min_rank": 42}, "rank levels"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_saves_nothing(org: Org, kwargs: dict, message: str) -> None:
    with pytest.raises(PostInvalid, match=message):
        post_create(author=org.kim, **kwargs)
    _nothing_saved()


def test_500_hangul_syllables_fit_and_501_do_not(org: Org) -> None:
    post = post_create(author=org.kim, text="가" * 500)
    assert post.text == "가" * 500
    with pytest.raises(PostInvalid):
        post_create(author=org.kim, text="가" * 501)


def test_decomposed_hangul_is_stored_composed_and_counted_per_syllable(org: Org) -> None:
    post = post_create(author=org.kim, text=unicodedata.normalize("NFD", "가" * 500))
    assert post.text == "가" * 500


def test_links_count_as_23_characters(org: Org) -> None:
    text = "가" * 470 + " https://example.com/" + "x" * 300
    post = post_create(author=org.kim, text=text)
    assert "https://example.com/" in post.content_html


def test_the_tenant_setting_sets_the_limit(org: Org) -> None:
    CompanySettings.objects.update(post_max_chars=10)
    with pytest.raises(PostInvalid, match="character limit of 10"):
        post_create(author=org.kim, text="열한 글자를 넘는 글입니다")
    post_create(author=org.kim, text="열 글자 이내")


def test_inactive_employee_cannot_post(org: Org) -> None:
    org.kim.is_active = False
    org.kim.save()
    with pytest.raises(ActionRefused):
        post_create(author=org.kim, text="hi")
    _nothing_saved()


def test_unit_post_to_own_unit_or_above_only_unless_admin(org: Org) -> None:
    assert post_create(author=org.kim, text="팀", audience="unit").unit == org.team1
    assert post_create(author=org.kim, text="본부", audience="unit", unit_id=org.sales.pk).unit == org.sales
    with pytest.raises(PostInvalid, match="own unit or a unit above"):
        post_create(author=org.kim, text="옆 팀", audience="unit", unit_id=org.team2.pk)
    with pytest.raises(PostInvalid, match="own unit or a unit above"):
        post_create(author=org.kim, text="연구소", audience="unit", unit_id=org.lab.pk)
    assert post_create(author=org.admin, text="공지", audience="unit", unit_id=org.lab.pk).unit == org.lab
    assert Post.objects.count() == 3


def test_default_audience_is_company_and_unlisted_only_for_company(org: Org) -> None:
    post = post_create(author=org.kim, text="hi")
    assert post.audience == Audience.COMPANY and not post.unlisted
    assert post_create(author=org.kim, text="조용히", unlisted=True).unlisted
    assert not post_create(author=org.kim, text="팔로워", audience="followers", unlisted=True).unlisted


def test_min_rank_is_stored_and_applies(org: Org) -> None:
    post = post_create(author=org.lee, text="과장 이상", min_rank=3)
    assert post.min_rank == 3
    assert can_view_post(Viewer.of(org.choi), post)
    assert not can_view_post(Viewer.of(org.kim), post)


def test_mentions_resolve_case_insensitively_to_active_employees_only(org: Org) -> None:
    org.park.is_active = False
    org.park.save()
    post = post_create(
        author=org.kim, text="@LEE.YH 님, @choi@acme.localhost, @park, @ghost, @boss@elsewhere.com"
    )
    assert set(post.mentions.values_list("employee__username", flat=True)) == {"lee.yh", "choi"}
    assert 'class="u-url mention"' in post.content_html
    assert "@ghost" in post.content_html and "/@ghost" not in post.content_html
    assert "/@park" not in post.content_html and "/@boss" not in post.content_html


def test_direct_post_is_seen_by_mentioned_people_only(org: Org) -> None:
    post = post_create(author=org.kim, text="@choi 비밀입니다", audience="direct")
    assert can_view_post(Viewer.of(org.choi), post)
    assert not can_view_post(Viewer.of(org.lee), post)


def test_hashtags_are_stored_normalised_in_korean_and_english(org: Org) -> None:
    post_create(author=org.kim, text="#점심 #Release #release_2")
    post_create(author=org.lee, text=unicodedata.normalize("NFD", "#점심 메뉴") + " #release")
    assert sorted(Hashtag.objects.values_list("name", flat=True)) == ["release", "release_2", "점심"]
    lunch = Hashtag.objects.get(name="점심")
    assert lunch.post_tags.count() == 2
    assert Hashtag.objects.get(name="release").display_name == "Release"


def test_reply_keeps_the_thread(org: Org) -> None:
    root = post_create(author=org.kim, text="root")
    reply = post_create(author=org.lee, text="reply", in_reply_to_id=root.pk)
    deeper = post_create(author=org.kim, text="deeper", in_reply_to_id=str(reply.pk))
    assert root.thread_id == root.pk
    assert (reply.in_reply_to, reply.thread_id, reply.in_reply_to_account) == (root, root.pk, org.kim)
    assert (deeper.in_reply_to, deeper.thread_id, deeper.in_reply_to_account) == (reply, root.pk, org.lee)


def test_reply_to_a_post_the_author_cannot_see_is_refused_like_a_missing_one(org: Org) -> None:
    hidden = post_create(author=org.choi, text="연구소 전용", audience="unit")
    with pytest.raises(PostInvalid, match="not found"):
        post_create(author=org.kim, text="reply", in_reply_to_id=hidden.pk)
    assert Post.objects.count() == 1


def test_same_idempotency_key_returns_the_same_post_within_an_hour(org: Org) -> None:
    first = post_create(author=org.kim, text="once", idempotency_key="abc-123")
    again = post_create(author=org.kim, text="once", idempotency_key="abc-123")
    assert again.pk == first.pk
    assert Post.objects.count() == 1
    # Keys are per author.
    other = post_create(author=org.lee, text="once", idempotency_key="abc-123")
    assert other.pk != first.pk


def test_idempotency_key_older_than_an_hour_creates_a_new_post(org: Org) -> None:
    first = post_create(author=org.kim, text="once", idempotency_key="k")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=1, minutes=1))
    second = post_create(author=org.kim, text="again", idempotency_key="k")
    assert second.pk != first.pk
    assert IdempotencyKey.objects.get().post == second


def test_a_refused_post_does_not_use_up_the_idempotency_key(org: Org) -> None:
    with pytest.raises(PostInvalid):
        post_create(author=org.kim, text="", idempotency_key="k")
    assert post_create(author=org.kim, text="now ok", idempotency_key="k").text == "now ok"


def test_content_warning_marks_the_post_sensitive(org: Org) -> None:
    post = post_create(author=org.kim, text="spoiler", spoiler_text="결말 주의")
    assert post.sensitive and post.spoiler_text == "결말 주의"


def test_the_length_limit_is_the_company_setting_and_a_change_applies(org: Org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from common import expiring
    from directory import services as directory
    from directory.administration import tenant_settings_update

    post_create(author=org.kim, text="가" * 500)
    # An admin's change applies to the next post in the process that saved it.
    tenant_settings_update(actor=org.admin, changes={"post_max_chars": "100"})
    with pytest.raises(PostInvalid, match="character limit of 100"):
        post_create(author=org.kim, text="가" * 101)
    assert post_create(author=org.kim, text="가" * 100).text == "가" * 100

    # Saved by another process (no signal here): this one follows within SETTINGS_CACHE_SECONDS.
    CompanySettings.objects.filter(id=1).update(post_max_chars=1000)
    with pytest.raises(PostInvalid, match="character limit of 100"):
        post_create(author=org.kim, text="가" * 101)
    later = expiring.time.monotonic() + directory.SETTINGS_CACHE_SECONDS + 0.1
    monkeypatch.setattr(expiring.time, "monotonic", lambda: later)
    assert len(post_create(author=org.kim, text="가" * 1000).text) == 1000
