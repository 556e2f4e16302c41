"""A real SAML 2.0 identity provider for tests, built on pysaml2 (signing with the xmlsec1 binary).

It reads our signed AuthnRequests from the redirect URL the SP sends a browser to, and answers
with signed Responses posted to the ACS, as Okta or Entra ID would. Attack cases are made the way an
attacker would make them: by building a different assertion and signing it (with this IdP's key or
another one), or by changing a signed response afterwards.
"""

from __future__ import annotations

import base64
import copy
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from lxml import etree
from saml2 import BINDING_HTTP_REDIRECT, saml
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.sigver import pre_signature_part
from saml2.xmldsig import DIGEST_SHA1, DIGEST_SHA256, SIG_RSA_SHA1, SIG_RSA_SHA256

from sso.saml.keys import generate_keypair

NS = {
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
}
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"

Mutation = Callable[[etree._Element], None]


@dataclass
class AuthnRequest:
    id: str
    acs_url: str
    issuer: str
    relay_state: str | None
    signed: bool


class TestIdP:
    __test__ = False  # not a pytest class

    def __init__(self, workdir: Path, *, name: str = "idp") -> None:
        self.entity_id = f"https://{name}.example.test/saml/metadata"
        self.sso_url = f"https://{name}.example.test/saml/sso"
        self.slo_url = f"https://{name}.example.test/saml/slo"
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.key_file, self.cert_file = self._keypair(workdir, name)
        self.sp_metadata: list[str] = []
        self.server = self._server()

    @staticmethod
    def _keypair(workdir: Path, name: str) -> tuple[Path, Path]:
        key_pem, cert_pem = generate_keypair(f"{name}.example.test")
        key_file, cert_file = workdir / f"{name}.key", workdir / f"{name}.crt"
        key_file.write_text(key_pem)
        cert_file.write_text(cert_pem)
        return key_file, cert_file

    def _config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "entityid": self.entity_id,
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [(self.sso_url, BINDING_HTTP_REDIRECT)],
                        "single_logout_service": [(self.slo_url, BINDING_HTTP_REDIRECT)],
                    },
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    "sign_assertion": True,
                    "sign_response": False,
                    "want_authn_requests_signed": True,
                    "policy": {"default": {"lifetime": {"minutes": 5}, "entity_categories": []}},
                }
            },
            "key_file": str(self.key_file),
            "cert_file": str(self.cert_file),
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "delete_tmpfiles": True,
        }
        if self.sp_metadata:
            config["metadata"] = {"inline": list(self.sp_metadata)}
        return config

    def _server(self) -> Server:
        conf = IdPConfig()
        conf.load(self._config())
        return Server(config=conf)

    # -- what the SP's admin needs ------------------------------------------------------------

    def metadata_xml(self) -> str:
        return create_metadata_string(None, config=self.server.config, valid=24).decode()

    def trust_sp(self, sp_metadata_xml: str) -> None:
        """Register an SP (its metadata, with the certificate its AuthnRequests are signed with)."""
        self.sp_metadata.append(sp_metadata_xml)
        self.server = self._server()

    def rotate_key(self) -> None:
        """Sign from now on with a fresh key the SP has never seen (metadata not re-published)."""
        self.key_file, self.cert_file = self._keypair(self.workdir, "rotated")
        self.server = self._server()

    # -- the SSO protocol ---------------------------------------------------------------------

    def read_authn_request(self, redirect_url: str) -> AuthnRequest:
        parts = urlsplit(redirect_url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == self.sso_url, redirect_url
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        # pysaml2 checks the SP's redirect signature against the certificate in the SP's metadata
        # (want_authn_requests_signed) and raises when it is missing or wrong.
        parsed = self.server.parse_authn_request(
            query["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"),
            signature=query.get("Signature"),
        )
        message = parsed.message
        return AuthnRequest(
            id=message.id,
            acs_url=message.assertion_consumer_service_url,
            issuer=message.issuer.text,
            relay_state=query.get("RelayState"),
            signed=True,
        )

    def response(
        self,
        *,
        email: str,
        acs_url: str,
        audience: str,
        in_response_to: str | None = None,
        attributes: dict[str, list[str]] | None = None,
        sign: bool = True,
        sha1: bool = False,
        before_signing: Mutation | None = None,
        name_id: str | None = None,
    ) -> str:
        """A base64 SAMLResponse, its assertion signed (unless ``sign`` is false) after
        ``before_signing`` changed it, the way a malicious or misconfigured IdP would."""
        identity = attributes if attributes is not None else {"mail": [email]}
        unsigned = self.server.create_authn_response(
            identity=identity,
            in_response_to=in_response_to,
            destination=acs_url,
            sp_entity_id=audience,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=name_id or email),
            authn={"class_ref": saml.AUTHN_PASSWORD_PROTECTED, "authn_auth": self.entity_id},
            sign_assertion=False,
            sign_response=False,
            best_effort=True,
        )
        tree = etree.fromstring(str(unsigned).encode())
        if before_signing is not None:
            before_signing(tree)
        xml = etree.tostring(tree).decode()
        if sign:
            xml = self.sign_assertion(xml, sha1=sha1)
        return encode(xml)

    def sign_assertion(self, xml: str, *, sha1: bool = False, assertion_id: str | None = None) -> str:
        tree = etree.fromstring(xml.encode())
        assertion = tree.find(".//saml:Assertion", NS) if assertion_id is None else _by_id(tree, assertion_id)
        assert assertion is not None
        template = pre_signature_part(
            assertion.get("ID"),
            self.server.sec.my_cert,
            1,
            sign_alg=SIG_RSA_SHA1 if sha1 else SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA1 if sha1 else DIGEST_SHA256,
        )
        issuer = assertion.find("saml:Issuer", NS)
        assert issuer is not None
        issuer.addnext(etree.fromstring(str(template).encode()))
        return str(
            self.server.sec.sign_statement(
                etree.tostring(tree).decode(), ASSERTION, node_id=assertion.get("ID")
            )
        )

    def post_form(self, saml_response: str, relay_state: str | None = None) -> dict[str, str]:
        data = {"SAMLResponse": saml_response}
        if relay_state is not None:
            data["RelayState"] = relay_state
        return data

    # -- single logout ------------------------------------------------------------------------

    def read_logout_request(self, redirect_url: str) -> tuple[Any, dict[str, str]]:
        parts = urlsplit(redirect_url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == self.slo_url, redirect_url
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        request = self.server.parse_logout_request(
            query["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"),
            signature=query.get("Signature"),
        )
        return request, query

    def logout_response_url(self, request: Any, *, sls_url: str) -> str:
        response = self.server.create_logout_response(request.message, [BINDING_HTTP_REDIRECT], sign=False)
        info = self.server.apply_binding(
            BINDING_HTTP_REDIRECT, str(response), sls_url, response=True, sign=True, sigalg=SIG_RSA_SHA256
        )
        return _location(info)

    def logout_request_url(
        self, *, sls_url: str, name_id: str, session_index: str | None, sign: bool = True
    ) -> str:
        _, request = self.server.create_logout_request(
            destination=sls_url,
            issuer_entity_id=self.entity_id,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=name_id),
            session_indexes=[session_index] if session_index else None,
            sign=False,
        )
        info = self.server.apply_binding(
            BINDING_HTTP_REDIRECT, str(request), sls_url, sign=sign, sigalg=SIG_RSA_SHA256 if sign else None
        )
        return _location(info)


def _location(info: dict[str, Any]) -> str:
    return str(dict(info["headers"])["Location"])


def _by_id(tree: etree._Element, ident: str) -> etree._Element | None:
    for node in tree.iter():
        if node.get("ID") == ident:
            return node
    return None


def encode(xml: str) -> str:
    return base64.b64encode(xml.encode()).decode()


def decode(saml_response: str) -> str:
    return base64.b64decode(saml_response).decode()


def inflate(value: str) -> str:
    return zlib.decompress(base64.b64decode(value), -15).decode()


def wrap_with_unsigned_assertion(saml_response: str, *, evil_email: str) -> str:
    """XML signature wrapping: keep the signed assertion (its signature still verifies) and put a
    second, unsigned assertion naming someone else before it, hoping the SP reads the wrong one."""
    tree = etree.fromstring(decode(saml_response).encode())
    signed = tree.find("saml:Assertion", NS)
    assert signed is not None
    evil = copy.deepcopy(signed)
    evil.set("ID", "_evil" + signed.get("ID", ""))
    signature = evil.find("ds:Signature", NS)
    if signature is not None:
        evil.remove(signature)
    saml_ns = NS["saml"]
    for node in evil.iter(f"{{{saml_ns}}}NameID", f"{{{saml_ns}}}AttributeValue"):
        node.text = evil_email
    signed.addprevious(evil)
    return encode(etree.tostring(tree).decode())


def tamper(saml_response: str, *, old: str, new: str) -> str:
    xml = decode(saml_response)
    assert old in xml
    return encode(xml.replace(old, new))


def form_query(data: dict[str, str]) -> str:
    return urlencode(data)
