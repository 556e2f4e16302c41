"""The tenant's hierarchy rules through the API (VISIBILITY.md, "Tenant policy"): every refused action
is a 403 naming its rule and saves nothing; what a barrier hides is a 404 on every path."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db.models import Q

from directory.models import Role
from directory.services import PolicyInput, employee_create, tenant_policy_update, unit_create
from notifications.models import Notification
from notifications.services import _deliver
from posts.models import Post
from social.models import Follow
from tests.api.conftest import Api, People

pytestmark = pytest.mark.django_db


def _policy(**fields: object) -> None:
    tenant_policy_update(data=PolicyInput(**fields))  # type: ignore[arg-type]


def _refused(response, rule: str) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 403, response.content
    body = response.json()
    assert body.get("rule") == rule, body
    return str(body["error"])


def _post(api: Api, text: str, **fields: str):  # type: ignore[no-untyped-def]
    return api.post("/api/v1/statuses", {"status": text, **fields})


def test_company_posting_rank_refuses_company_and_unlisted_posts_but_not_unit_posts(
    acme, api_as: Callable[..., Api], people: People
) -> None:
    _policy(company_post_min_rank=3)
    kim, lee = api_as(people.kim), api_as(people.lee)  # ranks 1 and 3
    before = Post.objects.count()
    assert "rank 3" in _refused(_post(kim, "전사 공지", visibility="public"), "company_post_min_rank")
    _refused(_post(kim, "조용한 공지", visibility="unlisted"), "company_post_min_rank")
    assert Post.objects.count() == before

    # Their default becomes their own unit, so posting without choosing just works.
    made = _post(kim, "팀 공지")
    assert made.status_code == 200, made.content
    assert made.json()["bt_audience"]["kind"] == "unit"
    assert made.json()["bt_audience"]["unit_id"] == str(people.sales.pk)

    company = _post(lee, "전사 공지입니다", visibility="public")
    assert company.status_code == 200
    # A company-audience reply is a company post too; a repost is not a new post.
    _refused(
        kim.post(
            "/api/v1/statuses",
            {"status": "답글", "in_reply_to_id": company.json()["id"], "visibility": "public"},
        ),
        "company_post_min_rank",
    )
    assert kim.post(f"/api/v1/statuses/{company.json()['id']}/reblog").status_code == 200


def test_default_audience_unit_applies_to_everyone(acme, api_as: Callable[..., Api], people: People) -> None:
    _policy(default_audience="unit")
    made = _post(api_as(people.boss), "본사 공지")
    assert made.json()["bt_audience"]["kind"] == "unit"


def test_contact_rule_gates_mentions_replies_and_direct_posts_to_senior_staff(
    acme, api_as: Callable[..., Api], people: People
) -> None:
    _policy(contact_rules=((9, 5),))
    kim, boss = api_as(people.kim), api_as(people.boss)
    before = Post.objects.count()
    message = _refused(_post(kim, "@boss 사장님 안녕하세요"), "contact_rule")
    assert "rank 9" in message and "rank 5" in message
    _refused(_post(kim, "@boss 비밀 메시지", visibility="direct"), "contact_rule")
    announcement = _post(boss, "전사 공지: 신년사").json()
    _refused(_post(kim, "감사합니다", in_reply_to_id=announcement["id"]), "contact_rule")
    assert Post.objects.count() == before + 1  # only the boss's own post

    # Rank 5 may; and anyone may answer a post of the boss that addressed them.
    assert _post(api_as(people.choi), "@boss 보고드립니다").status_code == 200
    asked = _post(boss, "@kim 자료 부탁해요").json()
    assert _post(kim, "@boss 네 보내드렸습니다", in_reply_to_id=asked["id"]).status_code == 200


def test_contact_rule_does_not_apply_within_the_same_unit(
    acme, api_as: Callable[..., Api], people: People
) -> None:
    _policy(contact_rules=((3, 2),))
    assert _post(api_as(people.kim), "@lee 과장님 확인 부탁드립니다").status_code == 200  # both in sales


@pytest.fixture
def walled(acme, people: People) -> tuple[People, object]:  # type: ignore[no-untyped-def]
    """A barrier between sales (kim, lee) and the lab (choi)."""
    _policy(barriers=(((people.sales.pk,), (people.lab.pk,)),))
    return people, None


def test_barrier_hides_posts_both_ways_on_every_path(walled, api_as: Callable[..., Api]) -> None:  # type: ignore[no-untyped-def]
    people, _ = walled
    kim, choi = api_as(people.kim), api_as(people.choi)
    post = _post(kim, "영업 전략 #전략").json()
    assert choi.get(f"/api/v1/statuses/{post['id']}").status_code == 404
    assert choi.get(f"/api/v1/statuses/{post['id']}/context").status_code == 404
    assert choi.get(f"/api/v1/statuses/{post['id']}/favourited_by").status_code == 404
    assert post["id"] not in [s["id"] for s in choi.get("/api/v1/timelines/public").json()]
    assert post["id"] not in [s["id"] for s in choi.get("/api/v1/timelines/tag/전략").json()]
    assert choi.get(f"/api/v1/accounts/{people.kim.pk}/statuses").json() == []
    assert choi.post(f"/api/v1/statuses/{post['id']}/favourite").status_code == 404
    # Someone outside both segments still sees it, and so does the author.
    assert api_as(people.boss).get(f"/api/v1/statuses/{post['id']}").status_code == 200
    assert kim.get(f"/api/v1/statuses/{post['id']}").status_code == 200


def test_barrier_wins_over_mentions_but_not_over_compliance(walled, api_as: Callable[..., Api]) -> None:  # type: ignore[no-untyped-def]
    people, _ = walled
    auditor = employee_create(
        username="auditor", email="auditor@acme.example", unit=people.sales, role=Role.COMPLIANCE
    )
    post = _post(api_as(people.lee), "기밀 자료").json()
    assert api_as(auditor).get(f"/api/v1/statuses/{post['id']}").status_code == 200


def test_barrier_refuses_mention_follow_and_direct_message(walled, api_as: Callable[..., Api]) -> None:  # type: ignore[no-untyped-def]
    people, _ = walled
    kim = api_as(people.kim)
    before = (Post.objects.count(), Follow.objects.count())
    _refused(_post(kim, "@choi 이거 보셨어요?"), "information_barrier")
    _refused(_post(kim, "@choi 따로 연락드려요", visibility="direct"), "information_barrier")
    _refused(kim.post(f"/api/v1/accounts/{people.choi.pk}/follow"), "information_barrier")
    _refused(api_as(people.choi).post(f"/api/v1/accounts/{people.kim.pk}/follow"), "information_barrier")
    assert (Post.objects.count(), Follow.objects.count()) == before


def test_barrier_added_later_hides_the_existing_thread_and_notifications_at_once(
    acme, api_as: Callable[..., Api], people: People
) -> None:
    kim, choi = api_as(people.kim), api_as(people.choi)
    question = _post(kim, "연구소에 질문 있습니다").json()
    answer = _post(choi, "@kim 네 말씀하세요", in_reply_to_id=question["id"]).json()
    _deliver(
        "mention",
        actor_id=people.choi.pk,
        post=Post.objects.get(pk=answer["id"]),
        recipient_ids=[people.kim.pk],
    )
    assert [n["status"]["id"] for n in kim.get("/api/v1/notifications").json()] == [answer["id"]]
    assert [s["id"] for s in kim.get(f"/api/v1/statuses/{question['id']}/context").json()["descendants"]] == [
        answer["id"]
    ]

    _policy(barriers=(((people.sales.pk,), (people.lab.pk,)),))
    assert kim.get(f"/api/v1/statuses/{question['id']}/context").json()["descendants"] == []
    assert kim.get(f"/api/v1/statuses/{answer['id']}").status_code == 404
    assert kim.get("/api/v1/notifications").json() == []
    assert Notification.objects.filter(Q(recipient=people.kim)).exists()  # kept, just not shown

    # Lifting the barrier brings everything back on the next request.
    _policy()
    assert kim.get(f"/api/v1/statuses/{answer['id']}").status_code == 200


def test_moving_someone_across_the_barrier_changes_what_they_see_on_the_next_request(
    walled, api_as: Callable[..., Api]
) -> None:  # type: ignore[no-untyped-def]
    people, _ = walled
    newcomer_unit = unit_create(name="신사업팀", parent=people.root)
    post = _post(api_as(people.choi), "연구 결과").json()
    kim = api_as(people.kim)
    assert kim.get(f"/api/v1/statuses/{post['id']}").status_code == 404
    people.kim.unit = newcomer_unit
    people.kim.save(update_fields=["unit"])
    assert kim.get(f"/api/v1/statuses/{post['id']}").status_code == 200


def test_policy_validation_names_every_problem_and_saves_nothing(acme, people: People) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        _policy(default_audience="everyone", company_post_min_rank=42, barriers=(((people.sales.pk,), ()),))
    messages = " ".join(raised.value.messages)
    assert "default_audience" in messages and "42" in messages and "both sides" in messages


def test_turning_rules_on_needs_a_plan_that_includes_them_but_rules_in_force_stay(
    acme, api_as: Callable[..., Api], people: People
) -> None:
    from django.core.exceptions import ValidationError
    from django.db import connection

    from billing.services import account_comp
    from tenants.models import Tenant

    _policy(barriers=(((people.sales.pk,), (people.lab.pk,)),))
    tenant = Tenant.objects.get(slug="acme")
    account_comp(tenant=tenant, plan_code="standard", note="test", operator="ops")
    connection.set_tenant(tenant)
    with pytest.raises(ValidationError, match="Enterprise"):
        _policy(contact_rules=((9, 5),))
    # The barrier set before the downgrade still holds, and clearing rules is always allowed.
    post = _post(api_as(people.kim), "영업 비밀").json()
    assert api_as(people.choi).get(f"/api/v1/statuses/{post['id']}").status_code == 404
    _policy()
    assert api_as(people.choi).get(f"/api/v1/statuses/{post['id']}").status_code == 200
