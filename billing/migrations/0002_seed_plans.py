"""The price list: a 30-day trial with everything, Standard and Enterprise per seat per month.

Prices are in cents. Operators change them as data (Django admin or SQL); a code change is only
needed for a new feature name (billing.entitlements.FEATURES).
"""

from django.db import migrations

BASE = ["api", "audit_log", "export"]
ENTERPRISE = [*BASE, "hierarchy_rules", "saml", "scim"]
PLANS = [
    # code, name, cents per seat, features, Stripe plan id, purchasable, position
    ("trial", "Trial", 0, ENTERPRISE, "", False, 0),
    ("standard", "Standard", 400, BASE, "biztweet-standard-monthly", True, 1),
    ("enterprise", "Enterprise", 900, ENTERPRISE, "biztweet-enterprise-monthly", True, 2),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Plan = apps.get_model("billing", "Plan")
    for code, name, price, features, stripe_id, purchasable, position in PLANS:
        Plan.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "per_seat_price": price,
                "currency": "usd",
                "features": features,
                "stripe_plan_id": stripe_id,
                "purchasable": purchasable,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_plans_accounts_events_log")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
