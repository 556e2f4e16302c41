"""The Content-Security-Policy allows no inline script or style, so no template may rely on either: the
browser would silently drop it (the console's org tree once lost its indentation that way)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(
    p for folder in ("frontend", "sso", "tenants", "billing", "api") for p in (ROOT / folder).rglob("*.html")
)
INLINE_STYLE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def test_templates_were_found() -> None:
    assert len(TEMPLATES) > 20


def test_no_template_has_inline_style_script_or_event_handler() -> None:
    offenders = []
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        checks = (("style", INLINE_STYLE), ("handler", INLINE_HANDLER), ("script", INLINE_SCRIPT))
        for name, pattern in checks:
            offenders += [f"{path.relative_to(ROOT)}: inline {name}" for _ in pattern.finditer(text)]
    assert offenders == []
