"""Mastodon's ``POST /api/v1/reports``: any employee reports an account and some of its posts."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from api import selectors
from api.admin.views import report_json
from api.base import MastodonView, Unprocessable, id_list, json_response
from moderation.services import report_create


class ReportCreate(MastodonView):
    scopes = {"POST": "write:reports"}

    def post(self, request: Request) -> HttpResponse:
        data = request.data
        account_id = data.get("account_id")
        if not account_id:
            raise Unprocessable("Validation failed: account_id is required")
        account = selectors.account_get(self.viewer, account_id)
        report = report_create(
            reporter=self.employee,
            account=account,
            post_ids=id_list(request, "status_ids"),
            comment=str(data.get("comment") or ""),
            category=str(data.get("category") or ""),
        )
        body = report_json(report)
        # Reporters get Mastodon's Report entity, not the admin view (no other reporters' data).
        return json_response(
            {
                "id": body["id"],
                "action_taken": body["action_taken"],
                "action_taken_at": body["action_taken_at"],
                "category": body["category"],
                "comment": body["comment"],
                "forwarded": False,
                "created_at": body["created_at"],
                "status_ids": report.status_ids or None,
                "rule_ids": None,
                "target_account": {"id": body["target_account"]["id"]},
            }
        )
