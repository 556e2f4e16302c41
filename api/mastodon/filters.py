"""``/api/v2/filters`` (keyword filters with their keywords and posts) and the older ``/api/v1/filters``,
where each filter is one keyword, as Mastodon 4 still serves it for older apps."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView, flag, json_response
from api.entities import filter_entity, filter_keyword, filter_status, filter_v1

_NESTED = re.compile(r"^keywords_attributes\[(\d*)\]\[(\w+)\]$")


def _strings(data: Any, name: str) -> list[str] | None:
    """``name[]=…`` repeated (form) or a JSON array (or one string); None when absent."""
    if hasattr(data, "getlist"):
        if f"{name}[]" not in data and name not in data:
            return None
        return [str(v) for v in (data.getlist(f"{name}[]") or data.getlist(name))]
    value = data.get(name, data.get(f"{name}[]"))
    if value is None:
        return None
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _keyword_changes(data: Any) -> list[Any]:
    """Mastodon's ``keywords_attributes``: a JSON array of objects, or Rails' nested form fields, either
    ``keywords_attributes[][keyword]=…`` (the n-th of each field makes the n-th item) or indexed
    ``keywords_attributes[0][keyword]=…``."""
    from filters.services import KeywordChange

    items: list[dict[str, Any]]
    if hasattr(data, "getlist"):
        indexed: dict[str, dict[str, Any]] = {}
        positional: dict[str, list[Any]] = {}
        for key in data:
            if (m := _NESTED.match(key)) is None:
                continue
            index, field = m.groups()
            if index:
                indexed.setdefault(index, {})[field] = data.get(key)
            else:
                positional[field] = data.getlist(key)
        count = max((len(v) for v in positional.values()), default=0)
        items = [{f: v[i] for f, v in positional.items() if i < len(v)} for i in range(count)]
        items += [indexed[i] for i in sorted(indexed, key=int)]
    else:
        raw = data.get("keywords_attributes") or []
        if isinstance(raw, dict):  # {"0": {...}, "1": {...}}, as Rails also reads
            raw = [raw[k] for k in sorted(raw, key=lambda k: int(k) if str(k).isdigit() else 0)]
        items = [i for i in raw if isinstance(i, dict)]
    changes = []
    for item in items:
        raw_id = item.get("id")
        changes.append(
            KeywordChange(
                keyword=None if item.get("keyword") is None else str(item["keyword"]),
                whole_word=None if item.get("whole_word") in (None, "") else flag(item["whole_word"]),
                id=int(raw_id) if raw_id not in (None, "") and str(raw_id).isdigit() else None,
                destroy=flag(item.get("_destroy")),
            )
        )
    return changes


def _text(data: Any, name: str) -> str | None:
    value = data.get(name)
    return None if value is None else str(value)


def _reloaded(filter_id: int, viewer: Any) -> Any:
    from filters.selectors import filter_get

    return filter_get(viewer, filter_id, with_rules=True)


class FiltersV2(MastodonView):
    scopes = {"GET": "read:filters", "POST": "write:filters"}

    def get(self, request: Request) -> HttpResponse:
        from filters.selectors import filter_list

        return json_response([filter_entity(f) for f in filter_list(self.viewer)])

    def post(self, request: Request) -> HttpResponse:
        from filters.services import filter_create

        data = request.data
        created = filter_create(
            owner=self.employee,
            title=_text(data, "title") or "",
            contexts=_strings(data, "context") or [],
            action=_text(data, "filter_action"),
            expires_in=data.get("expires_in"),
            keywords=_keyword_changes(data),
        )
        return json_response(filter_entity(_reloaded(created.pk, self.viewer)))


class FilterDetailV2(MastodonView):
    scopes = {"GET": "read:filters", "PUT": "write:filters", "DELETE": "write:filters"}

    def get(self, request: Request, filter_id: str) -> HttpResponse:
        from filters.selectors import filter_get

        return json_response(filter_entity(filter_get(self.viewer, filter_id, with_rules=True)))

    def put(self, request: Request, filter_id: str) -> HttpResponse:
        from filters.selectors import filter_get
        from filters.services import UNSET, filter_update

        data = request.data
        found = filter_get(self.viewer, filter_id)
        filter_update(
            filter=found,
            owner=self.employee,
            title=_text(data, "title"),
            contexts=_strings(data, "context"),
            action=_text(data, "filter_action"),
            expires_in=data.get("expires_in") if "expires_in" in data else UNSET,
            keywords=_keyword_changes(data),
        )
        return json_response(filter_entity(_reloaded(found.pk, self.viewer)))

    def delete(self, request: Request, filter_id: str) -> HttpResponse:
        from filters.selectors import filter_get
        from filters.services import filter_delete

        filter_delete(filter=filter_get(self.viewer, filter_id), owner=self.employee)
        return json_response({})


class FilterKeywords(MastodonView):
    scopes = {"GET": "read:filters", "POST": "write:filters"}

    def get(self, request: Request, filter_id: str) -> HttpResponse:
        from filters.selectors import filter_get

        found = filter_get(self.viewer, filter_id)
        return json_response([filter_keyword(k) for k in found.keywords.order_by("id")])

    def post(self, request: Request, filter_id: str) -> HttpResponse:
        from filters.selectors import filter_get
        from filters.services import filter_keyword_add

        created = filter_keyword_add(
            filter=filter_get(self.viewer, filter_id),
            owner=self.employee,
            keyword=_text(request.data, "keyword") or "",
            whole_word=flag(request.data.get("whole_word"), default=True),
        )
        return json_response(filter_keyword(created))


class FilterKeywordDetail(MastodonView):
    scopes = {"GET": "read:filters", "PUT": "write:filters", "DELETE": "write:filters"}

    def get(self, request: Request, keyword_id: str) -> HttpResponse:
        from filters.selectors import filter_keyword_get

        return json_response(filter_keyword(filter_keyword_get(self.viewer, keyword_id)))

    def put(self, request: Request, keyword_id: str) -> HttpResponse:
        from filters.selectors import filter_keyword_get
        from filters.services import filter_keyword_update

        whole_word = request.data.get("whole_word")
        updated = filter_keyword_update(
            keyword=filter_keyword_get(self.viewer, keyword_id),
            owner=self.employee,
            text=_text(request.data, "keyword"),
            whole_word=None if whole_word in (None, "") else flag(whole_word),
        )
        return json_response(filter_keyword(updated))

    def delete(self, request: Request, keyword_id: str) -> HttpResponse:
        from filters.selectors import filter_keyword_get
        from filters.services import filter_keyword_remove

        filter_keyword_remove(keyword=filter_keyword_get(self.viewer, keyword_id), owner=self.employee)
        return json_response({})


class FilterStatuses(MastodonView):
    scopes = {"GET": "read:filters", "POST": "write:filters"}

    def get(self, request: Request, filter_id: str) -> HttpResponse:
        from filters.selectors import filter_get

        found = filter_get(self.viewer, filter_id)
        return json_response([filter_status(s) for s in found.statuses.order_by("id")])

    def post(self, request: Request, filter_id: str) -> HttpResponse:
        from filters.selectors import filter_get
        from filters.services import filter_status_add
        from policy import access_post

        found = filter_get(self.viewer, filter_id)
        # A post the owner may not see is missing (404), exactly like one that does not exist.
        post = access_post(self.viewer, str(request.data.get("status_id") or ""))
        return json_response(filter_status(filter_status_add(filter=found, owner=self.employee, post=post)))


class FilterStatusDetail(MastodonView):
    scopes = {"GET": "read:filters", "DELETE": "write:filters"}

    def get(self, request: Request, status_id: str) -> HttpResponse:
        from filters.selectors import filter_status_get

        return json_response(filter_status(filter_status_get(self.viewer, status_id)))

    def delete(self, request: Request, status_id: str) -> HttpResponse:
        from filters.selectors import filter_status_get
        from filters.services import filter_status_remove

        filter_status_remove(status=filter_status_get(self.viewer, status_id), owner=self.employee)
        return json_response({})


# -- v1: one filter per keyword ---------------------------------------------------------------------


def _v1_fields(data: Any) -> dict[str, Any]:
    irreversible = data.get("irreversible")
    return {
        "phrase": _text(data, "phrase"),
        "contexts": _strings(data, "context"),
        "action": None if irreversible in (None, "") else ("hide" if flag(irreversible) else "warn"),
        "whole_word": None if data.get("whole_word") in (None, "") else flag(data.get("whole_word")),
    }


class FiltersV1(MastodonView):
    """Each keyword of each filter, as a V1::Filter known by the keyword's id."""

    scopes = {"GET": "read:filters", "POST": "write:filters"}

    def get(self, request: Request) -> HttpResponse:
        from filters.selectors import filter_list

        return json_response([filter_v1(f, k) for f in filter_list(self.viewer) for k in f.keywords.all()])

    def post(self, request: Request) -> HttpResponse:
        from filters.services import KeywordChange, filter_create

        fields = _v1_fields(request.data)
        phrase = fields["phrase"] or ""
        created = filter_create(
            owner=self.employee,
            title=phrase,
            contexts=fields["contexts"] or [],
            action=fields["action"],
            expires_in=request.data.get("expires_in"),
            keywords=[KeywordChange(keyword=phrase, whole_word=fields["whole_word"])],
        )
        keyword = created.keywords.get()
        return json_response(filter_v1(created, keyword))


class FilterDetailV1(MastodonView):
    scopes = {"GET": "read:filters", "PUT": "write:filters", "DELETE": "write:filters"}

    def get(self, request: Request, keyword_id: str) -> HttpResponse:
        from filters.selectors import filter_keyword_get

        keyword = filter_keyword_get(self.viewer, keyword_id)
        return json_response(filter_v1(keyword.filter, keyword))

    def put(self, request: Request, keyword_id: str) -> HttpResponse:
        from filters.selectors import filter_keyword_get
        from filters.services import UNSET, KeywordChange, filter_update

        keyword = filter_keyword_get(self.viewer, keyword_id)
        fields = _v1_fields(request.data)
        updated = filter_update(
            filter=keyword.filter,
            owner=self.employee,
            contexts=fields["contexts"],
            action=fields["action"],
            expires_in=request.data.get("expires_in") if "expires_in" in request.data else UNSET,
            keywords=[
                KeywordChange(id=keyword.pk, keyword=fields["phrase"], whole_word=fields["whole_word"])
            ],
        )
        keyword.refresh_from_db()
        return json_response(filter_v1(updated, keyword))

    def delete(self, request: Request, keyword_id: str) -> HttpResponse:
        """Removes the keyword, and its filter with it when it was the filter's last one."""
        from filters.selectors import filter_keyword_get
        from filters.services import filter_delete, filter_keyword_remove

        keyword = filter_keyword_get(self.viewer, keyword_id)
        if keyword.filter.keywords.count() == 1 and not keyword.filter.statuses.exists():
            filter_delete(filter=keyword.filter, owner=self.employee)
        else:
            filter_keyword_remove(keyword=keyword, owner=self.employee)
        return json_response({})
