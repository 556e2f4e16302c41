from celery import shared_task

from directory.services import display_names_refresh


@shared_task(name="directory.refresh_display_names")
def refresh_display_names() -> int:
    """Idempotent: renders names from the current template and ranks; safe to run twice."""
    return display_names_refresh()
