"""Writes and protocol steps of the tenant's SAML service provider.

Sign-in (``saml_sign_in``) trusts nothing it has not checked, in this order: the RelayState is a
path on this site; the response answers a request we sent (or IdP-initiated sign-in is on); the
assertion is signed by the configured IdP with SHA-256 or better (python3-saml, strict mode); it is
addressed to this tenant's ACS and audience (our checks, stricter than the library's); it was never
used before (Redis, shared by all workers); its email is in a domain the tenant allows. Only then
is an employee looked up or provisioned.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import re
import socket
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants as C
from onelogin.saml2.errors import OneLogin_Saml2_Error, OneLogin_Saml2_ValidationError
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.logout_request import OneLogin_Saml2_Logout_Request
from onelogin.saml2.response import OneLogin_Saml2_Response

from billing.entitlements import require_feature
from directory.models import Employee, OrgUnit, Rank
from directory.services import employee_create, username_from_email
from sso.saml import state
from sso.saml.attributes import FIELDS, Identity, map_identity
from sso.saml.errors import SamlConfigInvalid, SamlRefused
from sso.saml.keys import generate_keypair
from sso.saml.models import SamlConfig, SamlSession
from sso.saml.sp import primary_domain, request_data, saml_settings, sp_urls

log = logging.getLogger(__name__)

METADATA_FETCH_TIMEOUT = 5
METADATA_MAX_BYTES = 1_000_000
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


# -- configuration -----------------------------------------------------------------------------


def saml_sp_ensure() -> SamlConfig:
    """The tenant's SAML row with its key pair, created on first use (the SP metadata is useful to an
    admin before anything else is configured)."""
    config = SamlConfig.objects.filter(id=1).first()
    if config is not None and config.sp_private_key:
        return config
    key_pem, cert_pem = generate_keypair(primary_domain())
    with transaction.atomic():
        config, _ = SamlConfig.objects.select_for_update().get_or_create(id=1)
        # Another worker may have won the race while we generated: keep its key, IdPs may have it.
        if not config.sp_private_key:
            config.sp_private_key, config.sp_certificate = key_pem, cert_pem
            config.save(update_fields=["sp_private_key", "sp_certificate", "updated_at"])
    return config


def _parse_idp_metadata(xml: str) -> dict[str, Any]:
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(
            xml, required_sso_binding=C.BINDING_HTTP_REDIRECT, required_slo_binding=C.BINDING_HTTP_REDIRECT
        )
    except Exception as exc:
        raise SamlConfigInvalid(f"idp_metadata_xml: not valid SAML metadata ({exc})") from exc
    idp = parsed.get("idp") or {}
    certs = list((idp.get("x509certMulti") or {}).get("signing") or [])
    if idp.get("x509cert"):
        certs.append(idp["x509cert"])
    if not idp.get("entityId"):
        raise SamlConfigInvalid("idp_metadata_xml: no IDPSSODescriptor with an entityID found")
    if not (idp.get("singleSignOnService") or {}).get("url"):
        raise SamlConfigInvalid("idp_metadata_xml: the IdP offers no SingleSignOnService with HTTP-Redirect")
    if not certs:
        raise SamlConfigInvalid("idp_metadata_xml: the IdP publishes no signing certificate")
    return {
        "idp_entity_id": idp["entityId"],
        "idp_sso_url": idp["singleSignOnService"]["url"],
        "idp_slo_url": (idp.get("singleLogoutService") or {}).get("url", ""),
        "idp_certificates": sorted(set(certs)),
    }


def _fetch_metadata(url: str) -> str:
    """The IdP's metadata, fetched once when an admin saves its URL (never during a sign-in).

    Only https, only public addresses (an admin's URL must not reach our internal network), a short
    timeout and a size cap.
    """
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise SamlConfigInvalid("idp_metadata_url: use an https:// URL")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except OSError as exc:
        raise SamlConfigInvalid(f"idp_metadata_url: cannot resolve {parts.hostname}") from exc
    if not addresses or not all(ipaddress.ip_address(a).is_global for a in addresses):
        raise SamlConfigInvalid("idp_metadata_url: the host must have a public address")
    try:
        with urllib.request.urlopen(url, timeout=METADATA_FETCH_TIMEOUT) as answer:  # noqa: S310 (https only)
            body = answer.read(METADATA_MAX_BYTES + 1)
    except OSError as exc:
        raise SamlConfigInvalid(f"idp_metadata_url: could not fetch the metadata ({exc})") from exc
    if len(body) > METADATA_MAX_BYTES:
        raise SamlConfigInvalid("idp_metadata_url: the metadata is larger than 1 MB")
    return body.decode("utf-8", errors="replace")


def _clean_domains(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(d, str) for d in value):
        raise SamlConfigInvalid("allowed_email_domains: give a list of domain names")
    domains = sorted({d.strip().lower().lstrip("@") for d in value if d.strip()})
    bad = [d for d in domains if not _DOMAIN_RE.match(d)]
    if bad:
        raise SamlConfigInvalid(f"allowed_email_domains: not a domain name: {', '.join(bad)}")
    return domains


def _clean_attribute_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise SamlConfigInvalid("attribute_map: give an object of field → IdP attribute name")
    unknown = sorted(set(value) - set(FIELDS))
    if unknown:
        raise SamlConfigInvalid(
            f"attribute_map: unknown fields {', '.join(unknown)} (known: {', '.join(FIELDS)})"
        )
    cleaned = {}
    for field, name in value.items():
        if name is None or name == "":
            continue
        if not isinstance(name, str) or len(name) > 300:
            raise SamlConfigInvalid(f"attribute_map.{field}: give the IdP attribute's name")
        cleaned[field] = name.strip()
    return cleaned


_UNSET: Any = object()


def saml_config_update(
    *,
    enabled: bool | None = None,
    idp_metadata_xml: str | None = None,
    idp_metadata_url: str | None = None,
    idp_name: str | None = None,
    sso_only: bool | None = None,
    jit_provisioning: bool | None = None,
    allow_idp_initiated: bool | None = None,
    allowed_email_domains: Any = _UNSET,
    attribute_map: Any = _UNSET,
) -> SamlConfig:
    """Change what is given, leave the rest. Raises SamlConfigInvalid and saves nothing when any
    part is wrong, including a combination that would lock everyone out (SSO-only without SSO).
    Turning SSO on needs a plan that includes it (policy.ActionRefused, 403)."""
    if enabled:
        require_feature("saml", gettext("Single sign-on"))
    config = saml_sp_ensure()
    if idp_metadata_url is not None:
        config.idp_metadata_url = idp_metadata_url.strip()
        if config.idp_metadata_url and idp_metadata_xml is None:
            idp_metadata_xml = _fetch_metadata(config.idp_metadata_url)
    if idp_metadata_xml is not None:
        if idp_metadata_xml.strip():
            for field, value in _parse_idp_metadata(idp_metadata_xml).items():
                setattr(config, field, value)
        else:
            config.idp_entity_id = config.idp_sso_url = config.idp_slo_url = ""
            config.idp_certificates = []
        config.idp_metadata_xml = idp_metadata_xml.strip()
    if idp_name is not None:
        config.idp_name = idp_name.strip()[:80]
    for field, value in (
        ("enabled", enabled),
        ("sso_only", sso_only),
        ("jit_provisioning", jit_provisioning),
        ("allow_idp_initiated", allow_idp_initiated),
    ):
        if value is not None:
            setattr(config, field, bool(value))
    if allowed_email_domains is not _UNSET:
        config.allowed_email_domains = _clean_domains(allowed_email_domains)
    if attribute_map is not _UNSET:
        config.attribute_map = _clean_attribute_map(attribute_map)

    if config.enabled and not config.idp_entity_id:
        raise SamlConfigInvalid("enabled: configure the identity provider's metadata first")
    if config.enabled and not config.allowed_email_domains:
        # Without it any email the IdP asserts would be accepted, including another company's.
        raise SamlConfigInvalid("allowed_email_domains: list at least one email domain before enabling SSO")
    if config.sso_only and not config.enabled:
        raise SamlConfigInvalid("sso_only: enable SAML sign-in first, or nobody could sign in")
    config.save()
    return config


# -- sign-in -----------------------------------------------------------------------------------


def safe_next(value: str | None) -> bool:
    """A relative path on this site: "/x", never "//evil", "https://evil" or "/\\evil"."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return False
    return url_has_allowed_host_and_scheme(value, allowed_hosts=set(), require_https=False)


def _active_config() -> SamlConfig:
    config = SamlConfig.objects.filter(id=1).first()
    if config is None or not config.enabled or not config.idp_entity_id:
        raise SamlRefused("Single sign-on is not set up for this company.")
    return config


def saml_login_start(*, next_path: str | None) -> str:
    """The IdP URL carrying a signed AuthnRequest; the request id is remembered for its answer."""
    config = _active_config()
    target = next_path if next_path and safe_next(next_path) else "/"
    auth = OneLogin_Saml2_Auth(request_data(reverse("sso_saml:login")), saml_settings(config))
    url = auth.login(return_to=target)
    state.request_remember(auth.get_last_request_id(), next_path=target)
    return str(url)


@dataclass(frozen=True)
class SignIn:
    employee: Employee
    next_path: str
    name_id: str
    session_index: str
    created: bool


_V = OneLogin_Saml2_ValidationError
_SHA1 = "The response is signed with SHA-1, which is refused."
_MESSAGES = {
    _V.NO_SIGNED_ASSERTION: "The identity provider's assertion is not signed.",
    _V.NO_SIGNATURE_FOUND: "The identity provider's response is not signed.",
    _V.INVALID_SIGNATURE: (
        "The response's signature is not valid: it was altered, or signed by a key this company's "
        "identity provider does not use."
    ),
    _V.ASSERTION_EXPIRED: "The sign-in response has expired. Please sign in again.",
    _V.ASSERTION_TOO_EARLY: "The sign-in response is not valid yet (check clocks).",
    _V.SESSION_EXPIRED: "The sign-in response has expired. Please sign in again.",
    _V.WRONG_AUDIENCE: "The response was issued for another service, not this company.",
    _V.WRONG_DESTINATION: "The response was addressed to another site.",
    _V.WRONG_SUBJECTCONFIRMATION: (
        "The response is not addressed to this company's sign-in address (Recipient), or has expired."
    ),
    _V.WRONG_NUMBER_OF_ASSERTIONS: "The response must carry exactly one assertion.",
    _V.WRONG_ISSUER: "The response comes from another identity provider.",
    _V.DEPRECATED_SIGNATURE_METHOD: _SHA1,
    _V.DEPRECATED_DIGEST_METHOD: _SHA1,
    _V.STATUS_CODE_IS_NOT_SUCCESS: "The identity provider did not sign you in.",
    _V.WRONG_INRESPONSETO: "The response does not answer this sign-in.",
}
_DEFAULT_MESSAGE = "The identity provider's response was refused."


def _refuse(exc: Exception) -> SamlRefused:
    code = getattr(exc, "code", None)
    return SamlRefused(_MESSAGES.get(code, _DEFAULT_MESSAGE), reason=str(exc))


def saml_sign_in(*, saml_response: str, relay_state: str | None) -> SignIn:
    """Check a response posted to our ACS and find (or provision) the employee it names."""
    config = _active_config()
    urls = sp_urls()
    if relay_state and not safe_next(relay_state):
        raise SamlRefused("The sign-in asked to continue on another site, so it was stopped.")
    try:
        response = OneLogin_Saml2_Response(saml_settings(config), saml_response)
    except Exception as exc:
        raise SamlRefused("The identity provider's response could not be read.", reason=str(exc)) from exc

    in_response_to = response.get_in_response_to()
    if in_response_to:
        pending = state.request_take(in_response_to)
        if pending is None:
            raise SamlRefused(
                "This response does not answer a sign-in started here, or was already used. "
                "Please sign in again."
            )
        next_path = pending.get("next") or "/"
    elif config.allow_idp_initiated:
        next_path = relay_state or "/"
    else:
        raise SamlRefused(
            "Sign-in started at the identity provider is turned off for this company; "
            "start from this site's sign-in page."
        )

    acs = request_data(reverse("sso_saml:acs"), post={"SAMLResponse": saml_response})
    try:
        response.is_valid(acs, request_id=in_response_to or None, raise_exceptions=True)
    except (OneLogin_Saml2_ValidationError, OneLogin_Saml2_Error) as exc:
        raise _refuse(exc) from exc
    except Exception as exc:  # lxml/xmlsec errors on hostile input
        raise SamlRefused(_DEFAULT_MESSAGE, reason=str(exc)) from exc
    _check_addressing(response, acs_url=urls.acs_url, entity_id=urls.entity_id)

    expires = response.get_assertion_not_on_or_after()
    if not expires:
        raise SamlRefused("The response has no expiry (SubjectConfirmationData NotOnOrAfter).")
    ttl = int(expires - dt.datetime.now(dt.UTC).timestamp())
    if not state.assertion_first_use(str(response.get_assertion_id()), ttl_seconds=ttl):
        raise SamlRefused("This sign-in response was already used. Please sign in again.")

    identity = map_identity(str(response.get_nameid()), response.get_attributes(), config.attribute_map or {})
    employee, created = _employee_for(identity, config)
    log.info("saml sign-in", extra={"employee_id": employee.pk, "provisioned": created})
    return SignIn(
        employee=employee,
        next_path=next_path,
        name_id=identity.name_id,
        session_index=str(response.get_session_index() or ""),
        created=created,
    )


def _check_addressing(response: OneLogin_Saml2_Response, *, acs_url: str, entity_id: str) -> None:
    """Exact matches where python3-saml accepts less: a Destination is optional and compared by
    prefix there, a Recipient by substring, and an assertion without an Audience passes."""
    destination = response.document.get("Destination")
    if destination is not None and destination != acs_url:
        raise SamlRefused("The response was addressed to another site.", reason=f"Destination {destination}")
    # _query_assertion reads only the assertion whose signature was verified (no wrapping decoys).
    recipients = [
        node.get("Recipient")
        for node in response._query_assertion(
            "/saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData"
        )
    ]
    if not recipients or any(r != acs_url for r in recipients):
        raise SamlRefused(
            "The response is not addressed to this company's sign-in address (Recipient).",
            reason=f"Recipient {recipients}",
        )
    if entity_id not in response.get_audiences():
        raise SamlRefused("The response was issued for another service, not this company.")


def _employee_for(identity: Identity, config: SamlConfig) -> tuple[Employee, bool]:
    email = identity.email.strip().lower()
    if "@" not in email:
        raise SamlRefused("The identity provider sent no email address for you.")
    domain = email.rsplit("@", 1)[1]
    # Checked before any lookup: an IdP must never reach an account, admin or not, outside the
    # domains the tenant trusts it for.
    if domain not in (config.allowed_email_domains or []):
        raise SamlRefused(f"Accounts at @{domain} may not sign in to this company.")
    employee = Employee.objects.filter(email__iexact=email).first()
    if employee is not None:
        if not employee.is_active:
            raise SamlRefused("This account is deactivated. Ask your administrator.")
        return employee, False
    if not config.jit_provisioning:
        raise SamlRefused("There is no account for this email here yet. Ask your administrator.")
    try:
        with transaction.atomic():
            return _provision(identity, email), True
    except IntegrityError:
        # The same person signing in twice at once: the other request created the account.
        employee = Employee.objects.filter(email__iexact=email, is_active=True).first()
        if employee is None:
            raise
        return employee, False


def _provision(identity: Identity, email: str) -> Employee:
    unit = None
    if identity.department:
        unit = OrgUnit.objects.filter(name__iexact=identity.department).order_by("path").first()
    if unit is None:
        unit = OrgUnit.objects.filter(parent=None).first()
    rank = Rank.objects.filter(name__iexact=identity.title).first() if identity.title else None
    given, family = identity.given_name, identity.family_name
    if not given and not family:
        given = identity.display_name
    return employee_create(
        username=username_from_email(email),
        email=email,
        given_name=given[:60],
        family_name=family[:60],
        unit=unit,
        rank_level=rank.level if rank else 1,
        title=identity.title[:120],
        employee_number=identity.employee_number[:40],
    )


def saml_session_opened(*, session_key: str, employee: Employee, name_id: str, session_index: str) -> None:
    SamlSession.objects.update_or_create(
        session_key=session_key,
        defaults={"employee": employee, "name_id": name_id[:500], "session_index": session_index[:500]},
    )


# -- single logout -----------------------------------------------------------------------------


def saml_logout_start(*, name_id: str, session_index: str) -> str | None:
    """The IdP URL carrying our signed LogoutRequest, or None when the IdP offers no logout."""
    config = SamlConfig.objects.filter(id=1).first()
    if config is None or not config.enabled or not config.idp_slo_url:
        return None
    auth = OneLogin_Saml2_Auth(request_data(reverse("sso_saml:sls")), saml_settings(config))
    url = auth.logout(
        return_to=reverse("web:login"),
        name_id=name_id,
        session_index=session_index or None,
        name_id_format=None,
    )
    state.request_remember("logout-" + str(auth.get_last_request_id()), next_path=reverse("web:login"))
    return str(url)


def saml_logout_answer(*, get_data: dict[str, str], query_string: str) -> None:
    """The IdP's LogoutResponse to our LogoutRequest: checked, so a forged one is not shown as a
    success; the local session was already ended before we sent the request."""
    config = _active_config()
    auth = _slo_auth(config, get_data, query_string)
    from onelogin.saml2.logout_response import OneLogin_Saml2_Logout_Response

    in_response_to = OneLogin_Saml2_Logout_Response(
        auth.get_settings(), get_data["SAMLResponse"]
    ).get_in_response_to()
    if not in_response_to or state.request_take("logout-" + in_response_to) is None:
        raise SamlRefused("This logout answer does not match a logout started here.")
    auth.process_slo(keep_local_session=True, request_id=in_response_to)
    if auth.get_errors():
        raise SamlRefused(
            "The identity provider's logout answer was refused.", reason=str(auth.get_last_error_reason())
        )


def saml_logout_requested(*, get_data: dict[str, str], query_string: str) -> str:
    """An IdP-initiated logout: end the sessions that IdP session opened; the URL to answer with."""
    config = _active_config()
    auth = _slo_auth(config, get_data, query_string)
    url = auth.process_slo(keep_local_session=True)
    if auth.get_errors() or not url:
        raise SamlRefused("The logout request was refused.", reason=str(auth.get_last_error_reason()))
    xml = auth.get_last_request_xml()
    name_id = OneLogin_Saml2_Logout_Request.get_nameid(xml)
    indexes = OneLogin_Saml2_Logout_Request.get_session_indexes(xml)
    sessions = SamlSession.objects.filter(name_id=name_id)
    if indexes:
        sessions = sessions.filter(session_index__in=indexes)
    _end_sessions(list(sessions.values_list("session_key", flat=True)))
    return str(url)


def _slo_auth(config: SamlConfig, get_data: dict[str, str], query_string: str) -> OneLogin_Saml2_Auth:
    # A logout by redirect must carry the IdP's signature: unsigned, anyone could log people out.
    if "Signature" not in get_data or "SigAlg" not in get_data:
        raise SamlRefused("The logout message is not signed.")
    data = request_data(reverse("sso_saml:sls"), get=get_data)
    data["query_string"] = query_string
    data["validate_signature_from_qs"] = True
    return OneLogin_Saml2_Auth(data, saml_settings(config))


def _end_sessions(session_keys: list[str]) -> None:
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in session_keys:
        store(session_key=key).delete()
    SamlSession.objects.filter(session_key__in=session_keys).delete()


def saml_session_closed(*, session_key: str | None) -> None:
    if session_key:
        SamlSession.objects.filter(session_key=session_key).delete()
