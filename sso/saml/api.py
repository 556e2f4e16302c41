"""``GET|PUT /api/bt/v1/admin/sso/saml`` (API.md): a tenant admin connects the company's IdP."""

from __future__ import annotations

from typing import Any, ClassVar

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView, Unprocessable, flag, json_response
from policy import ActionRefused
from sso.saml import services
from sso.saml.errors import SamlConfigInvalid
from sso.saml.selectors import saml_config_entity

_FLAGS = ("enabled", "sso_only", "jit_provisioning", "allow_idp_initiated")
_TEXTS = ("idp_metadata_xml", "idp_metadata_url", "idp_name")


class SamlAdmin(MastodonView):
    scopes: ClassVar[dict[str, str]] = {"GET": "admin:read", "PUT": "admin:write"}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        employee = self.viewer.employee
        if employee is None or not employee.is_admin:
            raise ActionRefused("Only administrators can manage single sign-on.", rule="admin_only")

    def get(self, request: Request) -> HttpResponse:
        return json_response(saml_config_entity(services.saml_sp_ensure()))

    def put(self, request: Request) -> HttpResponse:
        data = self.data()
        if not hasattr(data, "get"):
            raise Unprocessable("Send a JSON object")
        changes: dict[str, Any] = {}
        for name in _FLAGS:
            if name in data:
                changes[name] = flag(data.get(name))
        for name in _TEXTS:
            if name in data:
                value = data.get(name)
                if value is not None and not isinstance(value, str):
                    raise Unprocessable(f"{name}: give a string")
                changes[name] = value or ""
        for name in ("allowed_email_domains", "attribute_map"):
            if name in data:
                changes[name] = data[name] if isinstance(data, dict) else data.getlist(name)
        try:
            config = services.saml_config_update(**changes)
        except SamlConfigInvalid as exc:
            raise Unprocessable(exc.message) from exc
        return json_response(saml_config_entity(config))
