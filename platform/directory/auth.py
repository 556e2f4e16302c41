from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from directory.models import Employee


class UsernameOrEmailBackend(ModelBackend):
    """Password sign-in by handle or by email (the first admin signs in with their email)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Employee | None:
        if not username or password is None:
            return None
        # One gate for the web form and the OAuth password grant: an SSO-only tenant takes no passwords.
        from sso.saml.selectors import password_login_enabled

        if not password_login_enabled():
            return None
        field = "email__iexact" if "@" in username else "username__iexact"
        employee = Employee.objects.filter(**{field: username.strip()}).first()
        if employee is None:
            Employee().set_password(password)  # same cost as a real check: no user enumeration by timing
            return None
        if employee.check_password(password) and self.user_can_authenticate(employee):
            return employee
        return None
