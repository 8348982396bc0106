"""Levels of the sandbox, and :func:`launch`: the one way a sandboxed Python process starts.

Every process that will run a submission's code — a warm zygote and the children it forks,
a notebook's runner — is started by :func:`launch`: ``python -I`` with a scrubbed
environment, in a session of its own, in a root dir that is its only writable place, and at
the ``strict`` level inside bubblewrap (``bwrap``). :func:`stop` ends it with everything
it started.

What a process sees inside the jail: the Python installation and the system libraries,
read-only; the grader's own package (not the course repository around it), read-only; its
root dir (read-only for a zygote, whose children copy their files from it); a ``/tmp`` and a
``/dev/shm`` of its own, in memory and capped (:data:`SCRATCH_MB` and :data:`SCRATCH_FILES`
together), the only
writable places a zygote's children have: nothing of the host's disk; a minimal ``/dev`` and
its own ``/proc``. It has no network (a new network namespace holds only a down loopback), a private
PID namespace (no process outlives the session: when bubblewrap ends, every process inside
is killed) and ``--die-with-parent``. GPU device nodes are bound only when the job may use CUDA.

The ``basic`` level (rlimits, own work dir, scrubbed environment, process-group kill) is what
runs where bubblewrap is missing or cannot create namespaces; see the README's threat model.
"""

from __future__ import annotations

import atexit
import functools
import glob
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Literal

from grader.errors import UsageError

Level = Literal["strict", "basic"]
LEVELS = ("auto", "strict", "basic")
"""What ``--sandbox`` accepts; :func:`choose_level` turns it into a :data:`Level`."""
GRADER_MOUNT = "/opt/grade"  # where the grader package appears inside the jail
GRADER_PACKAGE = Path(__file__).resolve().parent.parent
"""The ``grader`` package folder, the one part of the grader's files a jail binds."""
_ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
              "/etc/localtime", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group")
_SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin")
SCRATCH_MB = 256
"""What a strict jail's writable places hold together: ``/tmp`` (where each child's work dir
is, :data:`SCRATCH_WORKDIR`) and ``/dev/shm``. In memory, emptied by the zygote between
submissions."""
SCRATCH_FILES = 10_000
"""How many files and folders those places hold together. Every one costs kernel memory
that the size cap does not count (an empty file has no pages), so a submission could
otherwise pin gigabytes in millions of empty files."""
SCRATCH_WORKDIR = "/tmp/work"
BASIC_WARNING = ("sandbox level basic: the submission could read files its user can read, "
                 "write outside its work dir, open network connections, signal the grader "
                 "and leave processes that call setsid() behind (the strict level, with "
                 "bubblewrap, prevents all of these)")


def _python_dirs() -> list[str]:
    """Every directory the interpreter and its packages live in, symlinks resolved."""
    found = {sys.prefix, sys.base_prefix, sys.exec_prefix,
             str(Path(sys.executable).parent)}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        found.add(sysconfig.get_paths()[key])
    found |= {os.path.realpath(p) for p in list(found)}
    found.add(os.path.dirname(os.path.realpath(sys.executable)))
    # Nested dirs are covered by their parents.
    dirs = sorted(p for p in found if os.path.isdir(p))
    return [d for d in dirs if not any(d != o and d.startswith(o + os.sep) for o in dirs)]


def command(inner: list[str], workdir: Path, grader_package: Path, cuda: bool,
            writable_root: bool = True, scratch_mb: int = SCRATCH_MB) -> list[str]:
    """``inner`` (the child's command line) wrapped in bubblewrap; without
    ``writable_root``, ``workdir`` is read-only inside and only the capped in-memory
    ``/tmp`` and ``/dev/shm`` can be written."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise UsageError("the strict sandbox needs bubblewrap (bwrap) on PATH")
    # --cap-drop ALL: a grader run as root must not hand its capabilities (raising its own
    # rlimits, mounting) to the child; for other users bubblewrap keeps none anyway.
    args = [bwrap, "--unshare-all", *_no_nested_namespaces(bwrap), "--die-with-parent",
            "--new-session", "--cap-drop", "ALL",
            "--proc", "/proc", "--dev", "/dev"]
    wrapper = _scratch_wrapper()
    if wrapper is not None:
        # One tmpfs capped in bytes and in files, mounted by the wrapper, holds both places.
        mountpoint = _scratch_mountpoint()
        args = [*wrapper, str(scratch_mb << 20), str(SCRATCH_FILES), mountpoint, *args,
                "--bind", f"{mountpoint}/tmp", "/tmp", "--bind", f"{mountpoint}/shm", "/dev/shm"]
    else:
        # Bubblewrap's own tmpfs: capped in bytes only (see the README's threat model).
        args += ["--size", str((scratch_mb * 3 // 4) << 20), "--tmpfs", "/tmp",
                 "--size", str(max(scratch_mb // 4, 1) << 20), "--tmpfs", "/dev/shm"]
    for path in _SYSTEM_DIRS:
        args += ["--ro-bind-try", path, path]
    for path in _ETC_FILES:
        args += ["--ro-bind-try", path, path]
    for path in _python_dirs():
        args += ["--ro-bind", path, path]
    args += ["--ro-bind", str(grader_package), f"{GRADER_MOUNT}/grader"]
    if cuda:
        for node in sorted(glob.glob("/dev/nvidia*")):
            args += ["--dev-bind-try", node, node]
        args += ["--ro-bind-try", "/sys", "/sys",
                 "--ro-bind-try", "/proc/driver/nvidia", "/proc/driver/nvidia"]
    args += ["--bind" if writable_root else "--ro-bind", str(workdir), str(workdir),
             "--chdir", str(workdir), "--"]
    return args + inner


@functools.cache
def _no_nested_namespaces(bwrap: str) -> list[str]:
    """Bubblewrap's flags that stop a child from creating user namespaces of its own, where
    this bubblewrap has them (0.8 and later). In a user namespace of its own a process may
    mount a tmpfs of any size, beside the capped ``/tmp`` and ``/dev/shm``, and fill the
    host's memory through it."""
    try:
        text = subprocess.run([bwrap, "--help"], capture_output=True, text=True,
                              timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return ["--unshare-user", "--disable-userns"] if "--disable-userns" in text else []


_MOUNT_SCRATCH = ('mount -t tmpfs -o "size=$1,nr_inodes=$2,mode=0755" grade-scratch "$3" '
                  '&& mkdir -m 1777 "$3/tmp" "$3/shm" && shift 3 && exec "$@"')
"""Run by ``sh`` in a user and mount namespace of the grader's own, before bubblewrap: the
mount exists only there, so nothing is left on the host when the jail ends."""


@functools.cache
def _scratch_wrapper() -> list[str] | None:
    """The command line prefix that mounts a scratch tmpfs capped in bytes *and* files
    around bubblewrap (whose ``--tmpfs`` takes a size only), or ``None`` where this machine
    cannot: no ``unshare``, or no unprivileged user namespaces."""
    unshare, sh, bwrap = shutil.which("unshare"), shutil.which("sh"), shutil.which("bwrap")
    if unshare is None or sh is None or bwrap is None:
        return None
    prefix = [unshare, "--user", "--map-root-user", "--mount", "--", sh, "-c", _MOUNT_SCRATCH,
              "grade-scratch"]
    # Bubblewrap itself must start in there too (a setuid one may refuse).
    probe = [*prefix, str(1 << 20), "16", _scratch_mountpoint(), bwrap, "--unshare-all",
             *_no_nested_namespaces(bwrap), "--ro-bind", "/", "/", "--", "true"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return prefix if done.returncode == 0 else None


@functools.cache
def _scratch_mountpoint() -> str:
    """An empty folder of this grader process's, over which each jail's wrapper mounts its
    scratch in a mount namespace of its own (so one folder serves every jail)."""
    path = tempfile.mkdtemp(prefix="grade-scratch-")
    atexit.register(shutil.rmtree, path, True)
    return path


@functools.cache
def strict_problem() -> str | None:
    """``None`` when the strict level works on this machine, else why it does not."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    probe = Path(os.environ.get("TMPDIR", "/tmp")).resolve()
    inner = [sys.executable, "-I", "-c", "pass"]
    try:
        done = subprocess.run(command(inner, probe, GRADER_PACKAGE, False),
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap could not start: {exc}"
    if done.returncode != 0:
        lines = (done.stderr or "").strip().splitlines()
        return f"bubblewrap cannot create its namespaces here ({lines[-1] if lines else '?'})"
    return None


def choose_level(requested: str = "auto") -> Level:
    """The level to run at: ``auto`` takes ``strict`` where it works; ``strict`` refuses to
    fall back."""
    if requested not in LEVELS:
        raise UsageError(f"--sandbox must be one of {', '.join(LEVELS)}, got {requested!r}")
    if requested == "basic":
        return "basic"
    problem = strict_problem()
    if problem is None:
        return "strict"
    if requested == "strict":
        raise UsageError(f"the strict sandbox is not available: {problem}")
    return "basic"


_PASS_ENV = ("CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH")


def child_environment(workdir: Path) -> dict[str, str]:
    """The whole environment of a child (and of a zygote): nothing of the grader's but the
    GPU's selection and library path; one thread for torch's math libraries."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    env.update({k: os.environ[k] for k in _PASS_ENV if k in os.environ})
    if sys.platform == "win32":
        # Python and its DLLs need these on Windows; nothing of the user's is in them.
        system_root = os.environ.get("SYSTEMROOT", r"C:\Windows")
        env.update({"SYSTEMROOT": system_root, "WINDIR": system_root,
                    "PATH": os.path.join(system_root, "System32"),
                    "TEMP": str(workdir), "TMP": str(workdir)})
    return env


def launch(entry: str, args: Sequence[str], *, root: Path, level: Level, allow_cuda: bool,
           pass_fds: Sequence[int] = (), stderr: int | IO[bytes] | None = subprocess.DEVNULL,
           environment: Mapping[str, str] | None = None, writable_root: bool = True,
           scratch_mb: int = SCRATCH_MB, stdin: int | IO[bytes] | None = subprocess.DEVNULL,
           stdout: int | IO[bytes] | None = subprocess.DEVNULL,
           pass_handles: Sequence[int] = ()) -> subprocess.Popen[bytes]:
    """Start ``entry`` (``"module:function"`` of the grader, called with no arguments; it
    reads ``sys.argv[1:]``, which is ``args``) as a sandboxed Python process working in
    ``root``.

    The grader's package is importable there (from the jail's read-only mount at the strict
    level); ``environment`` is added to the scrubbed one; without ``allow_cuda`` no GPU is
    visible. stdin and stdout are ``/dev/null`` unless given. The process leads a session of
    its own where the host has sessions, so that :func:`stop` ends everything it started.
    ``pass_handles`` are Windows handles it inherits (``pass_fds`` does not exist there).
    Without ``writable_root``, the strict level binds ``root`` read-only (a zygote: its
    children work in the jail's own memory).
    """
    module, _, function = entry.partition(":")
    boot = (f"import sys; sys.path.insert(0, sys.argv.pop(1)); "
            f"from {module} import {function}; {function}()")
    inner = [sys.executable, "-I", "-u", "-B", "-c", boot]
    if level == "strict":
        command_line = command([*inner, GRADER_MOUNT, *args], root, GRADER_PACKAGE, allow_cuda,
                               writable_root, scratch_mb)
    else:
        command_line = [*inner, str(GRADER_PACKAGE.parent), *args]
    env = {**child_environment(root), **(environment or {})}
    if not allow_cuda:
        env["CUDA_VISIBLE_DEVICES"] = ""
    if sys.platform == "win32":
        startupinfo = subprocess.STARTUPINFO()  # type: ignore[attr-defined]
        startupinfo.lpAttributeList = {"handle_list": list(pass_handles)}
        return subprocess.Popen(command_line, stdin=stdin, stdout=stdout, stderr=stderr,
                                cwd=root, env=env, close_fds=True, startupinfo=startupinfo)
    return subprocess.Popen(command_line, pass_fds=tuple(pass_fds), stdin=stdin,
                            stdout=stdout, stderr=stderr, cwd=root, env=env,
                            start_new_session=True)


def kill(process: subprocess.Popen[bytes]) -> None:
    """Kill a launched process and everything in its session (where the host has sessions;
    elsewhere the process alone)."""
    if hasattr(os, "killpg"):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    else:
        try:
            process.kill()
        except OSError:
            pass


def stop(process: subprocess.Popen[bytes]) -> None:
    """Kill a launched process and everything in its session, and collect it."""
    kill(process)
    process.wait()
