"""django-tenants: one PostgreSQL schema per client company."""

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

# New tenants are cloned from a migrated template schema instead of replaying every migration
# (measured in bench/RESULTS.md, "Onboarding"). The template is migrated with every `migrate_schemas`
# by tenants.signals, so it can never lag behind the code.
TENANT_BASE_SCHEMA = "_template"
TENANT_CREATION_FAKES_MIGRATIONS = True

# Names that can never be a tenant's slug: they are (or may become) hosts of the vendor itself.
RESERVED_SLUGS = frozenset(
    {
        "www",
        "api",
        "admin",
        "ops",
        "static",
        "media",
        "public",
        "app",
        "mail",
        "smtp",
        "ftp",
        "status",
        "help",
        "support",
        "billing",
        "sso",
        "auth",
        "login",
        "dev",
        "test",
        "staging",
        "template",
        "docs",
        "blog",
        "cdn",
        "assets",
        "scim",
        "oauth",
        "root",
        "system",
    }
)

# Set search_path once per connection and tenant switch, not before every query: half the round trips.
# Safe because django-tenants re-sets it on every set_tenant/set_schema (connections are per thread).
TENANT_LIMIT_SET_CALLS = True
