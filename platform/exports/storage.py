"""Where finished exports live: a private storage, never MEDIA_ROOT and never served by URL.

The only way out is ``exports.services.export_open`` behind the download views, which check the
requester's rights. A deployment may name its own backend as ``STORAGES["exports"]`` (an S3 bucket
without public access); by default it is the ``EXPORTS_ROOT`` folder.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages


def export_storage() -> Storage:
    if "exports" in settings.STORAGES:
        return storages["exports"]
    # Built per call (cheap): tests and the local runner point EXPORTS_ROOT elsewhere at run time.
    return FileSystemStorage(location=settings.EXPORTS_ROOT, base_url=None)


def export_name(schema: str, export_id: int) -> str:
    # The schema leads every name, as media paths do: one tenant's files never share a folder with another's.
    return f"{schema}/export-{export_id}.zip"
