"""localstripe, the Stripe-compatible test peer, on loopback only and with no shared state on disk.

Its stock command (``localstripe``) listens on every interface and pickles its whole store to
``/tmp/localstripe.pickle`` after every write, which would let two test runs on one machine read each
other's customers. Run as a script with a port, this file serves the same aiohttp app on
127.0.0.1 with that persistence switched off; ``localstripe_server`` runs it as a child process.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

HOST = "127.0.0.1"
# Test-only credentials: localstripe accepts any key that starts with sk_, and the webhook secret is
# what both localstripe and our tests sign events with.
TEST_SECRET_KEY = "sk_test_biztweet_localstripe"  # noqa: S105 (a local emulator's key)
TEST_WEBHOOK_SECRET = "whsec_biztweet_localstripe"  # noqa: S105
START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def answers(base: str, timeout: float = 1.0) -> bool:
    request = urllib.request.Request(  # noqa: S310 (an http URL on loopback)
        f"{base}/v1/balance", headers={"Authorization": f"Bearer {TEST_SECRET_KEY}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


@contextmanager
def localstripe_server(*, log: Path | None = None) -> Iterator[str]:
    """A localstripe child process; yields its base URL and stops it on exit."""
    port = _free_port()
    out = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), str(port)],
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not answers(base):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"localstripe did not start on {base}")
            time.sleep(0.1)
        yield base
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if log and not isinstance(out, int):
            out.close()


def test_peer(stack: ExitStack) -> Mapping[str, str]:
    """The ``TEST_PEERS`` entry for ``bin/test``: Stripe settings pointing at a fresh localstripe,
    unless the caller already pointed STRIPE_API_BASE at a Stripe-compatible server of their own."""
    from biztweet.env import is_set  # not at the top: this file also runs as a bare script

    if is_set("STRIPE_API_BASE"):
        return {}
    base = stack.enter_context(localstripe_server())
    return {
        "STRIPE_API_BASE": base,
        "STRIPE_SECRET_KEY": TEST_SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": TEST_WEBHOOK_SECRET,
    }


def _serve(port: int) -> None:
    from aiohttp import web
    from localstripe import resources, server

    # Every write would otherwise be pickled to one fixed path in /tmp shared by all runs.
    resources.store.dump_to_disk = lambda: None  # type: ignore[method-assign]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    web.run_app(server.app, sock=sock, access_log=None, print=None)


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
