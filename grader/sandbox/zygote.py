"""The warm parent of children: imports torch and the grader once, then forks a child per job.

Starting Python and importing torch costs seconds; forking a process that already did costs
milliseconds. The zygote is launched by :func:`grader.sandbox.jail.launch` and serves the
commands of :mod:`grader.sandbox.protocol`, one at a time, over a Unix socket from
:mod:`grader.sandbox.pool`:

``fork`` (with three file descriptors: the child's stdout, stderr and observation channel)
→ the zygote loads the job's check files if it has not yet (the first job of an assignment
carries them, later ones name them), and forks; the child starts its own session, moves to
the job's work dir, sets its limits and runs the job (``Runtime.run_job`` of
:mod:`grader.sandbox.child`); the zygote answers ``forked`` and, when the child ends,
``exited`` with its wait status. ``kill`` ends the job's processes; ``reset`` (after each
submission) also ends every process the job left behind — inside the strict level's PID
namespace, every process but the zygote itself (``kill(-1)``). ``warm`` runs what torch
imports lazily (autograd's engine, functional Jacobians, gradcheck, and optimizers when the
assignment uses them), so that its children find it done: a batch asks for it before its
first submission. A zygote not asked warms up fully after its first ``reset``: not before,
since this loop is what reports a child's exit and a single ``grade check`` needs one child.

The zygote never runs submitted code itself and never initialises CUDA (children do, after
the fork). It is made non-dumpable, so a child cannot ptrace it or write its memory to
tamper with the children of later submissions; a child can only kill it, which the grader
notices and answers with a fresh zygote.
"""

from __future__ import annotations

import ctypes
import gc
import os
import select
import signal
import socket
import sys
from typing import Any

from grader.sandbox.protocol import ChildJob, Reply
from grader.sandbox.wire import receive_message, send_message

_PR_SET_DUMPABLE = 4
_PR_SET_PDEATHSIG = 1


def _prctl(option: int, value: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def serve(sock_fd: int, in_pid_namespace: bool) -> None:
    """The zygote's loop; returns (and the process exits) when the grader closes the socket.
    ``in_pid_namespace``: it runs in a PID namespace of its own (the strict level), where
    ending every other process is safe."""
    from grader.sandbox import child

    runtime = child.Runtime()
    _freeze()
    warm = warm_optimizers = False
    _prctl(_PR_SET_DUMPABLE, 0)
    sock = socket.socket(fileno=sock_fd)
    children: set[int] = set()
    # A child's end wakes the loop at once (SIGCHLD through a wakeup pipe), so the grader
    # learns its exit status without polling delays.
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    signal.set_wakeup_fd(wake_w)
    def reply(message: Reply) -> None:
        send_message(sock, message)

    def warm_up(optimizers: bool) -> None:
        runtime.warm_up(optimizers)
        _freeze()
        _collapse()

    reply({"kind": "ready", "pid": os.getpid()})
    while True:
        ready = select.select([sock.fileno(), wake_r], [], [], 1.0)[0]
        if wake_r in ready:
            while True:
                try:
                    if not os.read(wake_r, 512):
                        break
                except BlockingIOError:
                    break
        _reap(children, sock)
        if sock.fileno() not in ready:
            continue
        try:
            message, fds = receive_message(sock, max_fds=3)
        except (EOFError, ConnectionError):
            return
        kind = message.get("kind")
        if kind == "fork" and len(fds) == 3:
            job: ChildJob = message["job"]
            sources = job["sources"]
            if sources is not None:  # the first job of an assignment's checks
                runtime.load_checks(job["checks"], job["assignment"], sources)
                job["sources"] = None
                if warm:
                    _freeze()
                    _collapse()
            pid = os.fork()
            if pid == 0:
                sock.close()
                signal.set_wakeup_fd(-1)
                os.close(wake_r)
                os.close(wake_w)
                _run_child(runtime, job, fds)
            for fd in fds:
                os.close(fd)
            children.add(pid)
            reply({"kind": "forked", "pid": pid})
        elif kind == "kill":
            _kill_session(int(message["pid"]))
        elif kind == "stats":
            zygote_kib, child_kib = _memory()
            reply({"kind": "stats", "zygote_peak_kib": zygote_kib, "child_peak_kib": child_kib})
        elif kind == "warm":
            optimizers = bool(message.get("optimizers", True))
            if not warm or (optimizers and not warm_optimizers):
                warm_up(optimizers)
                warm, warm_optimizers = True, optimizers or warm_optimizers
            reply({"kind": "warm"})
        elif kind == "reset":
            for pid in list(children):
                _kill_session(pid)
            if in_pid_namespace:
                try:
                    os.kill(-1, signal.SIGKILL)  # every process here but this one (and init)
                except ProcessLookupError:
                    pass
            _reap(children, sock)
            if in_pid_namespace:  # nothing of this submission's is left for the next one
                _empty(SCRATCH_DIRS)
            reply({"kind": "reset"})
            if not warm:
                # After the first session, not during it: this loop reports its children's
                # exits, and a session waits for those (a `grade check` needs nothing more).
                warm_up(True)
                warm = warm_optimizers = True
        else:
            for fd in fds:
                os.close(fd)


def _freeze() -> None:
    """Objects that exist now are the children's inheritance: keep the collector from
    walking (and so copying, page by page) them in every child."""
    gc.collect()
    gc.freeze()


_MADV_COLLAPSE = 25
_HUGE_PAGE = 2 << 20


def _collapse() -> None:
    """Back the zygote's private memory (Python's and torch's heaps, some 150 MiB) with huge
    pages where the kernel can (Linux 6.1 and later, transparent huge pages not disabled).

    Each fork copies the page tables of that memory and each child's exit tears its copy
    down: 4 KiB pages made that 7 ms and 10 ms of every submission; 2 MiB pages make them
    a fraction of a millisecond. A child's first write to a huge page still copies only the
    4 KiB it writes (the kernel splits the shared mapping). Costs the zygote a few MiB
    where the regions had holes; elsewhere the call fails and nothing changes."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        madvise = libc.madvise
        madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        with open("/proc/self/maps") as f:
            regions = [line.split() for line in f]
    except (OSError, AttributeError):
        return
    for fields in regions:
        start, end = (int(x, 16) for x in fields[0].split("-"))
        anonymous = len(fields) < 6 or fields[5] == "[heap]"
        if fields[1].startswith("rw") and anonymous and end - start >= _HUGE_PAGE:
            madvise(start, end - start, _MADV_COLLAPSE)


SCRATCH_DIRS = ("/tmp", "/dev/shm")
"""The strict jail's writable places: in memory, capped, private to this zygote."""


def _empty(folders: tuple[str, ...]) -> None:
    import shutil

    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


def _run_child(runtime: Any, job: ChildJob, fds: list[int]) -> None:
    """In the forked child: become the job's process: its own session, its pipes as stdin
    (``/dev/null``), stdout and stderr, the job's environment; then run the job."""
    try:
        os.setsid()
        _prctl(_PR_SET_DUMPABLE, 1)  # its own limits apply; it may dump nothing (RLIMIT_CORE)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        stdout_fd, stderr_fd, out_fd = fds
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(stdout_fd, 1)
        os.dup2(stderr_fd, 2)
        for fd in (devnull, stdout_fd, stderr_fd):
            if fd > 2:
                os.close(fd)
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        os.environ.clear()
        os.environ.update(job["environment"])
        runtime.run_job(job, out_fd)
    finally:
        os._exit(0)


def _kill_session(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _reap(children: set[int], sock: socket.socket) -> None:
    """Collect every exited child: a job's child is reported with its status; others (a
    job's orphans re-parented here) are only collected."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid in children:
            children.discard(pid)
            exited: Reply = {"kind": "exited", "pid": pid, "status": _exit_code(status)}
            send_message(sock, exited)


def _memory() -> tuple[int, int]:
    """Peak resident memory in KiB: the zygote's own and its largest child's."""
    import resource

    with open("/proc/self/status") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    own = int(fields.get("VmHWM", "0 kB").split()[0])
    return own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def _exit_code(status: int) -> int:
    """A wait status as Popen reports it: the exit code, or ``-N`` for signal N."""
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1


def main() -> None:
    serve(int(sys.argv[1]), sys.argv[2] == "pidns")
