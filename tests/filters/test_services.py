"""Filter writes keep their bounds, and the owner's ``has_filters`` flag follows what they own."""

from __future__ import annotations

import pytest

from directory.models import Employee, OrgUnit
from directory.services import employee_create
from filters.errors import FilterInvalid
from filters.models import Filter
from filters.services import (
    MAX_FILTERS,
    MAX_KEYWORDS,
    KeywordChange,
    filter_create,
    filter_delete,
    filter_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(acme) -> Employee:  # type: ignore[no-untyped-def]
    return employee_create(
        username="filterer",
        email="filterer@acme.example",
        unit=OrgUnit.objects.get(parent=None),
        family_name="한",
        given_name="결",
    )


def test_the_hundred_and_first_filter_is_refused(owner: Employee) -> None:
    for i in range(MAX_FILTERS):
        filter_create(owner=owner, title=f"f{i}", contexts=["home"])
    with pytest.raises(FilterInvalid, match="at most 100 filters"):
        filter_create(owner=owner, title="one more", contexts=["home"])
    assert Filter.objects.filter(owner=owner).count() == MAX_FILTERS


def test_a_filter_holds_a_bounded_number_of_keywords_and_a_refused_edit_changes_nothing(
    owner: Employee,
) -> None:
    made = filter_create(
        owner=owner,
        title="many",
        contexts=["home"],
        keywords=[KeywordChange(keyword=f"w{i}") for i in range(99)],
    )
    with pytest.raises(FilterInvalid, match=f"at most {MAX_KEYWORDS} keywords"):
        filter_update(
            filter=made,
            owner=owner,
            title="renamed",
            keywords=[KeywordChange(keyword="a"), KeywordChange(keyword="b")],
        )
    made.refresh_from_db()
    assert made.title == "many" and made.keywords.count() == 99


def test_has_filters_follows_what_the_owner_owns(owner: Employee) -> None:
    first = filter_create(owner=owner, title="a", contexts=["home"])
    second = filter_create(owner=owner, title="b", contexts=["public"])
    assert Employee.objects.get(pk=owner.pk).has_filters
    filter_delete(filter=first, owner=owner)
    assert Employee.objects.get(pk=owner.pk).has_filters
    filter_delete(filter=second, owner=owner)
    assert not Employee.objects.get(pk=owner.pk).has_filters and not owner.has_filters
