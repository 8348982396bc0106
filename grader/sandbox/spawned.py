"""A child spawned for one job, where no zygote can fork one (macOS, Windows; see
:mod:`grader.sandbox.host`).

Launched by :class:`grader.sandbox.spawner.Spawner` through
:func:`grader.sandbox.jail.launch`: its job arrives as one frame on stdin, which is then
replaced by the null device; its stdout and stderr are the grader's pipes, as a forked
child's are; it answers on the observation channel named by its one argument (a file
descriptor it inherited, or on Windows an inherited handle). From there it is the same child
as a forked one (:meth:`grader.sandbox.child.Runtime.run_job`), which pays for importing
torch itself: seconds per submission instead of milliseconds.
"""

from __future__ import annotations

import json
import os
import struct
import sys

from grader.sandbox.protocol import ChildJob
from grader.sandbox.wire import MAX_FRAME_BYTES


def _read_job() -> ChildJob:
    stream = sys.stdin.buffer
    head = stream.read(4)
    if len(head) != 4:
        raise SystemExit("no job on stdin")
    (size,) = struct.unpack(">I", head)
    if size > MAX_FRAME_BYTES:
        raise SystemExit("job frame too large")
    body = stream.read(size)
    job = json.loads(body.decode("utf-8"))
    if not isinstance(job, dict):
        raise SystemExit("the job is not an object")
    return job  # type: ignore[return-value]  # the grader's own frame


def _channel(argument: str) -> int:
    """The observation channel's file descriptor from its argument."""
    if sys.platform == "win32":
        import msvcrt

        return msvcrt.open_osfhandle(int(argument), os.O_WRONLY)
    return int(argument)


def main() -> None:
    out_fd = _channel(sys.argv[1])
    job = _read_job()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    host = job.get("host") or {}
    from grader.sandbox import child

    runtime = child.Runtime(alarm=bool(host.get("alarm", True)))
    os.environ.clear()
    os.environ.update(job["environment"])
    try:
        runtime.run_job(job, out_fd)
    finally:
        os._exit(0)
