"""django-tenants' migrate_schemas, then the template schema new tenants are cloned from."""

from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

from tenants.template_schema import ensure_template


class Command(MigrateSchemasCommand):
    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        super().handle(*args, **options)
        if not options.get("schema_name") and not options.get("plan"):
            ensure_template(verbosity=int(options.get("verbosity", 1)))
