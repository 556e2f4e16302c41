"""HTTP for billing: the Stripe webhook (public host) and the tenant admin billing API."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework.request import Request

from api.base import Forbidden, MastodonView, Unprocessable, error, json_response
from billing import gateway, selectors, services, webhooks
from tenants.models import Tenant


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        row, created = webhooks.event_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except gateway.BadSignature:
        return JsonResponse({"error": "Invalid signature"}, status=400)
    return JsonResponse({"received": row.event_id, "duplicate": not created})


def _tenant() -> Tenant:
    return connection.tenant  # type: ignore[attr-defined]  # set by the host middleware


class _AdminBillingView(MastodonView):
    """Tenant admins only; every answer is the billing overview."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if self.employee is None or not self.employee.is_admin:
            raise Forbidden("Billing is managed by the company's administrators")

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, services.BillingInvalid | gateway.PaymentRefused):
            return error(str(exc), 422)
        if isinstance(exc, gateway.GatewayUnavailable):
            return error(str(exc), 503)
        return super().handle_exception(exc)

    def actor(self) -> services.Actor:
        return services.Actor.admin(self.employee, ip=self.request.META.get("REMOTE_ADDR"))

    def overview(self, *, status: int = 200) -> HttpResponse:
        return json_response(selectors.billing_overview(self.viewer, tenant=_tenant()), status=status)


class BillingView(_AdminBillingView):
    scopes: ClassVar[dict[str, str]] = {"GET": "admin:read"}

    def get(self, request: Request) -> HttpResponse:
        return self.overview()


class SubscriptionView(_AdminBillingView):
    scopes: ClassVar[dict[str, str]] = {"POST": "admin:write", "DELETE": "admin:write"}

    def post(self, request: Request) -> HttpResponse:
        data = self.data()
        plan = str(data.get("plan") or "").strip()
        if not plan:
            raise Unprocessable("plan is required")
        payment_method = str(data.get("payment_method") or "").strip() or None
        services.subscription_start_or_change(
            tenant=_tenant(), plan_code=plan, payment_method=payment_method, actor=self.actor()
        )
        return self.overview()

    def delete(self, request: Request) -> HttpResponse:
        services.subscription_cancel(tenant=_tenant(), actor=self.actor())
        return self.overview()


class HostedPageView(_AdminBillingView):
    """Stripe Checkout / Customer Portal: offered only against Stripe itself (``hosted_pages`` in the
    overview says whether); a compatible server has neither, so they answer 404 there."""

    scopes: ClassVar[dict[str, str]] = {"POST": "admin:write"}
    kind: ClassVar[str] = ""

    def post(self, request: Request) -> HttpResponse:
        if not gateway.hosted_pages_available():
            return error("Hosted billing pages are not available on this server", 404)
        back = f"{request.scheme}://{request.get_host()}/admin-console/"
        if self.kind == "portal":
            url = services.portal_url(tenant=_tenant(), return_url=back)
        else:
            plan = str(self.data().get("plan") or "").strip()
            url = services.checkout_url(tenant=_tenant(), plan_code=plan, back_url=back)
        return json_response({"url": url})


class CheckoutView(HostedPageView):
    kind = "checkout"


class PortalView(HostedPageView):
    kind = "portal"
