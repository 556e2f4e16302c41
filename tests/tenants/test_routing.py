"""Host routing: every host is its own company, and nothing leaks between them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from tenants.models import Tenant
from tests.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.django_db


def test_tenant_host_serves_that_companys_sign_in_page(acme_client: Client) -> None:
    response = acme_client.get("/login/")
    assert response.status_code == 200
    assert "에이크미" in response.content.decode()


def test_each_host_shows_only_its_own_company(globex_client: Client) -> None:
    body = globex_client.get("/login/").content.decode()
    assert "Globex" in body
    assert "에이크미" not in body


def test_unknown_host_is_a_404_page_not_the_operator_site() -> None:
    response = Client(HTTP_HOST="initech.localhost").get("/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "No company here" in body
    assert "Operator console" not in body


def test_unknown_host_cannot_reach_tenant_paths() -> None:
    assert Client(HTTP_HOST="initech.localhost").get("/login/").status_code == 404


def test_operator_host_shows_the_vendor_site_not_a_tenant() -> None:
    response = Client(HTTP_HOST="localhost").get("/")
    assert response.status_code == 200
    assert "BizTweet Cloud" in response.content.decode()
    assert Client(HTTP_HOST="localhost").get("/login/").status_code == 404


def test_port_in_host_header_is_ignored_for_routing() -> None:
    assert Client(HTTP_HOST="acme.localhost:8000").get("/login/").status_code == 200


def test_suspended_tenant_answers_403_page_and_keeps_its_data(acme_client: Client) -> None:
    tenant = Tenant.objects.get(slug="acme")
    with tenant_context(tenant):
        from directory.models import Employee

        before = Employee.objects.count()
    tenant.status = "suspended"
    tenant.save(update_fields=["status"])

    response = acme_client.get("/login/")
    assert response.status_code == 403
    assert "suspended" in response.content.decode()
    assert (
        acme_client.post(
            "/login/", {"username": "admin@acme.example", "password": ADMIN_PASSWORD}
        ).status_code
        == 403
    )

    connection.set_schema_to_public()
    tenant.status = "active"
    tenant.save(update_fields=["status"])
    assert acme_client.get("/login/").status_code == 200
    with tenant_context(tenant):
        assert Employee.objects.count() == before


def test_session_cookie_is_host_only_and_useless_on_another_tenant(acme_client: Client) -> None:
    response = acme_client.post("/login/", {"username": "admin@acme.example", "password": ADMIN_PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["domain"] == ""  # no Domain attribute: the browser sends it back to this host only
    assert acme_client.get("/").status_code == 200

    # Even a client that replays the cookie on another tenant's host is anonymous there.
    intruder = Client(HTTP_HOST="globex.localhost")
    intruder.cookies["sessionid"] = cookie.value
    response = intruder.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_first_admin_signs_in_with_email_as_username(acme_client: Client) -> None:
    response = acme_client.post("/login/", {"username": "admin@acme.example", "password": ADMIN_PASSWORD})
    assert response.status_code == 302
    assert "에이크미" in acme_client.get("/").content.decode()


def test_wrong_password_shows_a_form_error(acme_client: Client) -> None:
    response = acme_client.post("/login/", {"username": "admin@acme.example", "password": "nope"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_media_of_another_tenant_is_not_served(acme_client: Client) -> None:
    assert acme_client.get("/media/t_globex/avatars/x.png").status_code == 404


def test_health_probes_answer_on_any_host() -> None:
    assert Client(HTTP_HOST="10.0.0.7").get("/healthz").json() == {"status": "ok"}
    ready = Client(HTTP_HOST="initech.localhost").get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] is True and ready.json()["redis"] is True


def test_signing_in_without_a_next_page_lands_on_the_home_timeline(acme_client: Client) -> None:
    response = acme_client.post("/login/", {"username": "admin@acme.example", "password": ADMIN_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_posts_link_to_the_primary_domain_read_once_and_a_new_one_shows_at_once(acme) -> None:
    from django.test.utils import CaptureQueriesContext

    from posts.services import post_create
    from tenants.models import Domain
    from tests import factories

    kim = factories.employee("kim")
    assert "http://acme.localhost:8000/tags/" in post_create(author=kim, text="#점심 먹자").content_html
    with CaptureQueriesContext(connection) as queries:
        again = post_create(author=kim, text="#점심 또")
    assert "http://acme.localhost:8000/tags/" in again.content_html
    assert not [q for q in queries.captured_queries if "tenants_domain" in q["sql"]]  # cached

    old = Domain.objects.get(tenant=acme, is_primary=True)
    old.is_primary = False
    old.save()
    Domain.objects.create(tenant=acme, domain="talk.acme.localhost", is_primary=True)
    moved = post_create(author=kim, text="#점심 이사")
    assert "http://talk.acme.localhost:8000/tags/" in moved.content_html


def test_a_host_read_afresh_costs_one_statement_and_no_switch_to_the_public_schema(
    acme_client: Client, globex_client: Client
) -> None:
    from django.test.utils import CaptureQueriesContext

    from tenants.middleware import forget_hosts

    def statements(client: Client) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/instance").status_code == 200
        return [q["sql"] for q in queries.captured_queries]

    statements(acme_client)
    warm = statements(acme_client)
    forget_hosts()
    cold = statements(acme_client)
    # The host's row, by schema-qualified names: it runs under the previous request's search_path.
    assert len(cold) == len(warm) + 1, cold
    assert [sql for sql in cold if sql not in warm] == [s for s in cold if '"tenants_domain"' in s]
    assert not any("SET search_path" in sql and "public" in sql.split(",")[0] for sql in cold), cold
    # From one company's host to another's, each afresh: each reads its own company.
    for client, name in ((globex_client, "Globex"), (acme_client, "에이크미"), (globex_client, "Globex")):
        forget_hosts()
        assert client.get("/api/v1/instance").json()["title"].startswith(name)


def test_an_unknown_host_after_a_company_request_leaves_the_connection_on_the_public_schema(
    acme_client: Client,
) -> None:
    assert acme_client.get("/api/v1/instance").status_code == 200
    assert connection.schema_name == Tenant.objects.get(slug="acme").schema_name
    assert Client(HTTP_HOST="initech.localhost").get("/api/v1/instance").status_code == 404
    assert connection.schema_name == "public"
