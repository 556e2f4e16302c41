"""``/api/v1/statuses``: post, read, edit, delete, thread context and reactions."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView, Unprocessable, flag, id_list, json_response
from api.entities import Entities, iso
from api.paging import paged_result
from policy import access_post

# Mastodon visibility → (audience, unlisted). "private" becomes a unit post when bt_unit_id is given.
VISIBILITY = {
    "public": ("company", False),
    "unlisted": ("company", True),
    "private": ("followers", False),
    "direct": ("direct", False),
}


def _list(data: Any, name: str) -> list[Any]:
    if hasattr(data, "getlist"):
        values = data.getlist(f"{name}[]") or data.getlist(name)
        return [v for v in values if v != ""]
    value = data.get(name)
    if value is None:
        value = data.get(f"{name}[]")
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _optional_int(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Unprocessable(f"Validation failed: {name} is not a number") from None


def _poll_spec(data: Any) -> Any:
    """``poll[options][]=…&poll[expires_in]=…`` (form) or ``{"poll": {...}}`` (JSON) → PollSpec or None."""
    nested = data.get("poll") if not hasattr(data, "getlist") else None
    if isinstance(nested, dict):
        options = nested.get("options") or []
        expires_in, multiple, hide = (
            nested.get("expires_in"),
            nested.get("multiple"),
            nested.get("hide_totals"),
        )
    else:
        options = _list(data, "poll[options]")
        expires_in, multiple, hide = (
            data.get("poll[expires_in]"),
            data.get("poll[multiple]"),
            data.get("poll[hide_totals]"),
        )
    if not options and expires_in in (None, ""):
        return None
    from posts.services import PollSpec

    return PollSpec(
        options=[str(o) for o in options],
        expires_in=_optional_int(expires_in, "Poll expiry") or 86400,
        multiple=flag(multiple),
        hide_totals=flag(hide),
    )


def _media_ids(data: Any) -> list[int]:
    out = []
    for raw in _list(data, "media_ids"):
        value = _optional_int(raw, "media_ids")
        if value is not None:
            out.append(value)
    return out


def _audience(data: Any) -> tuple[str | None, bool, int | None]:
    visibility = str(data.get("visibility") or "")
    unit_id = _optional_int(data.get("bt_unit_id"), "bt_unit_id")
    if visibility and visibility not in VISIBILITY:
        raise Unprocessable("Validation failed: Visibility is not included in the list")
    if unit_id is not None and visibility in {"", "private"}:
        return "unit", False, unit_id
    if not visibility:
        return None, False, None
    audience, unlisted = VISIBILITY[visibility]
    return audience, unlisted, None


class StatusCreate(MastodonView):
    """``POST /api/v1/statuses`` posts; ``GET /api/v1/statuses?id[]=…`` (Mastodon 4.3) reads several
    posts at once, those the caller may not see left out as if they did not exist."""

    scopes = {"GET": "read:statuses", "POST": "write:statuses"}

    def get(self, request: Request) -> HttpResponse:
        from posts.selectors import MAX_IDS, posts_by_ids

        ids = id_list(request, "id")
        if len(ids) > MAX_IDS:
            raise Unprocessable(f"Validation failed: At most {MAX_IDS} ids at once")
        return json_response(Entities(request, self.viewer).statuses(posts_by_ids(self.viewer, ids)))

    def post(self, request: Request) -> HttpResponse:
        from posts.services import post_create

        data = request.data
        fields = _post_fields(data)
        if data.get("scheduled_at"):
            return self._schedule(request, fields)
        post = post_create(
            author=self.employee, idempotency_key=request.headers.get("Idempotency-Key") or None, **fields
        )
        return json_response(Entities(request, self.viewer).status(post))

    def _schedule(self, request: Request, fields: dict[str, Any]) -> HttpResponse:
        """With ``scheduled_at``: a ScheduledStatus, published at that time (``posts.tasks``)."""
        from api.mastodon.scheduled import render_scheduled, scheduled_at
        from posts.services import scheduled_post_create

        data = request.data
        scheduled = scheduled_post_create(
            author=self.employee,
            scheduled_at=scheduled_at(data.get("scheduled_at")),
            visibility=str(data.get("visibility") or ""),
            **fields,
        )
        return json_response(render_scheduled(Entities(request, self.viewer), [scheduled])[0])


def _post_fields(data: Any) -> dict[str, Any]:
    """A new post's fields as ``post_create`` and ``scheduled_post_create`` both take them."""
    audience, unlisted, unit_id = _audience(data)
    return {
        "text": str(data.get("status") or ""),
        "audience": audience,
        "unlisted": unlisted,
        "unit_id": unit_id,
        "min_rank": _optional_int(data.get("bt_min_rank"), "bt_min_rank"),
        "in_reply_to_id": _optional_int(data.get("in_reply_to_id"), "in_reply_to_id"),
        "spoiler_text": str(data.get("spoiler_text") or ""),
        "sensitive": flag(data.get("sensitive")),
        "language": str(data.get("language") or "")[:8],
        "media_ids": _media_ids(data),
        "poll": _poll_spec(data),
    }


class StatusDetail(MastodonView):
    scopes = {"GET": "read:statuses", "PUT": "write:statuses", "DELETE": "write:statuses"}

    def get(self, request: Request, status_id: str) -> HttpResponse:
        return json_response(Entities(request, self.viewer).status(access_post(self.viewer, status_id)))

    def put(self, request: Request, status_id: str) -> HttpResponse:
        from posts.services import post_edit

        data = request.data
        post = post_edit(
            post=access_post(self.viewer, status_id),
            editor=self.employee,
            text=str(data.get("status") or ""),
            spoiler_text=str(data.get("spoiler_text") or ""),
            sensitive=flag(data.get("sensitive")),
            media_ids=_media_ids(data),
            poll=_poll_spec(data),
        )
        return json_response(Entities(request, self.viewer).status(post))

    def delete(self, request: Request, status_id: str) -> HttpResponse:
        from posts.services import post_delete

        post = access_post(self.viewer, status_id)
        # Rendered before deleting: the answer carries the text for "delete & redraft".
        rendered = Entities(request, self.viewer).status(post)
        rendered["text"] = post.text
        post_delete(post=post, actor=self.employee)
        return json_response(rendered)


class StatusContext(MastodonView):
    scopes = {"GET": "read:statuses"}

    def get(self, request: Request, status_id: str) -> HttpResponse:
        from posts.selectors import status_context

        ancestors, descendants = status_context(self.viewer, access_post(self.viewer, status_id))
        entities = Entities(request, self.viewer)
        rendered = entities.statuses(list(ancestors) + list(descendants))

        def shown(posts: list[Any], statuses: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [s for p, s in zip(posts, statuses, strict=True) if not entities.hidden_in("thread", p.pk)]

        return json_response(
            {
                "ancestors": shown(list(ancestors), rendered[: len(ancestors)]),
                "descendants": shown(list(descendants), rendered[len(ancestors) :]),
            }
        )


class _Reaction(MastodonView):
    def post(self, request: Request, status_id: str) -> HttpResponse:
        post = access_post(self.viewer, status_id)
        answer = self.act(post)
        return json_response(Entities(request, self.viewer).status(answer or post))

    def act(self, post: Any) -> Any:
        raise NotImplementedError


class Favourite(_Reaction):
    scopes = {"POST": "write:favourites"}

    def act(self, post: Any) -> Any:
        from posts.services import favourite_add

        favourite_add(post=post.reblog_of if post.reblog_of_id else post, employee=self.employee)
        return post.reblog_of if post.reblog_of_id else post


class Unfavourite(_Reaction):
    scopes = {"POST": "write:favourites"}

    def act(self, post: Any) -> Any:
        from posts.services import favourite_remove

        favourite_remove(post=post.reblog_of if post.reblog_of_id else post, employee=self.employee)
        return post.reblog_of if post.reblog_of_id else post


class Reblog(_Reaction):
    scopes = {"POST": "write:statuses"}

    def act(self, post: Any) -> Any:
        from posts.services import post_reblog

        return post_reblog(post=post, actor=self.employee)


class Unreblog(_Reaction):
    scopes = {"POST": "write:statuses"}

    def act(self, post: Any) -> Any:
        from posts.services import post_unreblog

        return post_unreblog(post=post, actor=self.employee)


class Bookmark(_Reaction):
    scopes = {"POST": "write:bookmarks"}

    def act(self, post: Any) -> Any:
        from posts.services import bookmark_add

        target = post.reblog_of if post.reblog_of_id else post
        bookmark_add(post=target, employee=self.employee)
        return target


class Unbookmark(_Reaction):
    scopes = {"POST": "write:bookmarks"}

    def act(self, post: Any) -> Any:
        from posts.services import bookmark_remove

        target = post.reblog_of if post.reblog_of_id else post
        bookmark_remove(post=target, employee=self.employee)
        return target


class Pin(_Reaction):
    """Pin one's own post to one's profile (``pinned=true`` on the account's statuses lists them)."""

    scopes = {"POST": "write:accounts"}

    def act(self, post: Any) -> Any:
        from posts.services import pin_add

        pin_add(post=post, employee=self.employee)
        return post


class Unpin(_Reaction):
    scopes = {"POST": "write:accounts"}

    def act(self, post: Any) -> Any:
        from posts.services import pin_remove

        pin_remove(post=post, employee=self.employee)
        return post


class MuteConversation(_Reaction):
    """No more notifications from the conversation the post is in; its statuses say ``muted``."""

    scopes = {"POST": "write:mutes"}

    def act(self, post: Any) -> Any:
        from posts.services import conversation_mute

        conversation_mute(post=post, employee=self.employee)
        return post


class UnmuteConversation(_Reaction):
    scopes = {"POST": "write:mutes"}

    def act(self, post: Any) -> Any:
        from posts.services import conversation_unmute

        conversation_unmute(post=post, employee=self.employee)
        return post


class FavouritedBy(MastodonView):
    scopes = {"GET": "read:accounts"}

    def get(self, request: Request, status_id: str) -> HttpResponse:
        from posts.selectors import favourited_by

        result = favourited_by(self.viewer, status_id, self.page())
        return paged_result(self, result, Entities(request, self.viewer).accounts)


class RebloggedBy(MastodonView):
    scopes = {"GET": "read:accounts"}

    def get(self, request: Request, status_id: str) -> HttpResponse:
        from posts.selectors import reblogged_by

        result = reblogged_by(self.viewer, status_id, self.page())
        return paged_result(self, result, Entities(request, self.viewer).accounts)


class History(MastodonView):
    scopes = {"GET": "read:statuses"}

    def get(self, request: Request, status_id: str) -> HttpResponse:
        from posts.selectors import edit_history

        post = access_post(self.viewer, status_id)
        edits = edit_history(self.viewer, post.pk)
        entities = Entities(request, self.viewer)
        account = entities.account(post.author)
        return json_response(
            [
                {
                    "content": e.content_html,
                    "spoiler_text": e.spoiler_text,
                    "sensitive": e.sensitive,
                    "created_at": iso(e.created_at),
                    "account": account,
                    "media_attachments": [_edit_media(entities, m) for m in e.media],
                    "emojis": [],
                    **(
                        {"poll": {"options": [{"title": t} for t in e.poll.get("options", [])]}}
                        if e.poll
                        else {}
                    ),
                }
                for e in edits
            ]
        )


def _edit_media(entities: Entities, m: dict[str, Any]) -> dict[str, Any]:
    from django.core.files.storage import default_storage

    file = entities.base + default_storage.url(m["file"]) if m.get("file") else None
    preview = entities.base + default_storage.url(m["preview"]) if m.get("preview") else file
    return {
        "id": str(m.get("id")),
        "type": "image",
        "url": file,
        "preview_url": preview,
        "description": m.get("description") or None,
        "meta": {},
    }


class Source(MastodonView):
    scopes = {"GET": "read:statuses"}

    def get(self, request: Request, status_id: str) -> HttpResponse:
        post = access_post(self.viewer, status_id)
        return json_response({"id": str(post.pk), "text": post.text, "spoiler_text": post.spoiler_text})
