from __future__ import annotations

from collections.abc import Callable

import pytest

from directory.models import Employee
from tests.api.conftest import Api, People

ADMIN_SCOPES = "read write follow admin:read admin:write"


@pytest.fixture
def admin_employee(people: People) -> Employee:
    return Employee.objects.get(email="admin@acme.example")


@pytest.fixture
def admin_api(api_as: Callable[..., Api], admin_employee: Employee) -> Api:
    return api_as(admin_employee, ADMIN_SCOPES)


@pytest.fixture
def member_api(api_as: Callable[..., Api], people: People) -> Api:
    # A member holding every scope: the role, not the token, is what they lack.
    return api_as(people.kim, ADMIN_SCOPES)
