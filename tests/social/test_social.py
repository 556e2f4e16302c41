"""The social graph: follows, mutes, blocks, lists, relationships, and following one's unit on joining."""

from __future__ import annotations

import pytest
from django.http import Http404

from common.paging import Page
from directory.models import CompanySettings
from directory.services import unit_create
from policy import ActionRefused, Viewer
from social import selectors
from social.errors import SocialInvalid
from social.models import Follow, Mute
from social.services import (
    block_create,
    block_delete,
    follow_create,
    follow_delete,
    follow_own_unit,
    list_accounts_add,
    list_accounts_remove,
    list_create,
    list_delete,
    list_update,
    mute_create,
    mute_delete,
    mutes_expire,
)
from tests.factories import employee, root_unit


@pytest.fixture
def people(acme):  # type: ignore[no-untyped-def]
    return employee("alice"), employee("bob"), employee("carol")


def rel(viewer, other):  # type: ignore[no-untyped-def]
    (found,) = selectors.relationships(Viewer.of(viewer), [other.pk])
    return found


def test_follow_is_idempotent_and_refuses_self(people) -> None:  # type: ignore[no-untyped-def]
    alice, bob, _ = people
    first = follow_create(follower=alice, target=bob)
    assert follow_create(follower=alice, target=bob).pk == first.pk
    with pytest.raises(ActionRefused):
        follow_create(follower=alice, target=alice)
    assert rel(alice, bob)["following"] and rel(bob, alice)["followed_by"]
    follow_delete(follower=alice, target=bob)
    follow_delete(follower=alice, target=bob)
    assert not rel(alice, bob)["following"]


def test_block_removes_follows_both_ways_and_prevents_new_ones(people) -> None:  # type: ignore[no-untyped-def]
    alice, bob, _ = people
    follow_create(follower=alice, target=bob)
    follow_create(follower=bob, target=alice)
    block_create(blocker=alice, target=bob)
    assert not Follow.objects.filter(follower__in=[alice, bob]).exists()
    assert rel(alice, bob)["blocking"] and rel(bob, alice)["blocked_by"]
    with pytest.raises(ActionRefused):
        follow_create(follower=bob, target=alice)
    block_delete(blocker=alice, target=bob)
    follow_create(follower=bob, target=alice)


def test_mute_with_expiry_and_notification_flag(people) -> None:  # type: ignore[no-untyped-def]
    alice, bob, carol = people
    mute_create(muter=alice, target=bob, notifications=False)
    mute_create(muter=alice, target=carol, duration=60)
    assert rel(alice, bob)["muting"] and not rel(alice, bob)["muting_notifications"]
    assert rel(alice, carol)["muting_notifications"]
    Mute.objects.filter(target=carol).update(expires_at="2000-01-01T00:00:00Z")
    assert not rel(alice, carol)["muting"], "an expired mute no longer counts"
    assert mutes_expire() == 1
    assert [e.pk for e in selectors.mutes(Viewer.of(alice), Page())] == [bob.pk]
    mute_delete(muter=alice, target=bob)
    assert selectors.mutes(Viewer.of(alice), Page()) == []


def test_followers_and_following_page_by_follow_id(people, assert_max_queries) -> None:  # type: ignore[no-untyped-def]
    alice, bob, carol = people
    others = [employee(f"fan{i}") for i in range(5)]
    for who in [bob, carol, *others]:
        follow_create(follower=who, target=alice)
    viewer = Viewer.of(bob)
    with assert_max_queries(2):
        first = selectors.followers(viewer, alice.pk, Page(limit=4))
    assert [e.pk for e in first] == [o.pk for o in others[::-1][:4]]
    rest = selectors.followers(viewer, alice.pk, Page(limit=4, max_id=first[-1].cursor_id))
    assert [e.pk for e in rest] == [others[0].pk, carol.pk, bob.pk]
    assert [e.pk for e in selectors.following(viewer, bob.pk, Page())] == [alice.pk]
    with pytest.raises(Http404):
        selectors.followers(viewer, 12345, Page())


def test_lists_are_private_and_validated(people) -> None:  # type: ignore[no-untyped-def]
    alice, bob, carol = people
    lst = list_create(owner=alice, title="영업팀", replies_policy="followed")
    with pytest.raises(SocialInvalid):
        list_create(owner=alice, title="  ")
    with pytest.raises(SocialInvalid):
        list_update(lst=lst, owner=alice, replies_policy="everyone")
    with pytest.raises(Http404):
        selectors.list_get(Viewer.of(bob), lst.pk)
    with pytest.raises(Http404):
        list_update(lst=lst, owner=bob, title="mine")
    list_accounts_add(lst=lst, owner=alice, account_ids=[bob.pk, str(carol.pk)])
    list_accounts_add(lst=lst, owner=alice, account_ids=[bob.pk])
    assert {e.pk for e in selectors.list_accounts(Viewer.of(alice), lst.pk, Page())} == {bob.pk, carol.pk}
    list_accounts_remove(lst=lst, owner=alice, account_ids=[bob.pk])
    assert [e.pk for e in selectors.list_accounts(Viewer.of(alice), lst.pk, Page())] == [carol.pk]
    assert [x.title for x in selectors.lists(Viewer.of(alice))] == ["영업팀"]
    assert [x.pk for x in selectors.lists_containing(Viewer.of(alice), carol.pk)] == [lst.pk]
    list_delete(lst=lst, owner=alice)
    assert selectors.lists(Viewer.of(alice)) == []


def test_new_employee_follows_their_unit_unless_the_tenant_turned_it_off(acme) -> None:  # type: ignore[no-untyped-def]
    team = unit_create(name="개발팀", parent=root_unit())
    a, b = employee("a", unit=team), employee("b", unit=team)
    elsewhere = employee("c")
    newcomer = employee("new", unit=team)
    assert follow_own_unit(employee=newcomer) == 2
    assert set(Follow.objects.filter(follower=newcomer).values_list("followee_id", flat=True)) == {a.pk, b.pk}
    assert not Follow.objects.filter(follower=newcomer, followee=elsewhere).exists()
    CompanySettings.objects.update(follow_own_unit_on_join=False)
    assert follow_own_unit(employee=employee("later", unit=team)) == 0


def test_silencers_of_is_silenced_q_turned_around(acme) -> None:  # type: ignore[no-untyped-def]
    """The stream server asks who silenced a post's authors once per event; the answer must be exactly
    the viewers ``silenced_q`` keeps each author from."""
    from directory.models import Employee
    from social.filters import silenced_q, silencers_of

    author, other = employee("author"), employee("other")
    muter, expired, blocker, blocked, notif_only, bystander = (
        employee(name) for name in ("muter", "expired", "blocker", "blocked", "notifonly", "bystander")
    )
    mute_create(muter=muter, target=author)
    mute_create(muter=expired, target=author, duration=60)
    Mute.objects.filter(muter=expired).update(expires_at="2000-01-01T00:00:00Z")
    block_create(blocker=blocker, target=author)
    block_create(blocker=author, target=blocked)
    mute_create(muter=notif_only, target=other)  # silences someone else, not the author

    assert silencers_of({author.pk}) == {muter.pk, blocker.pk, blocked.pk}
    assert silencers_of({author.pk, other.pk}) == {muter.pk, blocker.pk, blocked.pk, notif_only.pk}
    assert silencers_of(set()) == set()
    for viewer in (muter, expired, blocker, blocked, notif_only, bystander):
        by_q = Employee.objects.filter(pk=author.pk).filter(silenced_q(viewer.pk, "pk")).exists()
        assert by_q == (viewer.pk in silencers_of({author.pk})), viewer.username
