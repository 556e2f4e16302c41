"""Polls: 2-4 options, 5 minutes to 30 days, one vote per voter, none after the end, announced once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from policy import Viewer
from posts.errors import PostInvalid
from posts.models import Poll, PollVote
from posts.selectors import poll_for
from posts.services import PollSpec, poll_expire, poll_vote, post_create
from tests.posts.conftest import Org


def _poll(org: Org, **spec: object) -> Poll:
    values: dict = {"options": ["짜장면", "짬뽕", "볶음밥"], "expires_in": 3600, **spec}
    return post_create(author=org.kim, text="점심 뭐 먹지? #점심", poll=PollSpec(**values)).poll


def test_poll_is_created_with_its_options_and_end(org: Org) -> None:
    poll = _poll(org, hide_totals=True)
    assert list(poll.options.values_list("title", flat=True)) == ["짜장면", "짬뽕", "볶음밥"]
    assert poll.hide_totals and not poll.multiple
    assert timedelta(minutes=59) < poll.expires_at - timezone.now() <= timedelta(hours=1)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"options": ["하나"]}, "at least 2"),
        ({"options": ["a", "b", "c", "d", "e"]}, "at most 4"),
        ({"options": ["a", "a"]}, "different"),
        ({"options": ["a", " "]}, "empty"),
        ({"options": ["a", "b" * 51]}, "at most 50"),
        ({"expires_in": 299}, "between 5 minutes and 30 days"),
        ({"expires_in": 30 * 24 * 3600 + 1}, "between 5 minutes and 30 days"),
    ],
)
def test_bad_polls_are_refused_and_nothing_is_saved(org: Org, spec: dict, message: str) -> None:
    with pytest.raises(PostInvalid, match=message):
        _poll(org, **spec)
    assert not Poll.objects.exists()


def test_votes_count_once_per_voter(org: Org) -> None:
    poll = _poll(org)
    poll = poll_vote(poll=poll, voter=org.lee, choices=[1])
    poll = poll_vote(poll=poll, voter=org.kim, choices=["1"])  # the author may vote, as in Mastodon
    assert (poll.votes_count, poll.voters_count) == (2, 2)
    assert list(poll.options.values_list("votes_count", flat=True)) == [0, 2, 0]
    with pytest.raises(PostInvalid, match="already voted"):
        poll_vote(poll=poll, voter=org.lee, choices=[0])
    assert PollVote.objects.filter(voter=org.lee).count() == 1


def test_multiple_choice_only_when_allowed(org: Org) -> None:
    single = _poll(org)
    with pytest.raises(PostInvalid, match="only one choice"):
        poll_vote(poll=single, voter=org.lee, choices=[0, 1])
    multi = _poll(org, multiple=True)
    multi = poll_vote(poll=multi, voter=org.lee, choices=[0, 2])
    assert (multi.votes_count, multi.voters_count) == (2, 1)
    viewed = poll_for(Viewer.of(org.lee), multi.pk)
    assert viewed.own_votes == [0, 2]  # type: ignore[attr-defined]


@pytest.mark.parametrize("choices", [[], [3], [-1], ["x"]])
def test_invalid_choices_are_refused(org: Org, choices: list) -> None:
    with pytest.raises(PostInvalid):
        poll_vote(poll=_poll(org), voter=org.lee, choices=choices)
    assert not PollVote.objects.exists()


def test_no_votes_after_the_end(org: Org) -> None:
    poll = _poll(org)
    Poll.objects.filter(pk=poll.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(PostInvalid, match="ended"):
        poll_vote(poll=poll, voter=org.lee, choices=[0])


def test_a_poll_on_a_post_the_voter_cannot_see_is_404(org: Org) -> None:
    hidden = post_create(
        author=org.choi,
        text="연구소 투표",
        audience="unit",
        poll=PollSpec(options=["a", "b"], expires_in=600),
    ).poll
    with pytest.raises(Http404):
        poll_vote(poll=hidden, voter=org.kim, choices=[0])
    with pytest.raises(Http404):
        poll_for(Viewer.of(org.kim), hidden.pk)
    assert poll_for(Viewer.of(org.choi), hidden.pk).pk == hidden.pk


def test_the_end_is_announced_once_and_not_before_it_comes(org: Org) -> None:
    poll = _poll(org)
    assert poll_expire(poll_id=poll.pk) is False
    Poll.objects.filter(pk=poll.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert poll_expire(poll_id=poll.pk) is True
    assert poll_expire(poll_id=poll.pk) is False
    assert Poll.objects.get(pk=poll.pk).ended_notified_at is not None


def test_the_sweep_announces_every_ended_poll(org: Org) -> None:
    from posts.tasks import polls_expire_due

    polls = [_poll(org), _poll(org), _poll(org)]
    Poll.objects.filter(pk__in=[polls[0].pk, polls[1].pk]).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert polls_expire_due() == 2
    assert polls_expire_due() == 0
    assert not Poll.objects.get(pk=polls[2].pk).ended_notified_at
