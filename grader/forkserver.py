"""Warm zygotes (:mod:`grader.zygote`) and the pool that lends them, one job at a time.

A zygote starts exactly like a child used to — ``python -I`` with a scrubbed environment, in
its own session, inside bubblewrap at the strict level — in a worker root dir of its own (the
only writable place its jail binds); each job gets a fresh work dir under that root and a
child forked from the zygote. Between submissions the zygote is reset: every process the
last one left is ended, and its work dir is removed by the sandbox. A zygote that died (a
submission may kill its parent) or fails to reset is closed and replaced.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import jail
from grader.zygote import receive_message, send_message

STARTUP_S = 60.0
_GRADER_PARENT = str(Path(__file__).resolve().parent.parent)
_BOOT = ("import sys; sys.path.insert(0, sys.argv.pop(1)); "
         "from grader.zygote import main; main()")


class ZygoteGone(Exception):
    """The zygote died or stopped answering."""


@dataclass(frozen=True)
class Forked:
    """A child forked for one job: its pid (in the zygote's namespace) and its pipes."""

    pid: int
    stdout: int
    stderr: int
    frames: int


class Zygote:
    """One warm parent and the socket to it."""

    def __init__(self, level: str, allow_cuda: bool) -> None:
        self.level, self.allow_cuda = level, allow_cuda
        self.root = Path(tempfile.mkdtemp(prefix="grade-worker-"))
        ours, theirs = socket.socketpair()
        self._sock = ours
        self._statuses: dict[int, int] = {}
        self._checks: set[str] = set()
        """Keys of the check files this zygote has loaded: later jobs name them only."""
        inner = [sys.executable, "-I", "-u", "-B", "-c", _BOOT]
        if level == "strict":
            inner += [jail.GRADER_MOUNT, str(theirs.fileno()), "pidns"]
            command = jail.command(inner, self.root, Path(_GRADER_PARENT) / "grader",
                                   allow_cuda)
        else:
            inner += [_GRADER_PARENT, str(theirs.fileno()), "shared"]
            command = inner
        env = jail.child_environment(self.root)
        if not allow_cuda:
            env["CUDA_VISIBLE_DEVICES"] = ""
        try:
            self.proc = subprocess.Popen(
                command, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.root, env=env,
                start_new_session=True)
        finally:
            theirs.close()
        self._expect("ready", STARTUP_S)

    def spawn(self, job: dict[str, Any]) -> Forked:
        """Fork a child for ``job`` (a child job, see :func:`grader.child.run_job`). The
        job's check files (``sources``, under the key ``checks``) travel to each zygote
        once: it loads them before it forks, and its later children inherit them."""
        if job["checks"] in self._checks:
            job = {**job, "sources": None}
        pipes = [os.pipe() for _ in range(3)]
        try:
            send_message(self._sock, {"kind": "fork", "job": job}, [w for _, w in pipes])
        except OSError as exc:
            for r, w in pipes:
                os.close(r)
                os.close(w)
            raise ZygoteGone(str(exc)) from None
        for _, w in pipes:
            os.close(w)
        try:
            answer = self._expect("forked", 10.0)
        except ZygoteGone:
            for r, _ in pipes:
                os.close(r)
            raise
        self._checks.add(job["checks"])
        return Forked(int(answer["pid"]), pipes[0][0], pipes[1][0], pipes[2][0])

    def kill(self, pid: int) -> None:
        try:
            send_message(self._sock, {"kind": "kill", "pid": pid})
        except OSError:
            pass

    def wait(self, pid: int, timeout: float) -> int | None:
        """The child's exit status (``-N`` for signal N), or None if it did not end in time."""
        deadline = time.monotonic() + timeout
        while pid not in self._statuses:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                self._read_one(left)
            except (ZygoteGone, TimeoutError):
                return self._statuses.get(pid)
        return self._statuses.pop(pid)

    def reset(self) -> None:
        send_message(self._sock, {"kind": "reset"})
        self._expect("reset", 10.0)
        self._statuses.clear()

    def stats(self) -> dict[str, int]:
        """Peak resident memory (KiB) of the zygote and of its largest child so far."""
        send_message(self._sock, {"kind": "stats"})
        answer = self._expect("stats", 10.0)
        return {k: int(v) for k, v in answer.items() if k != "kind"}

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        try:
            self._sock.close()
        finally:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait()
            if self.proc.stderr is not None:
                self.proc.stderr.close()
            shutil.rmtree(self.root, ignore_errors=True)

    def _expect(self, kind: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ZygoteGone(f"no '{kind}' from the zygote within {timeout:g} s")
            try:
                message = self._read_one(left)
            except TimeoutError:
                continue
            if message.get("kind") == kind:
                return message

    def _read_one(self, timeout: float) -> dict[str, Any]:
        self._sock.settimeout(timeout)
        try:
            message, fds = receive_message(self._sock)
        except TimeoutError:
            raise
        except (EOFError, OSError) as exc:
            raise ZygoteGone(self._why_gone(exc)) from None
        for fd in fds:
            os.close(fd)
        if message.get("kind") == "exited":
            self._statuses[int(message["pid"])] = int(message["status"])
        return message

    def _why_gone(self, exc: BaseException) -> str:
        if self.proc.poll() is None:
            return f"the zygote's channel failed: {exc}"
        err = b""
        if self.proc.stderr is not None:
            try:
                err = self.proc.stderr.read(4000) or b""
            except (OSError, ValueError):
                pass
        lines = err.decode(errors="replace").strip().splitlines()
        return (f"the zygote ended with status {self.proc.returncode}"
                + (f": {lines[-1]}" if lines else ""))


class Pool:
    """Idle zygotes by (level, CUDA allowed); each lent to one session at a time."""

    def __init__(self) -> None:
        self._idle: dict[tuple[str, bool], list[Zygote]] = {}
        self._lock = threading.Lock()

    def acquire(self, level: str, allow_cuda: bool) -> Zygote:
        with self._lock:
            idle = self._idle.get((level, allow_cuda), [])
            while idle:
                zygote = idle.pop()
                if zygote.alive():
                    return zygote
                zygote.close()
        # Started from one long-lived thread: bubblewrap's --die-with-parent follows the
        # thread that started it, and a session's thread ends before its zygote should.
        return _SPAWNER.submit(Zygote, level, allow_cuda).result()

    def prestart(self, level: str, allow_cuda: bool) -> None:
        """Start a zygote now and keep it idle for the next session, untouched (a reset would
        make it warm up, which a single ``grade check`` does not need); waits until it is
        ready. Used while the caller's own imports run in another thread."""
        zygote = _SPAWNER.submit(Zygote, level, allow_cuda).result()
        with self._lock:
            self._idle.setdefault((level, allow_cuda), []).append(zygote)

    def release(self, zygote: Zygote) -> None:
        """Take ``zygote`` back after a session, reset; a broken one is closed."""
        try:
            if not zygote.alive():
                raise ZygoteGone("dead")
            zygote.reset()
        except (ZygoteGone, OSError):
            zygote.close()
            return
        for entry in zygote.root.iterdir():  # what the last submission left, beside its work dir
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        with self._lock:
            self._idle.setdefault((zygote.level, zygote.allow_cuda), []).append(zygote)

    def idle(self) -> list[Zygote]:
        with self._lock:
            return [z for idle in self._idle.values() for z in idle]

    def close(self) -> None:
        with self._lock:
            zygotes = [z for idle in self._idle.values() for z in idle]
            self._idle.clear()
        for zygote in zygotes:
            zygote.close()


_SPAWNER = ThreadPoolExecutor(max_workers=8, thread_name_prefix="grade-zygotes")
POOL = Pool()
atexit.register(POOL.close)
