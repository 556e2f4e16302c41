"""Operators onboard, suspend and reactivate tenants from the command line (API.md, "Operators")."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_exists, tenant_context

from directory.models import CompanySettings, Employee, OrgUnit, Rank
from tenants.models import Domain, Tenant
from tenants.template_schema import template_is_current

pytestmark = pytest.mark.django_db


def _nothing_created(slug: str, domain: str) -> None:
    connection.set_schema_to_public()
    assert not Tenant.objects.filter(slug=slug).exists()
    assert not schema_exists(Tenant.schema_for_slug(slug))
    assert not Domain.objects.filter(domain=domain).exists()


def test_onboard_creates_schema_domain_root_unit_ranks_and_admin(capsys: pytest.CaptureFixture[str]) -> None:
    call_command(
        "onboard_tenant",
        "initech",
        "--name",
        "Initech",
        "--admin-email",
        "Boss@Initech.example",
        "--admin-password",
        "s3cret-pass",
        "--locale",
        "en",
        "--time-zone",
        "America/Chicago",
    )
    out = capsys.readouterr()
    assert out.out.strip() == "http://initech.localhost:8000"

    tenant = Tenant.objects.get(slug="initech")
    assert tenant.domains.get().domain == "initech.localhost"
    assert schema_exists("t_initech")
    with tenant_context(tenant):
        root = OrgUnit.objects.get()
        assert root.name == "Initech" and root.parent is None
        assert Rank.objects.count() == 9
        admin = Employee.objects.get()
        assert admin.email == "boss@initech.example" and admin.role == "admin" and admin.unit == root
        assert CompanySettings.objects.get().time_zone == "America/Chicago"

    response = Client(HTTP_HOST="initech.localhost").post(
        "/login/", {"username": "boss@initech.example", "password": "s3cret-pass"}
    )
    assert response.status_code == 302


def test_onboard_with_a_custom_domain_serves_on_it() -> None:
    call_command(
        "onboard_tenant",
        "hooli",
        "--name",
        "Hooli",
        "--domain",
        "chat.hooli.example",
        "--admin-email",
        "gavin@hooli.example",
        "--admin-password",
        "s3cret-pass",
    )
    assert Client(HTTP_HOST="chat.hooli.example").get("/login/").status_code == 200
    assert Client(HTTP_HOST="hooli.localhost").get("/login/").status_code == 404


def test_onboard_without_password_generates_one_shown_once(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("onboard_tenant", "umbrella", "--name", "Umbrella", "--admin-email", "red@umbrella.example")
    err = capsys.readouterr().err
    password = err.split("generated admin password (shown once): ")[1].strip()
    response = Client(HTTP_HOST="umbrella.localhost").post(
        "/login/", {"username": "red@umbrella.example", "password": password}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ab"], "Invalid slug 'ab'"),
        (["a" * 41], "Invalid slug"),
        (["Acme2"], "Invalid slug 'Acme2'"),
        (["acme_2"], "Invalid slug 'acme_2'"),
        (["acme-"], "Invalid slug 'acme-'"),
        (["www"], "reserved"),
        (["ops"], "reserved"),
        (["admin"], "reserved"),
        (["acme"], "already taken"),
        (["newco", "--domain", "globex.localhost"], "already in use"),
        (["newco", "--domain", "not a host"], "Invalid domain"),
        (["newco", "--admin-email", "nobody"], "Invalid admin email"),
        (["newco", "--admin-password", "short"], "at least 8 characters"),
        (["newco", "--time-zone", "Mars/Olympus"], "Unknown time zone 'Mars/Olympus'"),
    ],
)
def test_bad_onboarding_is_a_one_line_error_and_creates_nothing(args: list[str], message: str) -> None:
    before = (Tenant.objects.count(), Domain.objects.count())
    argv = [args[0], "--name", "New Co"]
    extra = args[1:]
    if "--admin-email" not in extra:
        argv += ["--admin-email", "owner@newco.example"]
    with pytest.raises(CommandError) as raised:
        call_command("onboard_tenant", *argv, *extra)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
    assert (Tenant.objects.count(), Domain.objects.count()) == before
    if args[0] == "newco":
        _nothing_created("newco", "newco.localhost")


def test_failure_midway_leaves_no_orphan_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    # The directory step fails after the schema was cloned: everything must roll back.
    import directory.services

    def explode(**kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(directory.services, "directory_bootstrap", explode)
    with pytest.raises(RuntimeError):
        call_command(
            "onboard_tenant",
            "doomed",
            "--name",
            "Doomed",
            "--admin-email",
            "x@doomed.example",
            "--admin-password",
            "s3cret-pass",
        )
    _nothing_created("doomed", "doomed.localhost")


def test_suspend_and_reactivate_commands(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("suspend_tenant", "globex")
    assert Client(HTTP_HOST="globex.localhost").get("/login/").status_code == 403
    call_command("reactivate_tenant", "globex")
    assert Client(HTTP_HOST="globex.localhost").get("/login/").status_code == 200
    with pytest.raises(CommandError, match="No tenant with slug 'nope'"):
        call_command("suspend_tenant", "nope")


def test_template_schema_is_kept_current_for_cloning() -> None:
    assert template_is_current()
