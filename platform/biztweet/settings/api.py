"""The APIs: Django REST framework and OAuth2 (django-oauth-toolkit), shaped for Mastodon clients."""

from api.scopes import ALL_SCOPES

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.BearerAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": None,
}

OAUTH2_PROVIDER = {
    # Every Mastodon scope and sub-scope; what an app may ask for is limited to what it registered
    # (api.oauth.scopes.MastodonScopes).
    "SCOPES": dict.fromkeys(ALL_SCOPES, ""),
    "DEFAULT_SCOPES": ["read"],
    "SCOPES_BACKEND_CLASS": "api.oauth.scopes.MastodonScopes",
    "OAUTH2_VALIDATOR_CLASS": "api.oauth.validator.MastodonValidator",
    # Mastodon apps keep one token for months and rarely refresh; a short expiry would log people out
    # of their phone apps every day. A deactivated employee's tokens die at once regardless
    # (api.auth checks is_active on every request).
    "ACCESS_TOKEN_EXPIRE_SECONDS": 365 * 24 * 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": None,
    "ROTATE_REFRESH_TOKEN": True,
    # PKCE S256 is supported; Mastodon does not require it and most apps do not send it.
    "PKCE_REQUIRED": False,
    "REQUEST_APPROVAL_PROMPT": "auto",
    # Custom schemes (myapp://callback) and the out-of-band URN are allowed per application by its own
    # registered redirect URIs (api.oauth.views.MastodonAuthorizationView), not by a global list.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 600,
}

# DOT's default models, named explicitly so migrations can depend on them as swappable settings.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"  # noqa: S105
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"  # noqa: S105
