"""``/api/v1/accounts``: profiles, the social graph from one employee's side, lookup and search."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from rest_framework.request import Request

from api import selectors
from api.base import MastodonView, Unprocessable, flag, id_list, json_response
from api.entities import Entities
from api.paging import paged_result
from directory.services import MAX_PHOTO_BYTES, employee_update_profile
from search import selectors as search_selectors

MAX_ACCOUNT_IDS = 40
# Deep enough for a company of 100,000; offset paging past it only scans.
MAX_DIRECTORY_OFFSET = 100_000


def _int(value: Any, default: int, *, maximum: int) -> int:
    try:
        return max(0, min(int(value), maximum))
    except (TypeError, ValueError):
        return default


class VerifyCredentials(MastodonView):
    scopes = {"GET": "read:accounts"}

    def get(self, request: Request) -> HttpResponse:
        return json_response(Entities(request, self.viewer).credential_account(self.employee))


class UpdateCredentials(MastodonView):
    scopes = {"PATCH": "write:accounts", "PUT": "write:accounts"}

    def patch(self, request: Request) -> HttpResponse:
        data = request.data
        avatar = request.FILES.get("avatar")
        if avatar is not None and avatar.size is not None and avatar.size > MAX_PHOTO_BYTES:
            raise Unprocessable("Validation failed: Avatar file size must be less than 10 MB")
        employee = employee_update_profile(
            employee=self.employee,
            display_name=data.get("display_name"),
            bio=data.get("note"),
            photo=avatar.read() if avatar is not None else None,
            locale=data.get("source[language]") or None,
        )
        return json_response(Entities(request, self.viewer).credential_account(employee))

    put = patch


class AccountsByIds(MastodonView):
    """``GET /api/v1/accounts?id[]=…`` (Mastodon 4.3): several accounts at once."""

    scopes = {"GET": "read:accounts"}

    def get(self, request: Request) -> HttpResponse:
        ids = id_list(request, "id")
        if len(ids) > MAX_ACCOUNT_IDS:
            raise Unprocessable(f"Validation failed: At most {MAX_ACCOUNT_IDS} ids at once")
        wanted = list(dict.fromkeys(int(i) for i in ids if i.isdigit()))
        found = Entities(request, self.viewer).accounts_by_id(wanted)  # ids naming nobody left out
        return json_response([found[pk] for pk in wanted if pk in found])


class AccountDetail(MastodonView):
    scopes = {"GET": "read:accounts"}

    def get(self, request: Request, account_id: str) -> HttpResponse:
        return json_response(
            Entities(request, self.viewer).account(selectors.account_get(self.viewer, account_id))
        )


class AccountStatuses(MastodonView):
    scopes = {"GET": "read:statuses"}

    def get(self, request: Request, account_id: str) -> HttpResponse:
        from timelines.selectors import account_timeline

        q = request.query_params
        account = selectors.account_get(self.viewer, account_id)
        posts = account_timeline(
            self.viewer,
            account.pk,
            self.page(),
            exclude_replies=flag(q.get("exclude_replies")),
            exclude_reblogs=flag(q.get("exclude_reblogs")),
            only_media=flag(q.get("only_media")),
            pinned=flag(q.get("pinned")),
            tagged=q.get("tagged") or None,
        )
        return self.paged(posts, Entities(request, self.viewer).timeline("account"))


class AccountFollowers(MastodonView):
    scopes = {"GET": "read:accounts"}

    def get(self, request: Request, account_id: str) -> HttpResponse:
        from social.selectors import followers

        account = selectors.account_get(self.viewer, account_id)
        result = followers(self.viewer, account.pk, self.page())
        return paged_result(self, result, Entities(request, self.viewer).accounts)


class AccountFollowing(MastodonView):
    scopes = {"GET": "read:accounts"}

    def get(self, request: Request, account_id: str) -> HttpResponse:
        from social.selectors import following

        account = selectors.account_get(self.viewer, account_id)
        result = following(self.viewer, account.pk, self.page())
        return paged_result(self, result, Entities(request, self.viewer).accounts)


def relationship(viewer: Any, account_id: int) -> dict[str, Any]:
    from social.selectors import relationships

    return relationships(viewer, [account_id])[0]  # type: ignore[no-any-return]


class _GraphAction(MastodonView):
    """POST /api/v1/accounts/:id/<action> → the Relationship after the change."""

    def post(self, request: Request, account_id: str) -> HttpResponse:
        target = selectors.account_get(self.viewer, account_id)
        self.act(target, request.data)
        return json_response(relationship(self.viewer, target.pk))

    def act(self, target: Any, data: Any) -> None:
        raise NotImplementedError


class Follow(_GraphAction):
    """Follow, or change how one follows: ``reblogs=false`` keeps the person's reposts off one's home
    timeline, ``notify=true`` notifies one of each of their new posts. Left out, an option keeps what
    it was (Mastodon's way: apps send only the one they change)."""

    scopes = {"POST": "write:follows"}

    def act(self, target: Any, data: Any) -> None:
        from social.services import follow_create

        if target.pk == self.employee.pk:
            raise Unprocessable("You cannot follow yourself")

        def option(name: str) -> bool | None:
            value = data.get(name) if hasattr(data, "get") else None
            return None if value is None or value == "" else flag(value)

        follow_create(
            follower=self.employee, target=target, reblogs=option("reblogs"), notify=option("notify")
        )


class Unfollow(_GraphAction):
    scopes = {"POST": "write:follows"}

    def act(self, target: Any, data: Any) -> None:
        from social.services import follow_delete

        follow_delete(follower=self.employee, target=target)


class Mute(_GraphAction):
    scopes = {"POST": "write:mutes"}

    def act(self, target: Any, data: Any) -> None:
        from social.services import mute_create

        if target.pk == self.employee.pk:
            raise Unprocessable("You cannot mute yourself")
        duration = _int(data.get("duration"), 0, maximum=10**9) or None
        mute_create(
            muter=self.employee,
            target=target,
            notifications=flag(data.get("notifications"), True),
            duration=duration,
        )


class Unmute(_GraphAction):
    scopes = {"POST": "write:mutes"}

    def act(self, target: Any, data: Any) -> None:
        from social.services import mute_delete

        mute_delete(muter=self.employee, target=target)


class Note(_GraphAction):
    """One's private note about a colleague (``comment``; empty removes it), in the Relationship."""

    scopes = {"POST": "write:accounts"}

    def act(self, target: Any, data: Any) -> None:
        from social.services import account_note_set

        comment = data.get("comment") if hasattr(data, "get") else None
        account_note_set(author=self.employee, target=target, comment=str(comment or ""))


class RemoveFromFollowers(_GraphAction):
    """Stop someone following oneself, without blocking them."""

    scopes = {"POST": "write:follows"}

    def act(self, target: Any, data: Any) -> None:
        from social.services import follower_remove

        follower_remove(employee=self.employee, follower=target)


class ProfileAvatar(MastodonView):
    """``DELETE /api/v1/profile/avatar``: the photo goes, the initials avatar comes back."""

    scopes = {"DELETE": "write:accounts"}

    def delete(self, request: Request) -> HttpResponse:
        from directory.services import employee_remove_photo

        employee = employee_remove_photo(employee=self.employee)
        return json_response(Entities(request, self.viewer).credential_account(employee))


class ProfileHeader(MastodonView):
    """``DELETE /api/v1/profile/header``: profiles have no header picture of their own to remove."""

    scopes = {"DELETE": "write:accounts"}

    def delete(self, request: Request) -> HttpResponse:
        return json_response(Entities(request, self.viewer).credential_account(self.employee))


class Block(_GraphAction):
    scopes = {"POST": "write:blocks"}

    def act(self, target: Any, data: Any) -> None:
        from social.services import block_create

        if target.pk == self.employee.pk:
            raise Unprocessable("You cannot block yourself")
        block_create(blocker=self.employee, target=target)


class Unblock(_GraphAction):
    scopes = {"POST": "write:blocks"}

    def act(self, target: Any, data: Any) -> None:
        from social.services import block_delete

        block_delete(blocker=self.employee, target=target)


class Relationships(MastodonView):
    scopes = {"GET": "read:follows"}

    def get(self, request: Request) -> HttpResponse:
        from social.selectors import relationships

        ids = _ids(request)
        return json_response(relationships(self.viewer, ids) if ids else [])


def _ids(request: Request) -> list[int]:
    """``id[]`` parameters that are ids, at most 40 (as Mastodon caps them); others are passed over."""
    ids = []
    for raw in id_list(request, "id")[:40]:
        try:
            ids.append(int(raw))
        except ValueError:
            continue
    return ids


class FamiliarFollowers(MastodonView):
    """Who among the people the viewer follows also follows each account ("Followed by …")."""

    scopes = {"GET": "read:follows"}

    def get(self, request: Request) -> HttpResponse:
        from social.selectors import familiar_followers

        found = familiar_followers(self.viewer, _ids(request))
        entities = Entities(request, self.viewer)
        people = entities.accounts_by_id(pk for _, followers in found for pk in followers)
        return json_response(
            [
                {"id": str(pk), "accounts": [people[f] for f in followers if f in people]}
                for pk, followers in found
            ]
        )


class AccountLists(MastodonView):
    """The viewer's lists that hold an account (apps' "add to list" dialog)."""

    scopes = {"GET": "read:lists"}

    def get(self, request: Request, account_id: str) -> HttpResponse:
        from api.mastodon.lists import list_entity
        from social.selectors import lists_containing

        return json_response([list_entity(lst) for lst in lists_containing(self.viewer, account_id)])


class Lookup(MastodonView):
    scopes = {"GET": "read:accounts"}

    def get(self, request: Request) -> HttpResponse:
        found = selectors.account_lookup(self.viewer, request.query_params.get("acct", ""))
        return json_response(Entities(request, self.viewer).account(found))


class Search(MastodonView):
    scopes = {"GET": "read:accounts"}

    def get(self, request: Request) -> HttpResponse:
        q = request.query_params
        found = search_selectors.account_search(
            self.viewer,
            q.get("q", ""),
            limit=_int(q.get("limit"), 40, maximum=80) or 40,
            offset=_int(q.get("offset"), 0, maximum=10_000),
            following=flag(q.get("following")),
        )
        return json_response(Entities(request, self.viewer).accounts(found))


class Mutes(MastodonView):
    scopes = {"GET": "read:mutes"}

    def get(self, request: Request) -> HttpResponse:
        from social.selectors import mutes

        return paged_result(self, mutes(self.viewer, self.page()), Entities(request, self.viewer).accounts)


class Blocks(MastodonView):
    scopes = {"GET": "read:blocks"}

    def get(self, request: Request) -> HttpResponse:
        from social.selectors import blocks

        return paged_result(self, blocks(self.viewer, self.page()), Entities(request, self.viewer).accounts)


class FollowRequests(MastodonView):
    """Follows need no approval inside a company, so there is never a pending request."""

    scopes = {"GET": "read:follows"}

    def get(self, request: Request) -> HttpResponse:
        return json_response([])


class Directory(MastodonView):
    """``GET /api/v1/directory``: everyone in the company, paged with ``offset`` and ``limit``, by recent
    activity (``order=active``, the default) or by who joined last (``order=new``). ``local`` changes
    nothing: every account is local."""

    scopes = {"GET": "read:accounts"}

    def get(self, request: Request) -> HttpResponse:
        q = request.query_params
        order = q.get("order") or "active"
        if order not in selectors.DIRECTORY_ORDERS:
            raise Unprocessable(f"order must be one of {', '.join(selectors.DIRECTORY_ORDERS)}")
        people = selectors.account_directory(
            self.viewer,
            order=order,
            offset=_int(q.get("offset"), 0, maximum=MAX_DIRECTORY_OFFSET),
            limit=_int(q.get("limit"), 40, maximum=80) or 40,
        )
        return json_response(Entities(request, self.viewer).accounts(people))
