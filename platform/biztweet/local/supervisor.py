"""The runner's child processes, and how they stop.

Signals are recorded, never raised, so each phase winds down its own way: a step (migrate, pytest) gets
the signal passed on and is waited for; long-running children are stopped together, and only then the
embedded servers they use.

Long-running children (web, worker, beat) get sessions of their own, so a Ctrl-C in the terminal reaches
the runner alone and the order above holds. Their output is copied line by line behind their name. On
Linux they also get a parent-death signal, so a runner killed outright does not leave a server on the
port behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import IO, Any

log = logging.getLogger("biztweet.local")

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# A terminal's Ctrl-C already reached a step in the foreground process group; pass SIGINT on only if
# the step is still running after this long (the runner alone was signalled, e.g. by `kill -INT`).
_SIGINT_GRACE = 2.0
_STEP_PATIENCE = 30.0
_POLL = 0.1


class StopSignals:
    """Records SIGINT, SIGTERM and SIGHUP while active instead of letting them raise or kill."""

    def __init__(self) -> None:
        self.requested: signal.Signals | None = None
        self._previous: dict[signal.Signals, Any] = {}

    def __enter__(self) -> StopSignals:
        for signum in STOP_SIGNALS:
            self._previous[signum] = signal.signal(signum, self._record)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _record(self, signum: int, frame: FrameType | None) -> None:
        if self.requested is None:
            self.requested = signal.Signals(signum)
            log.info("received %s: stopping", self.requested.name)

    def sleep(self, seconds: float) -> bool:
        """Sleep unless or until a stop is requested; True when one was."""
        deadline = time.monotonic() + seconds
        while self.requested is None and time.monotonic() < deadline:
            time.sleep(min(_POLL, max(0.0, deadline - time.monotonic())))
        return self.requested is not None


def run_step(
    argv: Sequence[str], *, environ: Mapping[str, str], cwd: str, stop: StopSignals, capture: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run one step to completion in the foreground (so pytest --pdb can read the terminal).

    With ``capture``, its standard output and error come back in the result instead of being shown.
    """
    pipe = subprocess.PIPE if capture else None
    process = subprocess.Popen(list(argv), env=dict(environ), cwd=cwd, stdout=pipe, stderr=pipe, text=True)
    forwarded_at: float | None = None
    seen_stop_at: float | None = None
    while True:
        try:
            # A retry after a timeout keeps what was read so far: the last call returns all of it.
            out, err = process.communicate(timeout=_POLL)
        except subprocess.TimeoutExpired:
            pass
        else:
            return subprocess.CompletedProcess(list(argv), process.returncode, out, err)
        if stop.requested is None:
            continue
        now = time.monotonic()
        seen_stop_at = seen_stop_at or now
        if forwarded_at is None:
            if stop.requested != signal.SIGINT or now - seen_stop_at > _SIGINT_GRACE:
                process.send_signal(stop.requested)
                forwarded_at = now
        elif now - forwarded_at > _STEP_PATIENCE:
            log.warning("%s ignored %s for %.0f s: killing it", argv[0], stop.requested.name, _STEP_PATIENCE)
            process.kill()


if sys.platform == "linux":
    _PR_SET_PDEATHSIG = 1
    # Resolved before any fork: the child only makes the call.
    _prctl = ctypes.CDLL(None, use_errno=True).prctl

    def _die_with_runner() -> None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    _PREEXEC: Callable[[], None] | None = _die_with_runner
else:
    _PREEXEC = None


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    pump: threading.Thread | None = field(default=None)


class Supervisor:
    """Starts the long-running children, watches them, stops them all."""

    def __init__(self, *, environ: Mapping[str, str], cwd: str, stop: StopSignals, out: IO[bytes]) -> None:
        self.environ = dict(environ)
        self.cwd = cwd
        self.stop = stop
        self.out = out
        self.children: list[Child] = []
        self._out_lock = threading.Lock()

    def start(self, commands: Mapping[str, Sequence[str]]) -> None:
        # Every fork happens before the first output thread starts: a fork while another thread holds a
        # lock can leave the child's copy of that lock held forever.
        for name, argv in commands.items():
            process = subprocess.Popen(
                list(argv),
                env=self.environ,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_PREEXEC,  # safe: no other thread exists yet (see above)
            )
            self.children.append(Child(name, process))
            log.info("started %s (pid %d): %s", name, process.pid, " ".join(argv))
        width = max(len(child.name) for child in self.children)
        for child in self.children:
            prefix = f"{child.name:<{width}} | ".encode()
            child.pump = threading.Thread(target=self._copy, args=(child, prefix), daemon=True)
            child.pump.start()

    def _copy(self, child: Child, prefix: bytes) -> None:
        assert child.process.stdout is not None
        for line in iter(child.process.stdout.readline, b""):
            with self._out_lock:
                self.out.write(prefix + line)
                self.out.flush()

    def exited(self) -> Child | None:
        """The first child that is no longer running, if any."""
        return next((child for child in self.children if child.process.poll() is not None), None)

    def wait_until(self, ready: Callable[[], bool], *, timeout: float) -> bool:
        """Wait for ``ready`` while every child runs; False on a stop request, a child's exit or timeout."""
        deadline = time.monotonic() + timeout
        while self.stop.requested is None and self.exited() is None:
            if ready():
                return True
            if time.monotonic() > deadline:
                return False
            self.stop.sleep(0.2)
        return False

    def watch(self) -> Child | None:
        """Block until a child exits (returned) or a stop is requested (None)."""
        while self.stop.requested is None:
            child = self.exited()
            if child is not None:
                return child
            self.stop.sleep(0.2)
        return None

    def stop_all(self, timeout: float = 20.0) -> None:
        running = [child for child in self.children if child.process.poll() is None]
        for child in running:
            # The leader only: uvicorn drains connections and a Celery worker finishes its tasks and
            # stops its own pool (signalling the pool directly loses tasks mid-flight).
            child.process.terminate()
        deadline = time.monotonic() + timeout
        for child in running:
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop within %.0f s: killing it", child.name, timeout)
                _kill_group(child.process.pid)
                child.process.wait()
        for child in self.children:
            # Anything its leader left behind in its session (a pool process that outlived its worker).
            _kill_group(child.process.pid)
            if child.pump is not None:
                child.pump.join(timeout=5)
            if child in running:
                log.info("%s stopped (%s)", child.name, describe_exit(child.process.returncode))


def describe_exit(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        return f"by {signal.Signals(-code).name}"
    return f"exit code {code}"


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
