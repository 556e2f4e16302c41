"""Writing the export zip: JSON files streamed row by row, then the media files.

Layout (README.txt inside the zip says the same):
  manifest.json     format, tenant, scope, who asked, when, how many rows of each
  tenant.json       the company and its settings
  org_units.json    ranks.json    employees.json    follows.json
  posts.json        posts with mentions, hashtags, media, polls, edits, likes, bookmarks
  policy.json       audience defaults, contact rules, information barriers
  audit_log.json    the audit log, oldest first
  media/…           the photos and images the JSON files point to
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from django.core.files.storage import default_storage

from directory import administration
from exports import selectors
from policy import Viewer

FORMAT = "biztweet-export/1"
README = """BizTweet Cloud export ({format})

Every .json file is UTF-8 JSON. Lists are in id order; ids are strings of digits (snowflakes) where the
product shows them as strings, numbers otherwise; times are ISO 8601 in UTC.

scope "full": every post of the workspace (exported by a compliance officer).
scope "as_viewer": only the posts the person who exported could see (administrators have no extra
reading rights), and only their own bookmarks.

Files under media/ are the uploads the JSON files refer to ("photo", "media[].file").
"""


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=str, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS)


class ArchiveWriter:
    """One zip being written. ``beat`` is called every few hundred rows so the job's heartbeat moves."""

    def __init__(self, path: Path, *, beat: Callable[[], None]) -> None:
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)
        self.beat = beat
        self.counts: dict[str, int] = {}
        self.missing: list[str] = []

    def close(self) -> None:
        self.zip.close()

    def json(self, name: str, value: Any) -> None:
        self.zip.writestr(name, _dumps(value))

    def json_rows(self, name: str, rows: Iterable[dict[str, Any]]) -> int:
        count = 0
        with self.zip.open(name, "w", force_zip64=True) as out:
            out.write(b"[")
            for row in rows:
                out.write(b"\n" if count == 0 else b",\n")
                out.write(_dumps(row))
                count += 1
                if count % selectors.CHUNK == 0:
                    self.beat()
            out.write(b"\n]\n" if count else b"]\n")
        self.counts[name.removesuffix(".json")] = count
        return count

    def media(self, names: Iterable[str]) -> int:
        """Copies stored files (the tenant's media storage) under ``media/``, each once."""
        seen: set[str] = set()
        for name in names:
            if name in seen:
                continue
            seen.add(name)
            try:
                source = default_storage.open(name, "rb")
            except (FileNotFoundError, OSError):
                # A lost upload must not sink the whole export; the manifest lists it.
                self.missing.append(name)
                continue
            with source, self.zip.open(selectors.media_path(name), "w", force_zip64=True) as out:
                shutil.copyfileobj(source, out, 1024 * 1024)
            if len(seen) % 50 == 0:
                self.beat()
        return len(seen) - len(self.missing)


def write_archive(
    path: Path,
    *,
    viewer: Viewer,
    scope: str,
    tenant: dict[str, Any],
    export_id: int,
    started_at: datetime,
    beat: Callable[[], None],
) -> dict[str, int]:
    """Writes the whole export to ``path``; returns the row counts for the job's row."""
    writer = ArchiveWriter(path, beat=beat)
    try:
        writer.zip.writestr("README.txt", README.format(format=FORMAT))
        writer.json("tenant.json", {**tenant, "settings": administration.settings_snapshot()})
        writer.json_rows("org_units.json", selectors.org_units())
        ranks = selectors.ranks()
        writer.json("ranks.json", ranks)
        writer.counts["ranks"] = len(ranks)
        writer.json_rows("employees.json", selectors.employees())
        writer.json_rows("follows.json", selectors.follows())
        writer.json_rows("posts.json", selectors.posts(viewer))
        writer.json("policy.json", administration.policy_snapshot())
        writer.json_rows("audit_log.json", selectors.audit_log())
        photos = writer.media(selectors.employee_photos())
        attached = writer.media(selectors.post_media_files(viewer))
        writer.counts["media_files"] = photos + attached
        writer.json(
            "manifest.json",
            {
                "format": FORMAT,
                "export_id": str(export_id),
                "tenant": tenant,
                "scope": scope,
                "requested_by": {"id": str(viewer.id), "username": viewer.employee.username}
                if viewer.employee
                else None,
                "started_at": started_at,
                "counts": writer.counts,
                "missing_media": writer.missing,
            },
        )
    finally:
        writer.close()
    return writer.counts
