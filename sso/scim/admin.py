"""The tenant admin's SCIM tokens: ``/api/bt/v1/admin/scim/tokens`` (mint, list, revoke)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from rest_framework.request import Request

from api.base import Forbidden, MastodonView, json_response
from sso.scim import selectors, services
from sso.scim.models import ScimToken


def _token(token: ScimToken) -> dict[str, Any]:
    return {
        "id": str(token.pk),
        "name": token.name,
        "hint": token.hint,
        "created_at": token.created_at.isoformat().replace("+00:00", "Z"),
        "last_used_at": token.last_used_at.isoformat().replace("+00:00", "Z") if token.last_used_at else None,
        "created_by": str(token.created_by_id) if token.created_by_id else None,
    }


class _AdminView(MastodonView):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method != "OPTIONS" and not (self.employee is not None and self.employee.is_admin):
            raise Forbidden("Only the company's administrators can manage SCIM tokens")


class ScimTokens(_AdminView):
    scopes = {"GET": "admin:read", "POST": "admin:write"}

    def get(self, request: Request) -> HttpResponse:
        return json_response([_token(t) for t in selectors.scim_token_list(self.viewer)])

    def post(self, request: Request) -> HttpResponse:
        name = str(self.data().get("name") or "")
        token, secret = services.scim_token_create(name=name, actor=self.employee)
        # The secret is in this answer only; the server keeps a hash.
        return json_response({**_token(token), "token": secret}, status=201)


class ScimTokenDetail(_AdminView):
    scopes = {"DELETE": "admin:write"}

    def delete(self, request: Request, pk: str) -> HttpResponse:
        token = selectors.scim_token_list(self.viewer).filter(pk=int(pk)).first()
        if token is None:
            raise Http404
        services.scim_token_revoke(token=token, actor=self.employee)
        return json_response({})
