"""scim2-tester, run through scim2-cli, against a real uvicorn serving acme's /scim/v2/.

The server is another process, so the token is committed, and everything the tester made (users,
the units behind its groups) is removed again at the end. The CLI is another process too, so it
cannot be taught that acme.localhost is loopback: it talks to 127.0.0.1 and names the tenant in
the Host header, which is all the host middleware looks at.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from directory.models import Employee, OrgUnit
from sso.scim.models import ScimToken, ScimUser
from sso.scim.services import scim_token_create
from tenants.models import Tenant
from tests.support.processes import asgi_server, child_env

pytestmark = pytest.mark.slow

SCIM2 = Path(sys.executable).with_name("scim2")


@pytest.fixture
def live_scim(django_db_setup, django_db_blocker, tmp_path: Path) -> Iterator[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        acme = Tenant.objects.get(slug="acme")
        with tenant_context(acme):
            token, secret = scim_token_create(name="scim2-tester", actor=None)
            last_unit = OrgUnit.objects.order_by("-pk").values_list("pk", flat=True).first()
            started = timezone.now()
        connection.set_schema_to_public()
        try:
            with asgi_server(log=tmp_path / "server.log") as base:
                port = base.rsplit(":", 1)[1]
                yield base, f"acme.localhost:{port}", secret
        finally:
            with tenant_context(acme):
                made = list(
                    Employee.objects.filter(scim__created_at__gte=started).values_list("pk", flat=True)
                )
                ScimUser.objects.filter(employee__in=made).delete()
                Employee.objects.filter(pk__in=made).delete()
                OrgUnit.objects.filter(pk__gt=last_unit).order_by("-pk").delete()
                ScimToken.objects.filter(pk=token.pk).delete()
            connection.set_schema_to_public()


def test_scim2_tester_passes_with_no_failures(live_scim: tuple[str, str, str]) -> None:
    base, host, secret = live_scim
    result = subprocess.run(
        [
            str(SCIM2),
            "--url",
            f"{base}/scim/v2",
            "-h",
            f"Host: {host}",
            "-h",
            f"Authorization: Bearer {secret}",
            "test",
            "--verbose",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=child_env(),
    )
    report = result.stdout + result.stderr
    failures = [line for line in report.splitlines() if line.startswith(("ERROR", "CRITICAL", "SKIPPED"))]
    assert result.returncode == 0 and not failures, report
    assert report.count("SUCCESS") > 50, report
