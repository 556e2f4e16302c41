"""Writes of keyword filters. Each keeps ``Employee.has_filters`` true while the owner has a filter, and
tells open streams to reload the owner (they hold each reader's filters in memory)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from directory.models import Employee
from filters.errors import FilterInvalid
from filters.models import Action, Context, Filter, FilterKeyword, FilterStatus
from posts.models import Post

MAX_FILTERS = 100
MAX_KEYWORDS = 100
MAX_TITLE = 200
MAX_KEYWORD = 100
# A year: Mastodon's apps offer up to a week; the bound only refuses nonsense.
MAX_EXPIRES_IN = 365 * 24 * 3600


@dataclass(frozen=True)
class KeywordChange:
    """One item of Mastodon's ``keywords_attributes``: a new keyword (no ``id``), a change to one, or,
    with ``destroy``, its removal."""

    keyword: str | None = None
    whole_word: bool | None = None
    id: int | None = None
    destroy: bool = False


UNSET: object = object()


def _title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise FilterInvalid("Validation failed: Title can't be blank")
    if len(title) > MAX_TITLE:
        raise FilterInvalid(f"Validation failed: Title is too long (maximum is {MAX_TITLE} characters)")
    return title


def _contexts(contexts: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(c.strip() for c in contexts if c and c.strip()))
    if not chosen:
        raise FilterInvalid("Validation failed: Context can't be blank")
    unknown = [c for c in chosen if c not in Context.values]
    if unknown:
        raise FilterInvalid(
            f"Validation failed: Context {', '.join(unknown)} is not one of {', '.join(Context.values)}"
        )
    return chosen


def _action(action: str | None) -> str:
    action = (action or Action.WARN).strip()
    if action not in Action.values:
        raise FilterInvalid(f"Validation failed: Filter action is not one of {', '.join(Action.values)}")
    return action


def _expires_at(expires_in: int | str | None) -> datetime | None:
    """``expires_in`` seconds from now; None or an empty value: never."""
    if expires_in is None or expires_in == "":
        return None
    try:
        seconds = int(expires_in)
    except (TypeError, ValueError) as bad:
        raise FilterInvalid("Validation failed: Expires in must be a number of seconds") from bad
    if not 0 < seconds <= MAX_EXPIRES_IN:
        raise FilterInvalid(f"Validation failed: Expires in must be between 1 and {MAX_EXPIRES_IN} seconds")
    return timezone.now() + timedelta(seconds=seconds)


def _keyword(keyword: str | None) -> str:
    keyword = (keyword or "").strip()
    if not keyword:
        raise FilterInvalid("Validation failed: Keyword can't be blank")
    if len(keyword) > MAX_KEYWORD:
        raise FilterInvalid(f"Validation failed: Keyword is too long (maximum is {MAX_KEYWORD} characters)")
    return keyword


def _owner_changed(owner: Employee) -> None:
    """Keep ``has_filters`` right and have open streams reload the owner's filters after commit."""
    from directory.services import viewers_changed

    has = Filter.objects.filter(owner=owner).exists()
    # Compared in the database, not on ``owner``: another instance of the same employee may have
    # changed the flag since this one was read.
    Employee.objects.filter(pk=owner.pk).exclude(has_filters=has).update(has_filters=has)
    owner.has_filters = has
    viewers_changed([owner.pk])


def _check_keyword_count(filter: Filter, adding: int) -> None:
    if adding and FilterKeyword.objects.filter(filter=filter).count() + adding > MAX_KEYWORDS:
        raise FilterInvalid(f"Validation failed: A filter holds at most {MAX_KEYWORDS} keywords")


@transaction.atomic
def filter_create(
    *,
    owner: Employee,
    title: str,
    contexts: Sequence[str],
    action: str | None = None,
    expires_in: int | str | None = None,
    keywords: Sequence[KeywordChange] = (),
) -> Filter:
    fields = {
        "title": _title(title),
        "contexts": _contexts(contexts),
        "action": _action(action),
        "expires_at": _expires_at(expires_in),
    }
    words = [
        (_keyword(k.keyword), True if k.whole_word is None else k.whole_word)
        for k in keywords
        if not k.destroy
    ]
    if len(words) > MAX_KEYWORDS:
        raise FilterInvalid(f"Validation failed: A filter holds at most {MAX_KEYWORDS} keywords")
    # Locks the owner's row: two creates at once cannot both pass the count.
    Employee.objects.select_for_update().filter(pk=owner.pk).first()
    if Filter.objects.filter(owner=owner).count() >= MAX_FILTERS:
        raise FilterInvalid(f"Validation failed: You can have at most {MAX_FILTERS} filters")
    created = Filter.objects.create(owner=owner, **fields)
    FilterKeyword.objects.bulk_create(
        FilterKeyword(filter=created, keyword=k, whole_word=w) for k, w in words
    )
    _owner_changed(owner)
    return created


@transaction.atomic
def filter_update(
    *,
    filter: Filter,
    owner: Employee,
    title: str | None = None,
    contexts: Sequence[str] | None = None,
    action: str | None = None,
    expires_in: int | str | object | None = UNSET,
    keywords: Sequence[KeywordChange] = (),
) -> Filter:
    """Change what is given; ``expires_in`` given as None or "" makes the filter never expire."""
    changed = []
    if title is not None:
        filter.title = _title(title)
        changed.append("title")
    if contexts is not None:
        filter.contexts = _contexts(contexts)
        changed.append("contexts")
    if action is not None:
        filter.action = _action(action)
        changed.append("action")
    if expires_in is not UNSET:
        filter.expires_at = _expires_at(expires_in)  # type: ignore[arg-type]
        changed.append("expires_at")
    existing = {k.pk: k for k in FilterKeyword.objects.filter(filter=filter)}
    new, edited, gone = [], [], []
    for change in keywords:
        if change.id is None:
            if not change.destroy:
                whole = True if change.whole_word is None else change.whole_word
                new.append(FilterKeyword(filter=filter, keyword=_keyword(change.keyword), whole_word=whole))
            continue
        found = existing.get(change.id)
        if found is None:
            raise FilterInvalid(f"Validation failed: Keyword {change.id} is not in this filter")
        if change.destroy:
            gone.append(found.pk)
            continue
        if change.keyword is not None:
            found.keyword = _keyword(change.keyword)
        if change.whole_word is not None:
            found.whole_word = change.whole_word
        edited.append(found)
    if len(existing) - len(gone) + len(new) > MAX_KEYWORDS:
        raise FilterInvalid(f"Validation failed: A filter holds at most {MAX_KEYWORDS} keywords")
    if changed:
        filter.save(update_fields=changed)
    FilterKeyword.objects.filter(pk__in=gone).delete()
    if edited:
        FilterKeyword.objects.bulk_update(edited, ["keyword", "whole_word"])
    FilterKeyword.objects.bulk_create(new)
    _owner_changed(owner)
    return filter


@transaction.atomic
def filter_delete(*, filter: Filter, owner: Employee) -> None:
    filter.delete()
    _owner_changed(owner)


@transaction.atomic
def filter_keyword_add(
    *, filter: Filter, owner: Employee, keyword: str, whole_word: bool = True
) -> FilterKeyword:
    text = _keyword(keyword)
    _check_keyword_count(filter, 1)
    created = FilterKeyword.objects.create(filter=filter, keyword=text, whole_word=whole_word)
    _owner_changed(owner)
    return created


@transaction.atomic
def filter_keyword_update(
    *, keyword: FilterKeyword, owner: Employee, text: str | None = None, whole_word: bool | None = None
) -> FilterKeyword:
    if text is not None:
        keyword.keyword = _keyword(text)
    if whole_word is not None:
        keyword.whole_word = whole_word
    keyword.save(update_fields=["keyword", "whole_word"])
    _owner_changed(owner)
    return keyword


@transaction.atomic
def filter_keyword_remove(*, keyword: FilterKeyword, owner: Employee) -> None:
    keyword.delete()
    _owner_changed(owner)


@transaction.atomic
def filter_status_add(*, filter: Filter, owner: Employee, post: Post) -> FilterStatus:
    """Filter one post by hand. The caller has found it through ``policy.access_post``: a post the
    owner may not see is missing, not filterable. A repost stands for its original, as everywhere."""
    if post.reblog_of_id is not None:
        post = Post.objects.get(pk=post.reblog_of_id)
    try:
        with transaction.atomic():
            created = FilterStatus.objects.create(filter=filter, post=post)
    except IntegrityError:
        raise FilterInvalid("Validation failed: Status has already been taken") from None
    _owner_changed(owner)
    return created


@transaction.atomic
def filter_status_remove(*, status: FilterStatus, owner: Employee) -> None:
    status.delete()
    _owner_changed(owner)
