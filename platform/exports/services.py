"""Starting, running and downloading tenant exports (API.md: ``POST /api/bt/v1/admin/export``).

- ``export_start``: an admin or compliance officer asks; one export at a time per tenant (``ExportBusy``,
  409); refused once a cancelled workspace's export window has closed (billing ``export_until``).
- ``export_run`` (the Celery task's body): queued or running → ready | failed. A finished export is
  never redone; a running one whose worker died is run again from the start (late acks redeliver it,
  and ``exports_requeue_stuck`` finds it when the message itself was lost).
- ``export_open``: the file, for the download views, after ``selectors.may_download``.

Starting and downloading are audit entries.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from billing.entitlements import billing_state, require_feature
from billing.models import BillingStatus
from common.oncommit import enqueue
from common.tenancy import current_schema
from directory.models import Employee
from exports import archive, selectors
from exports.models import Export, ExportState
from exports.storage import export_name, export_storage
from policy import ActionRefused, Viewer

log = logging.getLogger(__name__)

# A running export whose heartbeat is older than this lost its worker; one still queued after this lost
# its message. Either is sent again by the periodic sweep. The writer beats every few seconds, and the
# broker redelivers long unacknowledged tasks (visibility timeout) while they still run: a fresh
# heartbeat is what tells that second delivery to leave the export alone.
STUCK_AFTER = timedelta(minutes=2)
BEAT_EVERY = timedelta(seconds=15)


class ExportBusy(Exception):
    """Another export of this tenant is queued or running (HTTP 409)."""

    def __init__(self, active: Export) -> None:
        super().__init__(
            f"An export is already {active.state} (id {active.pk}); "
            "wait for it to finish before starting another."
        )
        self.active = active


def export_window_refusal(*, now: Any = None) -> str | None:
    """None while the tenant may export; otherwise why not. A cancelled workspace keeps its data
    exportable until ``export_until`` (billing.models.EXPORT_WINDOW_DAYS after the end); a restricted
    one (trial over, payment overdue) may always export, as posting_block_reason tells its admins."""
    state = billing_state()
    if state is None or state.status != BillingStatus.CANCELLED:
        return None
    now = now or timezone.now()
    if state.export_until is not None and now <= state.export_until:
        return None
    if state.export_until is None:
        return _("The export window of this cancelled workspace ended; subscribe again to export its data.")
    return _(
        "The export window of this cancelled workspace ended on %(date)s; subscribe again to export its data."
    ) % {"date": f"{state.export_until:%Y-%m-%d}"}


def export_start(*, actor: Employee, ip: str | None = None) -> Export:
    """Queue a full export of the tenant as ``actor`` sees it (``scope`` full for compliance)."""
    viewer = Viewer.of(actor)
    if not selectors.may_export(viewer):
        raise ActionRefused(
            _("Only administrators and compliance officers may export the workspace."), rule="admin_only"
        )
    require_feature("export", _("Full data export"))
    refusal = export_window_refusal()
    if refusal:
        raise ActionRefused(refusal, rule="export_window")
    active = selectors.active_export()
    if active is not None:
        raise ExportBusy(active)
    try:
        with transaction.atomic():
            export = Export.objects.create(scope=selectors.scope_for(viewer), requested_by=actor)
            audit_record(
                actor=actor,
                action="export.start",
                target=("export", export.pk, f"export {export.pk} ({export.scope})"),
                after={"scope": export.scope},
                ip=ip,
            )
    except IntegrityError:
        # Two starts raced past the check; the database's one_active_export constraint kept one.
        active = selectors.active_export()
        if active is None:
            raise
        raise ExportBusy(active) from None
    from exports.tasks import export_run as export_run_task

    enqueue(export_run_task, export.pk)
    return export


def _claim(export_id: int) -> Export | None:
    """Moves a queued (or crashed running) export to running and counts the attempt; None when it is
    finished, gone, or running with a live worker, so a second delivery of the same message does nothing."""
    now = timezone.now()
    crashed = Q(state=ExportState.RUNNING) & (
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - STUCK_AFTER)
    )
    claimed = Export.objects.filter(Q(state=ExportState.QUEUED) | crashed, pk=export_id).update(
        state=ExportState.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return Export.objects.select_related("requested_by").get(pk=export_id)


def _fail(export: Export, message: str) -> None:
    Export.objects.filter(pk=export.pk, state=ExportState.RUNNING).update(
        state=ExportState.FAILED, error=message[:2000], finished_at=timezone.now()
    )


def _tenant_info() -> dict[str, Any]:
    from tenants.models import Tenant

    schema = current_schema()
    tenant = Tenant.objects.filter(schema_name=schema).values("slug", "name", "created").first() or {}
    return {"schema": schema, **tenant}


class _TempZip(File):  # type: ignore[type-arg]
    """A finished temporary zip; the file-system storage moves it into place instead of copying."""

    def temporary_file_path(self) -> str:
        return str(self.name)


def export_run(*, export_id: int) -> bool:
    """Builds the zip for one export. True when this call finished it (ready or failed)."""
    export = _claim(export_id)
    if export is None:
        return False
    viewer = Viewer.of(export.requested_by)
    # Whoever asked is read again now: someone deactivated or demoted since gets nothing, and a
    # compliance officer turned admin gets no full export.
    if not selectors.may_export(viewer) or selectors.scope_for(viewer) != export.scope:
        _fail(export, "The person who asked for this export no longer holds the role it needs.")
        return True

    last_beat = [timezone.now()]

    def beat() -> None:
        now = timezone.now()
        if now - last_beat[0] >= BEAT_EVERY:
            Export.objects.filter(pk=export.pk).update(heartbeat_at=now)
            last_beat[0] = now

    partial = Path(settings.EXPORTS_ROOT) / "partial"
    partial.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f"{current_schema()}-{export.pk}-", suffix=".zip", dir=partial)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        counts = archive.write_archive(
            tmp,
            viewer=viewer,
            scope=export.scope,
            tenant=_tenant_info(),
            export_id=export.pk,
            started_at=export.started_at or timezone.now(),
            beat=beat,
        )
        size = tmp.stat().st_size
        storage = export_storage()
        name = export_name(current_schema(), export.pk)
        if storage.exists(name):  # an earlier attempt got this far before it died
            storage.delete(name)
        with tmp.open("rb") as fh:
            stored = storage.save(name, _TempZip(fh, name=str(tmp)))
    except Exception as exc:
        log.exception("export %s failed", export.pk)
        _fail(export, f"The export could not be written: {type(exc).__name__}: {exc}")
        return True
    finally:
        tmp.unlink(missing_ok=True)
    done = Export.objects.filter(pk=export.pk, state=ExportState.RUNNING).update(
        state=ExportState.READY,
        file=stored,
        size=size,
        counts=counts,
        error="",
        finished_at=timezone.now(),
    )
    return bool(done)


def export_open(*, export: Export, actor: Employee, ip: str | None = None) -> IO[bytes]:
    """The zip of a ready export, for a download the caller already checked with ``may_download``."""
    if export.state != ExportState.READY or not export.file:
        raise FileNotFoundError(export.pk)
    handle = export_storage().open(export.file, "rb")
    audit_record(
        actor=actor,
        action="export.download",
        target=("export", export.pk, f"export {export.pk} ({export.scope})"),
        ip=ip,
    )
    return handle


def export_filename(export: Export) -> str:
    return f"biztweet-export-{current_schema()}-{export.created_at:%Y%m%d}-{export.pk}.zip"


def exports_requeue_stuck(*, now: Any = None) -> int:
    """Sends again every export that stayed queued, or whose running worker stopped beating."""
    from exports.tasks import export_run as export_run_task

    cutoff = (now or timezone.now()) - STUCK_AFTER
    stuck = list(
        Export.objects.filter(state=ExportState.QUEUED, created_at__lt=cutoff).values_list("pk", flat=True)
    ) + list(
        Export.objects.filter(state=ExportState.RUNNING, heartbeat_at__lt=cutoff).values_list("pk", flat=True)
    )
    for pk in stuck:
        export_run_task.delay(pk)
    if stuck:
        log.info("re-queued %d stuck exports", len(stuck))
    return len(stuck)
