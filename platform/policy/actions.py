"""Who may do what (VISIBILITY.md): the action rules beside the read rules in ``policy.posts``.

A refused action raises ``ActionRefused`` (HTTP 403 with the message, which names the rule);
an action on something the actor may not see is a 404 via ``access_post`` before it gets here.
"""

from __future__ import annotations

from directory.models import Employee, OrgUnit
from policy.posts import can_view_post
from policy.viewer import Viewer
from posts.models import Audience, Post


class ActionRefused(Exception):
    """An action the rules forbid. ``rule`` is a stable code for clients; the message is for people."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


def unit_targets(author: Employee) -> list[int]:
    """Units an author may address a unit post to: their own and every unit above it."""
    if author.unit is None:
        return []
    return author.unit.ancestor_ids()


def may_target_unit(author: Employee, unit: OrgUnit) -> bool:
    if author.is_admin:
        return True
    return unit.pk in unit_targets(author)


def may_reblog(viewer: Viewer, post: Post) -> bool:
    """Only company posts can be reposted, and only by someone who can see them."""
    original = post.reblog_of if post.reblog_of_id else post
    assert original is not None
    return original.audience == Audience.COMPANY and can_view_post(viewer, original)


def check_may_post(author: Employee) -> None:
    """Posting at all: an inactive employee cannot (tenant rules of issue 4 add company-post ranks)."""
    if not author.is_active:
        raise ActionRefused("This account is deactivated.", rule="inactive")
