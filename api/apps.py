from typing import Any

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"

    def ready(self) -> None:
        from django.test.signals import setting_changed

        setting_changed.connect(_forget_renderings, dispatch_uid="api.forget_renderings")


def _forget_renderings(**kwargs: Any) -> None:
    """A changed setting (tests override MEDIA_URL, storages…) may change what a rendering shows."""
    from api.entities import ACCOUNT_MEMO, STATUS_MEMO

    STATUS_MEMO.clear()
    ACCOUNT_MEMO.clear()
