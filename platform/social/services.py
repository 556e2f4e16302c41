"""Writes to the social graph: follows, mutes, blocks, lists and followed hashtags.

Home feeds follow the graph after commit: a follow merges the followee's recent posts into the
follower's feed, an unfollow or block takes them out (Mastodon's merge/unmerge). Reads re-filter
anyway, so a feed that lags by a task only ever shows too little for a moment, never too much.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from common.oncommit import after_commit
from directory.models import Employee
from policy import ActionRefused, check_not_barred
from social.errors import SocialInvalid
from social.models import (
    AccountNote,
    Block,
    Follow,
    List,
    ListMember,
    Mute,
    RepliesPolicy,
    SuggestionDismissal,
    TagFollow,
)

if TYPE_CHECKING:
    from posts.models import Hashtag

MAX_LIST_TITLE = 100
# Followed hashtags per person: far above real use, below what would make a feed rebuild slow.
MAX_FOLLOWED_TAGS = 500


def _feed_merge(follower_id: int, author_id: int) -> None:
    from timelines.services import feed_merge

    feed_merge(follower_id=follower_id, author_id=author_id)


def _feed_unmerge(follower_id: int, author_id: int) -> None:
    from timelines.services import feed_unmerge

    feed_unmerge(follower_id=follower_id, author_id=author_id)


def _notify_follow(follower_id: int, target_id: int) -> None:
    from notifications.services import notify_follow

    notify_follow(follower_id, target_id)


def _is_blocked_either_way(a: int, b: int) -> bool:
    return Block.objects.filter(Q(blocker_id=a, target_id=b) | Q(blocker_id=b, target_id=a)).exists()


@transaction.atomic
def follow_create(
    *, follower: Employee, target: Employee, reblogs: bool | None = None, notify: bool | None = None
) -> Follow:
    """Idempotent: following someone already followed returns the existing follow and notifies nobody.
    ``reblogs`` and ``notify`` (Mastodon's follow options) are set when given, on a new follow or on one
    that exists; left out, a new follow shows reposts and does not notify, and an existing one keeps
    what it had."""
    if follower.pk == target.pk:
        raise ActionRefused("You cannot follow yourself.", rule="self_follow")
    if not follower.is_active:
        raise ActionRefused("This account is deactivated.", rule="inactive")
    if not target.is_active:
        raise ActionRefused("This account is deactivated.", rule="target_inactive")
    if _is_blocked_either_way(follower.pk, target.pk):
        raise ActionRefused("You cannot follow this account.", rule="blocked")
    check_not_barred(follower, target, action="follow")
    options = {
        name: value for name, value in (("show_reblogs", reblogs), ("notify", notify)) if value is not None
    }
    follow, created = Follow.objects.get_or_create(follower=follower, followee=target, defaults=options)
    if created:
        after_commit(_feed_merge, follower.pk, target.pk)
        after_commit(_notify_follow, follower.pk, target.pk)
    elif any(getattr(follow, name) != value for name, value in options.items()):
        for name, value in options.items():
            setattr(follow, name, value)
        follow.save(update_fields=list(options))
    return follow


@transaction.atomic
def follow_delete(*, follower: Employee, target: Employee) -> None:
    deleted, _ = Follow.objects.filter(follower=follower, followee=target).delete()
    if deleted:
        after_commit(_feed_unmerge, follower.pk, target.pk)


def follow_own_unit(*, employee: Employee) -> int:
    """A new employee follows the colleagues of their own unit, so their home timeline is not empty.

    Called by the directory on employee creation; does nothing when the tenant switched it off.
    Sends no "follow" notifications: a bulk import must not page a whole department. Returns how
    many colleagues are followed now.
    """
    from directory.services import company_settings

    if employee.unit_id is None or not company_settings().follow_own_unit_on_join:
        return 0
    colleagues = (
        Employee.objects.filter(unit_id=employee.unit_id, is_active=True)
        .exclude(pk=employee.pk)
        .values_list("pk", flat=True)
    )
    created = Follow.objects.bulk_create(
        [Follow(follower_id=employee.pk, followee_id=pk) for pk in colleagues], ignore_conflicts=True
    )
    if created:
        # A brand-new employee usually has no feed yet; if one exists, rebuild it with the new follows.
        from timelines.services import feed_forget

        after_commit(feed_forget, employee.pk)
    return len(created)


@transaction.atomic
def mute_create(
    *, muter: Employee, target: Employee, notifications: bool = True, duration: int | None = None
) -> Mute:
    """Mute, or update an existing mute's flag and expiry (Mastodon answers both the same way).

    ``duration`` in seconds; None or 0 mutes until undone.
    """
    if muter.pk == target.pk:
        raise ActionRefused("You cannot mute yourself.", rule="self_mute")
    if duration is not None and duration < 0:
        raise SocialInvalid("duration must be a positive number of seconds")
    expires_at = timezone.now() + timedelta(seconds=duration) if duration else None
    mute, _ = Mute.objects.update_or_create(
        muter=muter, target=target, defaults={"notifications": notifications, "expires_at": expires_at}
    )
    return mute


@transaction.atomic
def mute_delete(*, muter: Employee, target: Employee) -> None:
    Mute.objects.filter(muter=muter, target=target).delete()


@transaction.atomic
def block_create(*, blocker: Employee, target: Employee) -> Block:
    """Block; removes follows in both directions and each side's posts from the other's home feed."""
    if blocker.pk == target.pk:
        raise ActionRefused("You cannot block yourself.", rule="self_block")
    block, _ = Block.objects.get_or_create(blocker=blocker, target=target)
    Follow.objects.filter(
        Q(follower=blocker, followee=target) | Q(follower=target, followee=blocker)
    ).delete()
    after_commit(_feed_unmerge, blocker.pk, target.pk)
    after_commit(_feed_unmerge, target.pk, blocker.pk)
    return block


@transaction.atomic
def block_delete(*, blocker: Employee, target: Employee) -> None:
    Block.objects.filter(blocker=blocker, target=target).delete()


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise SocialInvalid("Validation failed: Title can't be blank")
    if len(title) > MAX_LIST_TITLE:
        raise SocialInvalid(f"Validation failed: Title is too long (maximum is {MAX_LIST_TITLE} characters)")
    return title


def _clean_policy(replies_policy: str) -> str:
    if replies_policy not in RepliesPolicy.values:
        raise SocialInvalid("Validation failed: Replies policy is not included in the list")
    return replies_policy


def _owned(lst: List, owner: Employee) -> None:
    # A list is private to its owner: someone else's list is "not found", as in Mastodon.
    if lst.owner_id != owner.pk:
        from django.http import Http404

        raise Http404("Record not found")


@transaction.atomic
def list_create(
    *, owner: Employee, title: str, replies_policy: str = RepliesPolicy.LIST, exclusive: bool = False
) -> List:
    return List.objects.create(
        owner=owner,
        title=_clean_title(title),
        replies_policy=_clean_policy(replies_policy),
        exclusive=exclusive,
    )


@transaction.atomic
def list_update(
    *,
    lst: List,
    owner: Employee,
    title: str | None = None,
    replies_policy: str | None = None,
    exclusive: bool | None = None,
) -> List:
    _owned(lst, owner)
    if title is not None:
        lst.title = _clean_title(title)
    if replies_policy is not None:
        lst.replies_policy = _clean_policy(replies_policy)
    if exclusive is not None:
        lst.exclusive = exclusive
    lst.save(update_fields=["title", "replies_policy", "exclusive"])
    return lst


@transaction.atomic
def list_delete(*, lst: List, owner: Employee) -> None:
    _owned(lst, owner)
    lst.delete()


def _ids(account_ids: Iterable[int | str]) -> list[int]:
    try:
        return sorted({int(i) for i in account_ids})
    except (TypeError, ValueError):
        raise SocialInvalid("account_ids must be account ids") from None


@transaction.atomic
def list_accounts_add(*, lst: List, owner: Employee, account_ids: Iterable[int | str]) -> None:
    """Add members. Unlike Mastodon, a member need not be followed: inside one company a list is a way
    to watch a team, and the list timeline is re-filtered by policy like every other read."""
    _owned(lst, owner)
    ids = _ids(account_ids)
    found = set(Employee.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    if missing := [i for i in ids if i not in found]:
        from django.http import Http404

        raise Http404(f"Record not found: {missing[0]}")
    ListMember.objects.bulk_create(
        [ListMember(list=lst, employee_id=pk) for pk in ids], ignore_conflicts=True
    )


@transaction.atomic
def list_accounts_remove(*, lst: List, owner: Employee, account_ids: Iterable[int | str]) -> None:
    _owned(lst, owner)
    ListMember.objects.filter(list=lst, employee_id__in=_ids(account_ids)).delete()


def _hashtag_named(name: str, *, create: bool) -> Hashtag:
    """The hashtag of that name; one nobody used yet is created with ``create``, else comes back unsaved."""
    from posts.models import Hashtag
    from posts.text import tag_named

    named = tag_named(name)
    if named is None:
        raise SocialInvalid("Validation failed: Name is not a valid hashtag")
    key, typed = named
    if create:
        # Mastodon lets one follow a tag before anyone used it: its first post then reaches the follower.
        Hashtag.objects.bulk_create([Hashtag(name=key, display_name=typed)], ignore_conflicts=True)
    found = Hashtag.objects.filter(name=key).first()
    return found if found is not None else Hashtag(name=key, display_name=typed)


@transaction.atomic
def tag_follow(*, employee: Employee, name: str) -> Hashtag:
    """Follow a hashtag by name (``#점심``, ``Release``): from now on, posts carrying it reach the
    follower's home timeline, as far as policy lets them see each one. Idempotent."""
    if not employee.is_active:
        raise ActionRefused("This account is deactivated.", rule="inactive")
    hashtag = _hashtag_named(name, create=True)
    if TagFollow.objects.filter(employee=employee, hashtag=hashtag).exists():
        return hashtag
    # Serialises one person's concurrent follows, so the limit holds (their employee row, not a table).
    Employee.objects.select_for_update().filter(pk=employee.pk).first()
    if TagFollow.objects.filter(employee=employee).count() >= MAX_FOLLOWED_TAGS:
        raise SocialInvalid(f"Validation failed: You can follow at most {MAX_FOLLOWED_TAGS} hashtags")
    TagFollow.objects.get_or_create(employee=employee, hashtag=hashtag)
    return hashtag


@transaction.atomic
def tag_unfollow(*, employee: Employee, name: str) -> Hashtag:
    """Stop following a hashtag; what it brought into the home timeline stays there (as Mastodon).
    Idempotent. A tag nobody ever used or followed comes back unsaved: there was nothing to unfollow."""
    hashtag = _hashtag_named(name, create=False)
    if hashtag.pk is not None:
        TagFollow.objects.filter(employee=employee, hashtag=hashtag).delete()
    return hashtag


def suggestion_dismiss(*, employee: Employee, target: Employee) -> None:
    """Never suggest ``target`` to ``employee`` again. Idempotent."""
    SuggestionDismissal.objects.get_or_create(employee=employee, target=target)


MAX_NOTE_CHARS = 2000


def account_note_set(*, author: Employee, target: Employee, comment: str) -> None:
    """Write (or, with an empty comment, remove) one's private note about a colleague."""
    comment = comment.strip()
    if len(comment) > MAX_NOTE_CHARS:
        raise SocialInvalid(
            f"Validation failed: Comment is too long (maximum is {MAX_NOTE_CHARS} characters)"
        )
    if not comment:
        AccountNote.objects.filter(author=author, target=target).delete()
        return
    AccountNote.objects.update_or_create(author=author, target=target, defaults={"comment": comment})


def follower_remove(*, employee: Employee, follower: Employee) -> None:
    """Stop ``follower`` following ``employee`` (Mastodon's remove_from_followers): as if they had
    unfollowed, without blocking them; they may follow again."""
    follow_delete(follower=follower, target=employee)


def mutes_expire() -> int:
    """Delete mutes whose time is up (reads already ignore them); run periodically."""
    deleted, _ = Mute.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
