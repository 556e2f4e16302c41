# shellcheck shell=bash
# Shared by bin/run and bin/test (sourced, not run): makes .venv hold the dependency groups a command
# needs, then leaves the caller in the repository with the import roots on PYTHONPATH.
#
#   bootstrap GROUP...    e.g. `bootstrap runtime local`
#
# Installing is skipped while pyproject.toml is unchanged: a stamp inside .venv records the hash of
# pyproject.toml, the pip version and the groups it was installed for.

set -euo pipefail

BIZTWEET_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIZTWEET_VENV="$BIZTWEET_ROOT/.venv"
# pip >= 25.1 reads PEP 735 dependency groups (`pip install --group`); pinned like everything else.
BIZTWEET_PIP_VERSION="26.3"
BIZTWEET_PYTHON_VERSION="3.11"

_bootstrap_say() {
    printf 'bootstrap | %s\n' "$*"
}

_bootstrap_die() {
    printf 'bootstrap | error: %s\n' "$*" >&2
    exit 1
}

bootstrap() {
    local python="python$BIZTWEET_PYTHON_VERSION"
    local venv_python="$BIZTWEET_VENV/bin/python"

    if [ ! -x "$venv_python" ]; then
        command -v "$python" >/dev/null 2>&1 \
            || _bootstrap_die "$python not found: install Python $BIZTWEET_PYTHON_VERSION (with its venv module)"
        _bootstrap_say "creating .venv with $("$python" --version 2>&1)"
        "$python" -m venv "$BIZTWEET_VENV"
    fi
    "$venv_python" -c "import sys; sys.exit(sys.version_info[:2] != (${BIZTWEET_PYTHON_VERSION/./, }))" \
        || _bootstrap_die ".venv runs $("$venv_python" --version 2>&1), not $BIZTWEET_PYTHON_VERSION: remove .venv and retry"

    local groups="$*"
    local stamp="$BIZTWEET_VENV/.biztweet-groups-${groups// /-}.sha256"
    local wanted
    wanted="$("$venv_python" - "$BIZTWEET_ROOT/pyproject.toml" "$BIZTWEET_PIP_VERSION" "$groups" <<'PY'
import hashlib
import sys

digest = hashlib.sha256(open(sys.argv[1], "rb").read())
digest.update("\0".join(sys.argv[2:]).encode())
print(digest.hexdigest())
PY
)"
    if [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
        # bin/run and bin/test started together must not run pip over each other.
        if command -v flock >/dev/null 2>&1; then
            exec 9>"$BIZTWEET_VENV/.bootstrap.lock"
            flock 9
        fi
        if [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
            _bootstrap_say "installing dependency groups: $groups (pyproject.toml changed or first run)"
            "$venv_python" -m pip install --quiet --disable-pip-version-check "pip==$BIZTWEET_PIP_VERSION"
            local args=() group
            for group in "$@"; do
                args+=(--group "$group")
            done
            (cd "$BIZTWEET_ROOT" && "$venv_python" -m pip install --quiet --disable-pip-version-check "${args[@]}")
            printf '%s\n' "$wanted" >"$stamp"
        fi
        if command -v flock >/dev/null 2>&1; then
            exec 9>&-
        fi
    fi

    cd "$BIZTWEET_ROOT"
    export PYTHONPATH="$BIZTWEET_ROOT:$BIZTWEET_ROOT/platform"
    BIZTWEET_VENV_PYTHON="$venv_python"
}
