"""The tree's import layout: platform/ is an import root, never a package (STYLE.md, "Layout")."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = ["biztweet", "common", "directory", "posts", "social", "policy", "tenants", "frontend"]


def test_platform_is_not_a_package() -> None:
    assert not (ROOT / "platform" / "__init__.py").exists()
    assert not list((ROOT / "platform").glob("*.py")), "no modules directly in platform/"


def test_import_platform_is_still_the_standard_library() -> None:
    import platform

    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    assert Path(platform.__file__).resolve().parent == stdlib
    assert callable(platform.python_version)


@pytest.mark.parametrize("name", FIRST_PARTY)
def test_first_party_packages_resolve_inside_the_repo(name: str) -> None:
    module = importlib.import_module(name)
    origin = Path(module.__file__ or "").resolve()
    assert ROOT in origin.parents, f"{name} resolved to {origin}, outside the repository"


def test_manage_py_adds_platform_itself_without_shadowing_stdlib() -> None:
    # A fresh interpreter started the way operators start it: no PYTHONPATH, manage.py adds platform/.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", "import platform, directory; print(platform.__file__)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("platform.py")
    assert str(ROOT) not in result.stdout
