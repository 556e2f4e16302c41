"""The generated initials avatar of an employee without a photo (Account.avatar points here)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse

from api.selectors import avatar_subject


def initials_png(request: HttpRequest, account_id: str) -> HttpResponse:
    from directory.avatars import initials_avatar

    employee = avatar_subject(account_id)
    if employee is None:
        raise Http404("Not found")
    png = initials_avatar(
        family_name=employee.family_name, given_name=employee.given_name, name_latin=employee.name_latin
    )
    response = HttpResponse(png, content_type="image/png")
    # The URL carries a version derived from the name, so it can be cached for long.
    response["Cache-Control"] = "public, max-age=604800, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
