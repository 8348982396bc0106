"""Warm zygotes (:mod:`grader.sandbox.zygote`) seen from the grader, and the pool that lends
them, one session at a time.

A zygote is launched by :func:`grader.sandbox.jail.launch` in a worker root dir of its own
(the only writable place its jail binds); each job gets a fresh work dir under that root and
a child forked from the zygote. Between submissions the zygote is reset: every process the
last one left is ended, and the files under its root are removed. A zygote that died (a
submission may kill its parent) or fails to reset is closed and replaced.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from grader.sandbox import host, jail
from grader.sandbox.jail import Level
from grader.sandbox.parent import Forked as Forked
from grader.sandbox.parent import ZygoteGone as ZygoteGone
from grader.sandbox.protocol import ChildJob, Command, ReplyKind
from grader.sandbox.wire import WireError, receive_message, send_message

if TYPE_CHECKING:
    from grader.sandbox.spawner import Spawner

STARTUP_S = 60.0
WARM_UP_S = 60.0


class Zygote:
    """One warm parent and the socket to it."""

    def __init__(self, level: Level, allow_cuda: bool, scratch_mb: int = jail.SCRATCH_MB
                 ) -> None:
        self.level, self.allow_cuda, self.scratch_mb = level, allow_cuda, scratch_mb
        self.warm = self.warm_optimizers = False
        self.root = Path(tempfile.mkdtemp(prefix="grade-worker-"))
        ours, theirs = socket.socketpair()
        self._sock = ours
        self._statuses: dict[int, int] = {}
        self._checks: set[str] = set()
        """Keys of the check files this zygote has loaded: later jobs name them only."""
        try:
            self.proc = jail.launch(
                "grader.sandbox.zygote:main",
                [str(theirs.fileno()), "pidns" if level == "strict" else "shared"],
                root=self.root, level=level, allow_cuda=allow_cuda,
                pass_fds=(theirs.fileno(),), stderr=subprocess.PIPE, writable_root=False,
                scratch_mb=scratch_mb)
        finally:
            theirs.close()
        self._expect("ready", STARTUP_S)

    def spawn(self, job: ChildJob) -> Forked:
        """Fork a child for ``job`` (see :meth:`grader.sandbox.child.Runtime.run_job`). The
        job's check files (``sources``, under the key ``checks``) travel to each zygote
        once: it loads them before it forks, and its later children inherit them."""
        if job["checks"] in self._checks:
            job = {**job, "sources": None}
        pipes = [os.pipe() for _ in range(3)]
        try:
            self._send({"kind": "fork", "job": job}, [w for _, w in pipes])
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
            self._send({"kind": "kill", "pid": pid})
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
        self._send({"kind": "reset"})
        self._expect("reset", 10.0)
        self._statuses.clear()

    def warm_up(self, optimizers: bool = True) -> None:
        """Have the zygote run what torch loads lazily (with ``torch.optim`` where the
        assignment uses optimizers), so that its children find it done: a batch's many
        children; a single ``grade check`` does without."""
        if not self.warm or (optimizers and not self.warm_optimizers):
            self._send({"kind": "warm", "optimizers": optimizers})
            self._expect("warm", WARM_UP_S)
            self.warm, self.warm_optimizers = True, optimizers or self.warm_optimizers

    def stats(self) -> dict[str, int]:
        """Peak resident memory (KiB) of the zygote and of its largest child so far."""
        self._send({"kind": "stats"})
        answer = self._expect("stats", 10.0)
        return {k: int(v) for k, v in answer.items() if k != "kind"}

    def _send(self, command: Command, fds: list[int] | None = None) -> None:
        send_message(self._sock, command, fds)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        try:
            self._sock.close()
        finally:
            jail.stop(self.proc)
            if self.proc.stderr is not None:
                self.proc.stderr.close()
            shutil.rmtree(self.root, ignore_errors=True)

    def _expect(self, kind: ReplyKind, timeout: float) -> dict[str, Any]:
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
        except (EOFError, OSError, WireError) as exc:
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


Parent = Union[Zygote, "Spawner"]
"""What lends a session its children: a warm zygote, or a spawner where none can fork."""


def start_parent(level: Level, allow_cuda: bool, scratch_mb: int = jail.SCRATCH_MB) -> Parent:
    """A zygote where this host can fork children from one; else a :class:`Spawner`
    (:mod:`grader.sandbox.host`)."""
    if host.current().fork_server:
        return Zygote(level, allow_cuda, scratch_mb)
    from grader.sandbox.spawner import Spawner

    return Spawner(level, allow_cuda, scratch_mb)


def _scratch(level: Level, scratch_mb: int) -> int:
    return scratch_mb if level == "strict" else jail.SCRATCH_MB


class Pool:
    """Idle zygotes by (level, CUDA allowed, scratch size); each lent to one session at a
    time. The scratch size is the strict level's (its tmpfs are made when the zygote
    starts); at the basic level it is always the default."""

    def __init__(self) -> None:
        self._idle: dict[tuple[Level, bool, int], list[Parent]] = {}
        self._lock = threading.Lock()

    def acquire(self, level: Level, allow_cuda: bool, scratch_mb: int = jail.SCRATCH_MB
                ) -> Parent:
        scratch_mb = _scratch(level, scratch_mb)
        with self._lock:
            idle = self._idle.get((level, allow_cuda, scratch_mb), [])
            while idle:
                zygote = idle.pop()
                if zygote.alive():
                    return zygote
                zygote.close()
        # Started from one long-lived thread: bubblewrap's --die-with-parent follows the
        # thread that started it, and a session's thread ends before its zygote should.
        return _SPAWNER.submit(start_parent, level, allow_cuda, scratch_mb).result()

    def prepare(self, level: Level, allow_cuda: bool, count: int = 1, warm: bool = False,
                optimizers: bool = True, scratch_mb: int = jail.SCRATCH_MB) -> None:
        """Have ``count`` zygotes idle for the sessions to come, starting the missing ones
        at once; waits until they are ready (and, with ``warm``, warmed up, ``torch.optim``
        included with ``optimizers``: a batch's children then find torch's lazy imports
        done from the first submission on).
        Without ``warm`` a zygote is left untouched until its first reset, as a single
        ``grade check`` needs. Called while the caller's own imports run in another thread,
        or before a batch's workers start."""
        key = (level, allow_cuda, _scratch(level, scratch_mb))
        with self._lock:
            ready = self._idle.pop(key, [])
        keep = [z for z in ready if z.alive()]
        for zygote in ready:
            if zygote not in keep:
                zygote.close()

        def start(zygote: Parent | None) -> Parent:
            zygote = zygote or start_parent(*key)
            if warm:
                zygote.warm_up(optimizers)
            return zygote

        jobs = [_SPAWNER.submit(start, z) for z in keep]
        jobs += [_SPAWNER.submit(start, None) for _ in range(count - len(keep))]
        prepared = []
        failure: BaseException | None = None
        for job in jobs:
            try:
                prepared.append(job.result())
            except (ZygoteGone, OSError) as exc:
                failure = exc
        with self._lock:
            self._idle.setdefault(key, []).extend(prepared)
        if failure is not None:
            raise failure

    def release(self, zygote: Parent) -> None:
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
            self._idle.setdefault((zygote.level, zygote.allow_cuda, zygote.scratch_mb),
                                  []).append(zygote)

    def idle(self) -> list[Parent]:
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
