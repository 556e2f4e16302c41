"""Company (public), unit, hashtag, list and profile timelines, and markers: PostgreSQL queries through
policy, so the leak cases (unit, followers, direct, min_rank posts) never show to outsiders."""

from __future__ import annotations

import pytest
from django.http import Http404

from common.paging import Page
from directory.services import unit_create
from policy import Viewer
from posts.models import Audience
from posts.services import post_create
from social.models import Follow
from social.services import block_create, list_accounts_add, list_create, mute_create
from tests.factories import employee, post, root_unit
from timelines import selectors
from timelines.services import MarkerInvalid, marker_set


def ids(posts):  # type: ignore[no-untyped-def]
    return [p.pk for p in posts]


@pytest.fixture
def org(acme):  # type: ignore[no-untyped-def]
    root = root_unit()
    sales = unit_create(name="영업본부", parent=root)
    team = unit_create(name="영업1팀", parent=sales)
    lab = unit_create(name="연구소", parent=root)
    return {
        "root": root,
        "sales": sales,
        "team": team,
        "lab": lab,
        "seller": employee("seller", unit=team),
        "boss": employee("boss", unit=sales, rank=6),
        "scientist": employee("scientist", unit=lab),
    }


@pytest.fixture
def leaks(org):  # type: ignore[no-untyped-def]
    """One post of each restricted kind by the seller, plus an open one."""
    s = org["seller"]
    return {
        "open": post(s, "모두 #공지"),
        "unit": post(s, "팀 전용 #공지", audience=Audience.UNIT, unit=org["sales"]),
        "followers": post(s, "팔로워 #공지", audience=Audience.FOLLOWERS),
        "direct": post(s, "@boss 개인 #공지", audience=Audience.DIRECT, mentions=[org["boss"]]),
        "ranked": post(s, "임원 #공지", min_rank=5),
    }


def test_company_timeline_has_open_posts_only_and_no_replies_or_reposts(org, leaks) -> None:  # type: ignore[no-untyped-def]
    s, sci = org["seller"], org["scientist"]
    reply = post(sci, "reply", in_reply_to=leaks["open"])
    thread = post(s, "self reply", in_reply_to=leaks["open"])
    post(sci, "", reblog_of=leaks["open"])
    unlisted = post(s, "조용히", unlisted=True)
    got = ids(selectors.public_timeline(Viewer.of(sci), Page()))
    assert got == [thread.pk, leaks["open"].pk]
    assert reply.pk not in got and unlisted.pk not in got


def test_profile_shows_each_reader_only_what_they_may_see(org, leaks) -> None:  # type: ignore[no-untyped-def]
    s, boss, sci = org["seller"], org["boss"], org["scientist"]
    assert set(ids(selectors.account_timeline(Viewer.of(sci), s.pk, Page()))) == {leaks["open"].pk}
    assert set(ids(selectors.account_timeline(Viewer.of(boss), s.pk, Page()))) == {
        leaks["open"].pk,
        leaks["unit"].pk,
        leaks["direct"].pk,
        leaks["ranked"].pk,
    }
    Follow.objects.create(follower=sci, followee=s)
    assert leaks["followers"].pk in ids(selectors.account_timeline(Viewer.of(sci), s.pk, Page()))
    assert len(selectors.account_timeline(Viewer.of(s), s.pk, Page())) == 5
    with pytest.raises(Http404):
        selectors.account_timeline(Viewer.of(sci), 999, Page())


def test_profile_filters(org) -> None:  # type: ignore[no-untyped-def]
    s, sci = org["seller"], org["scientist"]
    root = post(s, "root")
    self_reply = post(s, "more", in_reply_to=root)
    other_reply = post(s, "to sci", in_reply_to=post(sci, "q"))
    boost = post(s, "", reblog_of=post(sci, "good"))
    viewer = Viewer.of(sci)
    assert ids(selectors.account_timeline(viewer, s.pk, Page(), exclude_replies=True)) == [
        boost.pk,
        self_reply.pk,
        root.pk,
    ]
    assert other_reply.pk in ids(selectors.account_timeline(viewer, s.pk, Page()))
    assert boost.pk not in ids(selectors.account_timeline(viewer, s.pk, Page(), exclude_reblogs=True))
    assert selectors.account_timeline(viewer, s.pk, Page(), pinned=True) == []
    block_create(blocker=s, target=sci)
    assert selectors.account_timeline(viewer, s.pk, Page()) == []


def test_hashtag_timeline_by_normalised_tag_and_only_visible_posts(org) -> None:  # type: ignore[no-untyped-def]
    s, boss, sci = org["seller"], org["boss"], org["scientist"]
    open_post = post_create(author=s, text="점심 메뉴 #점심 #Release")
    unit_post = post_create(author=s, text="팀 #점심", audience="unit", unit_id=org["sales"].pk)
    other = post_create(author=boss, text="#release_2 배포")
    assert ids(selectors.tag_timeline(Viewer.of(boss), "점심", Page())) == [unit_post.pk, open_post.pk]
    assert ids(selectors.tag_timeline(Viewer.of(sci), "#점심", Page())) == [open_post.pk]
    assert ids(selectors.tag_timeline(Viewer.of(sci), "RELEASE", Page())) == [open_post.pk]
    assert ids(selectors.tag_timeline(Viewer.of(sci), "release", Page(), any_tags=["release_2"])) == [
        other.pk,
        open_post.pk,
    ]
    assert ids(selectors.tag_timeline(Viewer.of(boss), "점심", Page(), all_tags=["release"])) == [
        open_post.pk
    ]
    assert ids(selectors.tag_timeline(Viewer.of(boss), "점심", Page(), none_tags=["release"])) == [
        unit_post.pk
    ]


def test_unit_timeline_is_the_subtree_conversation(org, leaks) -> None:  # type: ignore[no-untyped-def]
    s, boss, sci = org["seller"], org["boss"], org["scientist"]
    lab_post = post(sci, "연구소 소식")
    boss_post = post(boss, "본부장 공지")
    sales = org["sales"].pk
    assert ids(selectors.unit_timeline(Viewer.of(boss), sales, Page())) == [
        boss_post.pk,
        leaks["ranked"].pk,
        leaks["unit"].pk,
        leaks["open"].pk,
    ]
    assert ids(selectors.unit_timeline(Viewer.of(sci), sales, Page())) == [boss_post.pk, leaks["open"].pk]
    assert ids(selectors.unit_timeline(Viewer.of(s), org["lab"].pk, Page())) == [lab_post.pk]
    with pytest.raises(Http404):
        selectors.unit_timeline(Viewer.of(s), 0, Page())


def test_list_timeline_follows_members_and_replies_policy(org) -> None:  # type: ignore[no-untyped-def]
    s, boss, sci = org["seller"], org["boss"], org["scientist"]
    me = employee("me", unit=org["team"])
    lst = list_create(owner=me, title="본부", replies_policy="list")
    list_accounts_add(lst=lst, owner=me, account_ids=[s.pk, boss.pk])
    a = post(s, "a")
    to_member = post(boss, "reply to seller", in_reply_to=a)
    to_outsider = post(boss, "reply to sci", in_reply_to=post(sci, "q"))
    hidden = post(s, "lab only", audience=Audience.UNIT, unit=org["lab"])
    got = ids(selectors.list_timeline(Viewer.of(me), lst.pk, Page()))
    assert got == [to_member.pk, a.pk]
    assert hidden.pk not in got and to_outsider.pk not in got
    mute_create(muter=me, target=boss)
    assert ids(selectors.list_timeline(Viewer.of(me), lst.pk, Page())) == [a.pk]
    with pytest.raises(Http404):
        selectors.list_timeline(Viewer.of(s), lst.pk, Page())


def test_sql_timelines_keep_a_constant_query_count(org, assert_max_queries) -> None:  # type: ignore[no-untyped-def]
    s = org["seller"]
    for i in range(30):
        post(s, f"#공지 {i}")
    viewer = Viewer.of(type(s).objects.select_related("unit").get(pk=org["scientist"].pk))
    for limit in (5, 30):
        with assert_max_queries(1):
            assert len(selectors.public_timeline(viewer, Page(limit=limit))) == limit
        # The account, a block check, the page.
        with assert_max_queries(3):
            assert len(selectors.account_timeline(viewer, s.pk, Page(limit=limit))) == limit
        with assert_max_queries(2):
            assert len(selectors.unit_timeline(viewer, org["team"].pk, Page(limit=limit))) == limit


def test_markers_count_their_versions(org) -> None:  # type: ignore[no-untyped-def]
    s = org["seller"]
    marker_set(employee=s, timeline="home", last_read_id=10)
    marker = marker_set(employee=s, timeline="home", last_read_id="12")
    assert (marker.last_read_id, marker.version) == (12, 2)
    with pytest.raises(MarkerInvalid):
        marker_set(employee=s, timeline="public", last_read_id=1)
    got = selectors.markers(Viewer.of(s), ["home", "notifications"])
    assert list(got) == ["home"] and got["home"].last_read_id == 12
