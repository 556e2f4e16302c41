from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.zones import DEFAULT_TIME_ZONE
from tenants.services import TenantError, tenant_onboard


class Command(BaseCommand):
    help = "Create a tenant: its schema, domain (default SLUG.BASE_DOMAIN) and first admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--domain")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-password")
        parser.add_argument("--plan", default="trial")
        parser.add_argument("--locale", default="ko", choices=["ko", "en"])
        parser.add_argument(
            "--time-zone", default=DEFAULT_TIME_ZONE, help="IANA name of the company's time zone"
        )

    def handle(self, *args: object, **opts: str) -> None:
        try:
            done = tenant_onboard(
                slug=opts["slug"],
                name=opts["name"],
                domain=opts["domain"],
                admin_email=opts["admin_email"],
                admin_password=opts["admin_password"],
                plan=opts["plan"],
                locale=opts["locale"],
                time_zone=opts["time_zone"],
            )
        except TenantError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(done.url)
        self.stderr.write(f"admin: {done.admin_username}")
        if done.admin_password:
            self.stderr.write(f"generated admin password (shown once): {done.admin_password}")
