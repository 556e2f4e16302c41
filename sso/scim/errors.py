"""The one error type of the SCIM app, answered as a SCIM Error message (RFC 7644 §3.12)."""

from __future__ import annotations


class ScimError(Exception):
    def __init__(self, status: int, scim_type: str | None, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.scim_type = scim_type
        self.detail = detail
