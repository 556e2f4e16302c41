"""The message catalogues: every Korean message is translated (none empty or fuzzy), placeholders
survive translation, the compiled .mo files match the .po files, and every literal the templates
and the web app's code mark for translation is in the catalogues (a page never half in English)."""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("ko", "en")


@dataclass
class Entry:
    msgid: str
    plural: str | None = None
    msgstrs: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)


def _unquote(text: str) -> str:
    body = text.strip()[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def catalogue(language: str) -> list[Entry]:
    """The .po file's live entries (the header and obsolete ``#~`` entries left out)."""
    text = (ROOT / "locale" / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n"):
        lines = [line for line in block.strip().splitlines() if not line.startswith("#~")]
        entry, current = Entry(msgid=""), ""
        found = False
        for line in lines:
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif match := re.match(r"^(msgid_plural|msgid|msgstr(?:\[\d+\])?) (\".*\")$", line):
                current, value = match.group(1), _unquote(match.group(2))
                if current == "msgid":
                    entry.msgid, found = value, True
                elif current == "msgid_plural":
                    entry.plural = value
                else:
                    entry.msgstrs.append(value)
            elif line.startswith('"'):
                value = _unquote(line)
                if current == "msgid":
                    entry.msgid += value
                elif current == "msgid_plural":
                    entry.plural = (entry.plural or "") + value
                elif current.startswith("msgstr"):
                    entry.msgstrs[-1] += value
        if found and entry.msgid:
            entries.append(entry)
    return entries


PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    entries = catalogue(language)
    assert len(entries) > 300
    untranslated = [e.msgid for e in entries if not e.msgstrs or not all(e.msgstrs)]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert untranslated == [], f"{language}: untranslated {untranslated}"
    assert fuzzy == [], f"{language}: fuzzy {fuzzy}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language: str) -> None:
    wrong = []
    for e in catalogue(language):
        wanted = sorted(set(PLACEHOLDER.findall(e.msgid + (e.plural or ""))))
        for msgstr in e.msgstrs:
            if sorted(set(PLACEHOLDER.findall(msgstr))) != wanted:
                wrong.append((e.msgid, msgstr))
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(language: str) -> None:
    path = ROOT / "locale" / language / "LC_MESSAGES" / "django.mo"
    with path.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for e in catalogue(language):
        if not all(e.msgstrs):
            continue  # untranslated: the first test names it
        got = compiled.ngettext(e.msgid, e.plural, 1) if e.plural else compiled.gettext(e.msgid)
        if got != e.msgstrs[0]:
            stale.append(e.msgid)
    assert stale == [], "run compilemessages: the .mo files are older than the .po files"


TEMPLATE_LITERAL = re.compile(r"""{%\s*(?:translate|trans)\s+(?:"([^"]+)"|'([^']+)')\s*(?:as\s+\w+\s*)?%}""")
CODE_LITERAL = re.compile(r"""\b(?:_|gettext|gettext_lazy)\(\s*"((?:[^"\\]|\\.)*)"\s*[,)]""")


def _marked_literals() -> set[str]:
    found = set()
    for template in ROOT.glob("*/**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        for double, single in TEMPLATE_LITERAL.findall(template.read_text(encoding="utf-8")):
            # The tag looks up its literal with "%" doubled, as makemessages extracts it.
            found.add((double or single).replace("%", "%%"))
    for module in [*ROOT.glob("frontend/**/*.py"), *ROOT.glob("api/**/*.py"), *ROOT.glob("sso/**/*.py")]:
        for literal in CODE_LITERAL.findall(module.read_text(encoding="utf-8")):
            found.add(literal.encode().decode("unicode_escape") if "\\" in literal else literal)
    return found


def test_every_literal_marked_for_translation_is_in_the_korean_catalogue() -> None:
    known = {e.msgid for e in catalogue("ko")}
    marked = _marked_literals()
    assert "Audit log" in marked and "Organisation" in marked  # the scan sees the console
    missing = sorted(marked - known)
    assert missing == [], f"run makemessages -l ko -l en and translate: {missing}"
