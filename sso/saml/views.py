"""The SAML endpoints an IdP and a browser talk to. Thin: parse, call one service, answer."""

from __future__ import annotations

import logging

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sso.saml import services
from sso.saml.errors import SamlRefused
from sso.saml.sp import saml_settings

log = logging.getLogger(__name__)

# Sessions record a backend; ours is the only one configured (its password check is not used here).
SESSION_BACKEND = "directory.auth.UsernameOrEmailBackend"
SESSION_NAME_ID = "saml_name_id"
SESSION_INDEX = "saml_session_index"


def _refused(request: HttpRequest, exc: SamlRefused, *, status: int = 403) -> HttpResponse:
    log.warning("saml refused: %s", exc.reason)
    return render(request, "sso/saml/error.html", {"message": exc.message}, status=status)


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    settings = saml_settings(services.saml_sp_ensure())
    xml = settings.get_sp_metadata()
    return HttpResponse(xml, content_type="application/samlmetadata+xml")


@require_GET
def login_start(request: HttpRequest) -> HttpResponse:
    try:
        url = services.saml_login_start(next_path=request.GET.get("next"))
    except SamlRefused as exc:
        return _refused(request, exc, status=404)
    return HttpResponseRedirect(url)


@csrf_exempt  # the IdP's form post is cross-site by design; the signed assertion is the proof
@require_POST
def acs(request: HttpRequest) -> HttpResponse:
    saml_response = request.POST.get("SAMLResponse", "")
    if not saml_response:
        return _refused(request, SamlRefused("No SAML response was posted."), status=400)
    try:
        signed_in = services.saml_sign_in(
            saml_response=saml_response, relay_state=request.POST.get("RelayState")
        )
    except SamlRefused as exc:
        return _refused(request, exc)
    login(request, signed_in.employee, backend=SESSION_BACKEND)
    request.session[SESSION_NAME_ID] = signed_in.name_id
    request.session[SESSION_INDEX] = signed_in.session_index
    request.session.save()
    services.saml_session_opened(
        session_key=str(request.session.session_key),
        employee=signed_in.employee,
        name_id=signed_in.name_id,
        session_index=signed_in.session_index,
    )
    return HttpResponseRedirect(signed_in.next_path)


@require_http_methods(["GET", "POST"])
def sls(request: HttpRequest) -> HttpResponse:
    """GET: the IdP's LogoutRequest (IdP-initiated) or LogoutResponse (our logout's answer).
    POST: this site's own "sign out everywhere" (CSRF-protected), which starts SP-initiated logout."""
    if request.method == "POST":
        name_id = request.session.get(SESSION_NAME_ID)
        session_index = request.session.get(SESSION_INDEX, "")
        services.saml_session_closed(session_key=request.session.session_key)
        logout(request)
        url = services.saml_logout_start(name_id=name_id, session_index=session_index) if name_id else None
        return HttpResponseRedirect(url or reverse("web:login"))
    query = request.META.get("QUERY_STRING", "")
    get_data = {k: request.GET[k] for k in request.GET}
    try:
        if "SAMLRequest" in get_data:
            return HttpResponseRedirect(services.saml_logout_requested(get_data=get_data, query_string=query))
        if "SAMLResponse" in get_data:
            services.saml_logout_answer(get_data=get_data, query_string=query)
            return HttpResponseRedirect(reverse("web:login"))
    except SamlRefused as exc:
        return _refused(request, exc)
    return _refused(request, SamlRefused("No SAML logout message was sent."), status=400)
