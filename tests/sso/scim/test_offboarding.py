"""`active: false` offboards at once: the person's bearer tokens and web sessions stop working."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.test import Client
from oauth2_provider.models import AccessToken, RefreshToken

from directory.models import Employee
from tests.conftest import ACME_HOST
from tests.sso.scim.conftest import Scim, bearer_client


def test_deactivation_cuts_bearer_tokens_and_web_sessions_at_once(scim: Scim) -> None:
    created = scim.create_user("leaver@acme.example", name={"familyName": "Park", "givenName": "Leaver"})
    employee = Employee.objects.get(pk=int(created["id"]))
    app = bearer_client(employee)
    assert app.get("/api/v1/accounts/verify_credentials").status_code == 200
    token = AccessToken.objects.get(user=employee)
    RefreshToken.objects.create(
        user=employee, token="refresh-leaver", application=token.application, access_token=token
    )
    browser = Client(HTTP_HOST=ACME_HOST)
    browser.force_login(employee)
    assert browser.get("/api/v1/accounts/verify_credentials").status_code == 200
    assert Session.objects.count() >= 1

    with_commit = scim.patch(f"/Users/{created['id']}", {"op": "replace", "value": {"active": False}})
    assert with_commit.status_code == 200

    assert app.get("/api/v1/accounts/verify_credentials").status_code == 401
    assert browser.get("/api/v1/accounts/verify_credentials").status_code == 401
    assert not AccessToken.objects.filter(user=employee).exists()
    assert RefreshToken.objects.get(token="refresh-leaver").revoked is not None
    # Password sign-in is refused too.
    assert not Client(HTTP_HOST=ACME_HOST).login(username="leaver@acme.example", password="x")


def test_deactivation_ends_the_persons_stored_sessions_after_commit(
    scim: Scim, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    created = scim.create_user("leaver2@acme.example")
    employee = Employee.objects.get(pk=int(created["id"]))
    other = Employee.objects.get(email="admin@acme.example")
    browser, colleague = Client(HTTP_HOST=ACME_HOST), Client(HTTP_HOST=ACME_HOST)
    browser.force_login(employee)
    colleague.force_login(other)
    mine = browser.session.session_key
    theirs = colleague.session.session_key

    with django_capture_on_commit_callbacks(execute=True):
        scim.patch(f"/Users/{created['id']}", {"op": "Replace", "path": "active", "value": "False"})

    assert not Session.objects.filter(session_key=mine).exists()
    assert Session.objects.filter(session_key=theirs).exists()
    assert colleague.get("/api/v1/accounts/verify_credentials").status_code == 200
