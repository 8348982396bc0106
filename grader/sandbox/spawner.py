"""Children spawned one per job, for hosts where a warm zygote cannot fork them.

Seen from a session it is a zygote (:class:`grader.sandbox.pool.Zygote`): ``spawn`` gives a
child's pid and its three pipes, ``wait``, ``kill`` and ``reset`` work alike. Behind it,
each job is a fresh interpreter launched by :func:`grader.sandbox.jail.launch` running
:mod:`grader.sandbox.spawned`, which imports torch itself: a few seconds per child instead
of milliseconds, the price of a host without a safe ``fork`` (:mod:`grader.sandbox.host`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.sandbox import jail
from grader.sandbox.jail import Level
from grader.sandbox.parent import Forked, ZygoteGone
from grader.sandbox.protocol import ChildJob
from grader.sandbox.wire import frame


class Spawner:
    """A zygote's interface over spawned children (see the module's docstring)."""

    def __init__(self, level: Level, allow_cuda: bool, scratch_mb: int = jail.SCRATCH_MB
                 ) -> None:
        self.level, self.allow_cuda, self.scratch_mb = level, allow_cuda, scratch_mb
        self.warm = self.warm_optimizers = True  # nothing to warm: every child starts cold
        self.root = Path(tempfile.mkdtemp(prefix="grade-worker-"))
        self._children: dict[int, subprocess.Popen[bytes]] = {}

    def spawn(self, job: ChildJob) -> Forked:
        pipes = [os.pipe() for _ in range(3)]
        (out_r, out_w), (err_r, err_w), (frames_r, frames_w) = pipes
        handles: tuple[int, ...] = ()
        if sys.platform == "win32":
            import msvcrt

            handle = msvcrt.get_osfhandle(frames_w)
            os.set_handle_inheritable(handle, True)
            channel, fds, handles = str(handle), (), (handle,)
        else:
            channel, fds = str(frames_w), (frames_w,)
        try:
            proc = jail.launch("grader.sandbox.spawned:main", [channel],
                               root=Path(job["workdir"]), level=self.level,
                               allow_cuda=self.allow_cuda, pass_fds=fds, pass_handles=handles,
                               stdin=subprocess.PIPE, stdout=out_w, stderr=err_w,
                               scratch_mb=self.scratch_mb)
        except OSError as exc:
            for fd in (out_r, out_w, err_r, err_w, frames_r, frames_w):
                os.close(fd)
            raise ZygoteGone(f"could not start a child: {exc}") from None
        for fd in (out_w, err_w, frames_w):
            os.close(fd)
        self._children[proc.pid] = proc
        try:
            assert proc.stdin is not None
            proc.stdin.write(frame(job))
            proc.stdin.close()
        except OSError:
            pass  # it died before it read its job: its end says why
        return Forked(proc.pid, out_r, err_r, frames_r)

    def kill(self, pid: int) -> None:
        proc = self._children.get(pid)
        if proc is not None:
            jail.kill(proc)

    def wait(self, pid: int, timeout: float) -> int | None:
        proc = self._children.get(pid)
        if proc is None:
            return None
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def reset(self) -> None:
        for proc in self._children.values():
            jail.stop(proc)
        self._children.clear()

    def warm_up(self, optimizers: bool = True) -> None:
        """Nothing to do: a spawned child imports everything itself."""

    def stats(self) -> dict[str, int]:
        """No zygote here; the children's peak where :mod:`resource` says it."""
        try:
            import resource
        except ImportError:
            return {"zygote_peak_kib": 0, "child_peak_kib": 0}
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return {"zygote_peak_kib": 0,
                "child_peak_kib": peak // 1024 if sys.platform == "darwin" else peak}

    def alive(self) -> bool:
        return True

    def close(self) -> None:
        self.reset()
        shutil.rmtree(self.root, ignore_errors=True)
