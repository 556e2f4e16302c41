"""Console pages for the integrations an admin connects: single sign-on (SAML), SCIM tokens, billing.

Thin views over sso.saml, sso.scim and billing services, in the console's pattern (``admin_view``,
CSRF, errors re-render the page with status 422 and save nothing). A plan that lacks a feature is
refused by the service (``ActionRefused``, rule ``plan_feature``); the page says so instead of a 403.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

import policy as policy_engine
from audit.services import client_ip
from billing import gateway
from billing import selectors as billing_selectors
from billing import services as billing
from directory.models import Employee
from frontend.console.views import _done, _page_render, _viewer, admin_view
from sso.saml import services as saml
from sso.saml.errors import SamlConfigInvalid
from sso.saml.selectors import saml_config_entity
from sso.saml.sp import sp_urls
from sso.scim import selectors as scim_selectors
from sso.scim import services as scim

_SAML_FLAGS = ("enabled", "sso_only", "jit_provisioning", "allow_idp_initiated")


def _refusal(exc: policy_engine.ActionRefused) -> str:
    if getattr(exc, "rule", "") == "plan_feature":
        return _("%(reason)s Change the plan on the Billing page to use it.") % {"reason": str(exc)}
    return str(exc)


# -- single sign-on --------------------------------------------------------------------------------


@admin_view
@require_http_methods(["GET", "POST"])
def saml_page(request: HttpRequest, admin: Employee) -> HttpResponse:
    error = ""
    config = saml_config_entity(saml.saml_sp_ensure())
    if request.method == "POST":
        p = request.POST
        changes: dict[str, Any] = {name: bool(p.get(name)) for name in _SAML_FLAGS}
        changes["idp_metadata_xml"] = p.get("idp_metadata_xml", "")
        changes["idp_metadata_url"] = p.get("idp_metadata_url", "")
        # A URL fetches the metadata afresh; the pasted XML is used only when no URL is given.
        if changes["idp_metadata_url"].strip():
            changes.pop("idp_metadata_xml")
        changes["idp_name"] = p.get("idp_name", "")
        changes["allowed_email_domains"] = p.get("allowed_email_domains", "").replace(",", " ").split()
        try:
            saml.saml_config_update(**changes)
            return _done(request, _("Single sign-on settings saved."), "web:console:sso")
        except SamlConfigInvalid as exc:
            error = exc.message
        except policy_engine.ActionRefused as exc:
            error = _refusal(exc)
        config = {**config, **changes, "idp_metadata_xml": p.get("idp_metadata_xml", "")}
    config["domains_text"] = " ".join(config["allowed_email_domains"])
    return _page_render(
        request,
        "console/sso.html",
        {"title": _("Single sign-on"), "c": config, "error": error},
        status=422 if error else 200,
    )


# -- SCIM tokens -----------------------------------------------------------------------------------


def _scim_base() -> str:
    return sp_urls().base + "/scim/v2/"


@admin_view
@require_http_methods(["GET", "POST"])
def scim_page(request: HttpRequest, admin: Employee) -> HttpResponse:
    error = ""
    secret = ""
    if request.method == "POST":
        try:
            _token, secret = scim.scim_token_create(name=request.POST.get("name", ""), actor=admin)
        except policy_engine.ActionRefused as exc:
            error = _refusal(exc)
    return _page_render(
        request,
        "console/scim.html",
        {
            "title": _("SCIM provisioning"),
            "tokens": list(scim_selectors.scim_token_list(_viewer(request))),
            "base_url": _scim_base(),
            # Shown in this answer only: the server keeps a hash, and a reload does not bring it back.
            "secret": secret,
            "error": error,
        },
        status=422 if error else (201 if secret else 200),
    )


@admin_view
@require_POST
def scim_token_revoke(request: HttpRequest, admin: Employee, token_id: int) -> HttpResponse:
    token = scim_selectors.scim_token_list(_viewer(request)).filter(pk=token_id).first()
    if token is None:
        raise Http404("Not found")
    scim.scim_token_revoke(token=token, actor=admin)
    return _done(request, _("Token revoked."), "web:console:scim")


# -- billing ---------------------------------------------------------------------------------------


def _billing_render(request: HttpRequest, error: str = "") -> HttpResponse:
    tenant = connection.tenant  # type: ignore[attr-defined]  # set by the host middleware
    overview = billing_selectors.billing_overview(_viewer(request), tenant=tenant)
    return _page_render(
        request,
        "console/billing.html",
        {"title": _("Billing"), "b": overview, "error": error, "form": request.POST},
        status=422 if error else 200,
    )


@admin_view
def billing_page(request: HttpRequest, admin: Employee) -> HttpResponse:
    return _billing_render(request)


@admin_view
@require_POST
def billing_subscription(request: HttpRequest, admin: Employee) -> HttpResponse:
    tenant = connection.tenant  # type: ignore[attr-defined]
    actor = billing.Actor.admin(admin, ip=client_ip(request))
    try:
        if request.POST.get("cancel"):
            billing.subscription_cancel(tenant=tenant, actor=actor)
            return _done(
                request, _("The subscription will end at the end of the period."), "web:console:billing"
            )
        plan = request.POST.get("plan", "").strip()
        if not plan:
            return _billing_render(request, _("Choose a plan."))
        billing.subscription_start_or_change(
            tenant=tenant,
            plan_code=plan,
            payment_method=request.POST.get("payment_method", "").strip() or None,
            actor=actor,
        )
    except (billing.BillingInvalid, gateway.PaymentRefused, gateway.GatewayUnavailable) as exc:
        return _billing_render(request, str(exc))
    return _done(request, _("Subscription updated."), "web:console:billing")
