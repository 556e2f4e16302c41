"""Who may do what (VISIBILITY.md): the action rules beside the read rules in ``policy.posts``.

A refused action raises ``ActionRefused`` (HTTP 403 with the message, which names the rule);
an action on something the actor may not see is a 404 via ``access_post`` before it gets here.
"""

from __future__ import annotations

from directory.models import Employee, OrgUnit, Role
from policy.posts import can_view_post
from policy.rules import TenantRules, tenant_rules
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
    """Posting at all: an active employee, in a tenant whose billing state allows writing
    (a restricted or cancelled workspace stays readable; reposts and likes are not posts)."""
    if not author.is_active:
        raise ActionRefused("This account is deactivated.", rule="inactive")
    from billing.entitlements import posting_block_reason

    reason = posting_block_reason()
    if reason:
        raise ActionRefused(reason, rule="billing_restricted")


def default_audience(author: Employee) -> str:
    """The audience a new post gets when its author picks none (VISIBILITY.md, rule 4)."""
    rules = tenant_rules()
    if rules.default_audience == Audience.UNIT or not _may_post_company(author, rules):
        return Audience.UNIT
    return Audience.COMPANY


def _may_post_company(author: Employee, rules: TenantRules) -> bool:
    return rules.company_post_min_rank is None or author.rank_level >= rules.company_post_min_rank


def _chain(employee: Employee) -> tuple[int, ...]:
    return tuple(employee.unit.ancestor_ids()) if employee.unit is not None else ()


def check_not_barred(actor: Employee, other: Employee, *, action: str) -> None:
    """Neither side of an information barrier may follow, mention, reply to or message the other."""
    if actor.pk == other.pk or actor.role == Role.COMPLIANCE:
        return
    if tenant_rules().barred(_chain(actor), _chain(other)):
        raise ActionRefused(
            f"An information barrier between your departments does not allow you to {action} this person.",
            rule="information_barrier",
        )


def _contact_exempt(author: Employee, target: Employee, in_reply_to: Post | None) -> bool:
    if author.unit_id is not None and author.unit_id == target.unit_id:
        return True
    # Answering the target's own post that addressed the author is always allowed.
    return (
        in_reply_to is not None
        and in_reply_to.author_id == target.pk
        and in_reply_to.mentions.filter(employee_id=author.pk).exists()
    )


def check_contact(author: Employee, target: Employee, *, in_reply_to: Post | None = None) -> None:
    """The tenant's contact rules: addressing senior staff needs a minimum rank (every rule must hold)."""
    if author.pk == target.pk:
        return
    for rule in tenant_rules().contact_rules:
        if target.rank_level >= rule.target_min_rank and author.rank_level < rule.sender_min_rank:
            if _contact_exempt(author, target, in_reply_to):
                return
            raise ActionRefused(
                f"Contact rule: to address someone of rank {rule.target_min_rank} or above, "
                f"you need rank {rule.sender_min_rank} or above (or to be in their unit).",
                rule="contact_rule",
            )


def check_may_publish(
    author: Employee, *, audience: str, mentioned: list[Employee], in_reply_to: Post | None
) -> None:
    """The audience and addressing rules a new post must pass before anything is saved.

    posts.services checks ``check_may_post`` (may this person post at all) on entry, then this.
    """
    rules = tenant_rules()
    if audience == Audience.COMPANY and not _may_post_company(author, rules):
        raise ActionRefused(
            f"Company-wide posts need rank {rules.company_post_min_rank} or above; "
            "post to your unit instead.",
            rule="company_post_min_rank",
        )
    addressed = list(mentioned)
    if in_reply_to is not None and in_reply_to.author_id != author.pk:
        addressed.append(in_reply_to.author)
    seen: set[int] = set()
    for target in addressed:
        if target.pk in seen:
            continue
        seen.add(target.pk)
        check_not_barred(author, target, action="address")
        check_contact(author, target, in_reply_to=in_reply_to)
