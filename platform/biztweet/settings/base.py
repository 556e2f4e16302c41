from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from biztweet.env import ENV, REPO_ROOT

BASE_DIR = REPO_ROOT
DEBUG = ENV.debug
BASE_DOMAIN = ENV.base_domain

_LOCAL_ONLY_SECRET = "biztweet-local-only-insecure-secret-key-do-not-deploy"  # noqa: S105
SECRET_KEY = ENV.secret_key or _LOCAL_ONLY_SECRET
if SECRET_KEY == _LOCAL_ONLY_SECRET and BASE_DOMAIN not in {"localhost", "testserver"}:
    raise ImproperlyConfigured("SECRET_KEY must be set when BASE_DOMAIN is a real domain.")

# Hosts are matched against tenant domains by the tenant middleware, which answers 404 for any
# host it does not know; Django's own check would have to be edited for every custom domain.
ALLOWED_HOSTS = ["*"]

SHARED_APPS = [
    # Before django_tenants, so our migrate_schemas (which also refreshes the template) wins.
    "tenants",
    "django_tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Operators are staff users of the public schema, so the user model lives in both.
    "directory",
    "common",
    "frontend",
    # Public-schema billing: plans, Stripe customers, subscriptions, webhook events.
    "billing",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "directory",
    "social",
    "posts",
    "filters",
    "announcements",
    "timelines",
    "notifications",
    "oauth2_provider",
    "rest_framework",
    "api",
    "search",
    "streaming",
    "audit",
    "exports",
    "moderation",
    "sso.saml",
    "sso.scim",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

AUTH_USER_MODEL = "directory.Employee"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

MIDDLEWARE = [
    "common.health.HealthProbeMiddleware",
    "tenants.middleware.TenantHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Inside authentication: it reads the viewer after the view (bearer tokens authenticate there).
    "audit.middleware.ComplianceReadMiddleware",
    "frontend.middleware.WebMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "biztweet.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "biztweet.urls_public"
ASGI_APPLICATION = "biztweet.asgi.application"
WSGI_APPLICATION = "biztweet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "sso.saml.context.sign_in_options",
                "frontend.context.billing_banner",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [REPO_ROOT / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = ENV.data_dir / "static"
MEDIA_URL = ENV.media_url
MEDIA_ROOT = ENV.media_root
# Private: exports are read only through exports' download view, which checks the requester's rights.
EXPORTS_ROOT = ENV.exports_root

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cookies stay host-only (no Domain attribute): a session from acme.example.com is never sent to
# globex.example.com, and each tenant's sessions live in its own schema anyway.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG and BASE_DOMAIN != "localhost"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

AUTHENTICATION_BACKENDS = ["directory.auth.UsernameOrEmailBackend"]

# Uploaded files live under MEDIA_ROOT/<schema>/ and are served only on that tenant's host.
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
