"""``/api/v1/lists``: an employee's own lists of colleagues."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView, Unprocessable, flag, id_list, json_response
from api.entities import Entities
from api.paging import paged_result

REPLIES_POLICIES = {"followed", "list", "none"}


def list_entity(lst: Any) -> dict[str, Any]:
    return {
        "id": str(lst.pk),
        "title": lst.title,
        "replies_policy": lst.replies_policy,
        "exclusive": bool(getattr(lst, "exclusive", False)),
    }


def _policy(value: Any, default: str | None) -> str | None:
    if value in (None, ""):
        return default
    if value not in REPLIES_POLICIES:
        raise Unprocessable("Validation failed: Replies policy is not included in the list")
    return str(value)


def _ids(request: Request) -> list[int]:
    try:
        return [int(v) for v in id_list(request, "account_ids")]
    except ValueError:
        raise Unprocessable("Validation failed: account_ids must be ids") from None


class Lists(MastodonView):
    scopes = {"GET": "read:lists", "POST": "write:lists"}

    def get(self, request: Request) -> HttpResponse:
        from social.selectors import lists

        return json_response([list_entity(lst) for lst in lists(self.viewer)])

    def post(self, request: Request) -> HttpResponse:
        from social.services import list_create

        title = str(request.data.get("title") or "").strip()
        if not title:
            raise Unprocessable("Validation failed: Title can't be blank")
        lst = list_create(
            owner=self.employee,
            title=title,
            replies_policy=_policy(request.data.get("replies_policy"), "list") or "list",
            exclusive=flag(request.data.get("exclusive")),
        )
        return json_response(list_entity(lst))


class ListDetail(MastodonView):
    scopes = {"GET": "read:lists", "PUT": "write:lists", "DELETE": "write:lists"}

    def get(self, request: Request, list_id: str) -> HttpResponse:
        from social.selectors import list_get

        return json_response(list_entity(list_get(self.viewer, list_id)))

    def put(self, request: Request, list_id: str) -> HttpResponse:
        from social.selectors import list_get
        from social.services import list_update

        data = request.data
        changes: dict[str, Any] = {}
        if data.get("title") is not None:
            title = str(data.get("title")).strip()
            if not title:
                raise Unprocessable("Validation failed: Title can't be blank")
            changes["title"] = title
        policy = _policy(data.get("replies_policy"), None)
        if policy is not None:
            changes["replies_policy"] = policy
        if data.get("exclusive") is not None:
            changes["exclusive"] = flag(data.get("exclusive"))
        lst = list_update(lst=list_get(self.viewer, list_id), owner=self.employee, **changes)
        return json_response(list_entity(lst))

    def delete(self, request: Request, list_id: str) -> HttpResponse:
        from social.selectors import list_get
        from social.services import list_delete

        list_delete(lst=list_get(self.viewer, list_id), owner=self.employee)
        return json_response({})


class ListAccounts(MastodonView):
    scopes = {"GET": "read:lists", "POST": "write:lists", "DELETE": "write:lists"}

    def get(self, request: Request, list_id: str) -> HttpResponse:
        from social.selectors import list_accounts

        result = list_accounts(self.viewer, list_id, self.page(default=40, maximum=80))
        return paged_result(self, result, Entities(request, self.viewer).accounts)

    def post(self, request: Request, list_id: str) -> HttpResponse:
        from social.selectors import list_get
        from social.services import list_accounts_add

        list_accounts_add(lst=list_get(self.viewer, list_id), owner=self.employee, account_ids=_ids(request))
        return json_response({})

    def delete(self, request: Request, list_id: str) -> HttpResponse:
        from social.selectors import list_get
        from social.services import list_accounts_remove

        list_accounts_remove(
            lst=list_get(self.viewer, list_id), owner=self.employee, account_ids=_ids(request)
        )
        return json_response({})
