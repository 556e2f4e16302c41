from django.apps import AppConfig


class StreamingConfig(AppConfig):
    name = "streaming"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete
        from oauth2_provider.models import AccessToken

        from streaming.receivers import access_token_deleted

        # Tokens are deleted by django-oauth-toolkit's own views (revoke, refresh rotation), not by a
        # service of ours, so its model signal is the one place to hear it. The periodic re-check
        # would close the stream within seconds anyway; this closes it at once.
        post_delete.connect(access_token_deleted, sender=AccessToken, dispatch_uid="streaming-token-revoked")
