from django.apps import AppConfig


class SamlConfig(AppConfig):
    name = "sso.saml"
    label = "sso_saml"
    default_auto_field = "django.db.models.BigAutoField"
