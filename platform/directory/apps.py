from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from directory.models import CompanySettings
        from directory.services import settings_saved

        post_save.connect(settings_saved, sender=CompanySettings, dispatch_uid="directory.settings_saved")
