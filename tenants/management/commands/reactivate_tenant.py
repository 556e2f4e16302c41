from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.services import TenantError, tenant_reactivate


class Command(BaseCommand):
    help = "Reactivate a tenant by slug (its data is kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")

    def handle(self, *args: object, **opts: str) -> None:
        try:
            tenant = tenant_reactivate(slug=opts["slug"])
        except TenantError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{tenant.slug}: {tenant.status}")
