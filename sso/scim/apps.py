from django.apps import AppConfig


class ScimConfig(AppConfig):
    name = "sso.scim"
    label = "sso_scim"
    default_auto_field = "django.db.models.BigAutoField"
