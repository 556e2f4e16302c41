"""The web app's response policy: the employee's language and time zone, and a strict
Content-Security-Policy.

One middleware, placed after authentication (it needs ``request.user``), for reasons that share its
position: the language and the time zone are the employee's own (``Employee.locale``,
``Employee.time_zone``), else the company's, never the browser's guess; and every HTML page forbids
inline script, framing and foreign origins.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from common.zones import zone
from directory.services import SETTINGS_CACHE_SECONDS, company_basics

SUPPORTED = {"ko", "en"}
# Interfaces for programs rather than people (the Mastodon and BizTweet APIs, Twitter v1.1, SCIM).
MACHINE_PATHS = ("/api/", "/1.1/", "/scim/")

# No 'unsafe-inline' anywhere: pages load their behaviour from /static/ only, and style attributes
# are not used. img-src allows blob: for the composer's local previews of chosen photos.
_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
# OAuth consent posts a form whose answer redirects to the app's own redirect URI (another origin or
# a custom scheme); form-action would make browsers block that redirect, so it is left off there.
_FORM_ACTION = "; form-action 'self'"


def content_security_policy(path: str) -> str:
    return _CSP if path.startswith("/oauth/") else _CSP + _FORM_ACTION


def preferred_language(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    own = getattr(user, "locale", "") if user is not None and user.is_authenticated else ""
    if own in SUPPORTED:
        return own
    return company_language(request)


# Every page for someone without a language of their own (and every signed-out page) needs the
# company's: read from ``directory.services.company_basics``, which each process trusts for
# ``LANGUAGE_CACHE_SECONDS`` (a change shows at once in the process that saved it).
LANGUAGE_CACHE_SECONDS = SETTINGS_CACHE_SECONDS


def company_language(request: HttpRequest) -> str:
    tenant = getattr(request, "tenant", None)
    if tenant is None or getattr(tenant, "schema_name", "public") == "public":
        return translation.get_language() or "ko"
    # The company's setting (editable by its admins) wins over the locale it was onboarded with.
    locale = company_basics().locale
    if locale in SUPPORTED:
        return locale
    fallback = getattr(tenant, "locale", "")
    return fallback if fallback in SUPPORTED else "ko"


def preferred_time_zone(request: HttpRequest) -> str:
    """The zone a page shows times in and reads typed times in: the employee's own, else the
    company's (``CompanySettings.time_zone``), else the server's ``TIME_ZONE``."""
    user = getattr(request, "user", None)
    own = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
    if own:
        return str(own)
    tenant = getattr(request, "tenant", None)
    if tenant is None or getattr(tenant, "schema_name", "public") == "public":
        return timezone.get_default_timezone_name()
    return company_basics().time_zone


class WebMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone_name = ""
        if getattr(request, "tenant", None) is not None:
            if not request.path.startswith(MACHINE_PATHS):
                language = preferred_language(request)
                zone_name = preferred_time_zone(request)
            else:
                # Programs (Mastodon apps, scripts, IdPs' SCIM clients) get their Accept-Language, else
                # English: messages of the API are a contract, not the company's default UI language.
                language = request.LANGUAGE_CODE if request.META.get("HTTP_ACCEPT_LANGUAGE") else "en"
            translation.activate(language)
            request.LANGUAGE_CODE = language
        if zone_name:
            # For this request only: a thread serves many people, each in their own zone. The APIs
            # speak UTC and keep the server's zone.
            timezone.activate(zone(zone_name))
            try:
                response = self.get_response(request)
            finally:
                timezone.deactivate()
        else:
            response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.setdefault("Content-Security-Policy", content_security_policy(request.path))
            response.setdefault("X-Frame-Options", "DENY")
            response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
            response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
