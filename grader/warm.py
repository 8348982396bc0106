"""A warm ``grade check`` between commands: the loop of ``--exercise``.

A ``grade check`` is a fresh process: an interpreter, torch, and a sandbox's zygote to start,
seconds before the first check runs, every time. With ``--exercise`` (one exercise, again and
again while a student fixes it) the command hands its work to a server instead: a process of
this user's that keeps the grader imported and a zygote warm, started by the first such
command and gone after :data:`IDLE_S` seconds without work. The command then costs an
interpreter without torch and the checks: a fraction of a second.

The server grades through :func:`grader.api.check`, like the command itself: same sandbox,
limits, references and reports; only the process differs. It listens on a Unix socket in a
folder of the user's own (mode 0700, checked before use), named by everything that could make
its answers differ from a fresh command's: the grader's code (each file's size and time),
the interpreter, the sandbox level asked for and the ``GRADE_*`` settings. A changed grader
starts a new server; the old one goes when idle. ``--no-warm`` (or ``GRADE_WARM=0``) grades in
the command's own process, as without ``--exercise``; systems without Unix sockets and
forks always do.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

IDLE_S = 600.0
"""A server with no work for this long exits."""
START_S = 60.0
"""How long a command waits for the server it started to listen."""
_PASSED_ON = ("GRADE_COURSE", "GRADE_LANG", "NO_COLOR")
"""Settings each request carries (the command's own), not part of the server's name."""
_NOT_NAMED = {*_PASSED_ON, "GRADE_WARM"}


def available() -> bool:
    """Whether this system can keep a server (Unix sockets, and a fork server behind it)."""
    return hasattr(socket, "AF_UNIX") and hasattr(os, "fork") and sys.platform != "win32" \
        and os.environ.get("GRADE_WARM", "1") != "0"


def socket_path(sandbox: str) -> Path:
    """Where this user's server for this grader, interpreter and settings listens."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".j2", ".po") and "__pycache__" not in path.parts:
            stat = path.stat()
            digest.update(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}\0"
                          .encode())
    digest.update(f"{sys.prefix}\0{os.path.realpath(sys.executable)}\0{sandbox}\0".encode())
    for name in sorted(os.environ):
        if name.startswith("GRADE_") and name not in _NOT_NAMED:
            digest.update(f"{name}={os.environ[name]}\0".encode())
    return _folder() / f"check-{digest.hexdigest()[:20]}.sock"


def _folder() -> Path:
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir())
    folder = base / f"grade-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    info = folder.stat()
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise OSError(f"{folder} is not this user's alone")
    return folder


# --- the command's side ------------------------------------------------------------------------

def ask(request: dict[str, Any], sandbox: str) -> dict[str, Any] | None:
    """The answer of the warm server (started when none listens), or None when there is
    none to be had (the command then grades in its own process)."""
    try:
        path = socket_path(sandbox)
    except OSError:
        return None
    request = {**request, "env": {k: os.environ[k] for k in _PASSED_ON if k in os.environ}}
    answer = _send(path, request)
    if answer is not None:
        return answer
    if not _start(path, sandbox):
        return None
    return _send(path, request)


def _send(path: Path, request: dict[str, Any]) -> dict[str, Any] | None:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(str(path))
            conn.sendall(json.dumps(request).encode() + b"\n")
            conn.shutdown(socket.SHUT_WR)
            data = _read_all(conn)
    except OSError:
        return None
    if not data:
        return None  # the server went away mid-request: grade here instead
    answer: dict[str, Any] = json.loads(data)
    return answer


def _read_all(conn: socket.socket) -> bytes:
    """Everything the other side sends until it shuts its side."""
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _start(path: Path, sandbox: str) -> bool:
    """Start a server on ``path`` and wait until it listens."""
    try:
        path.unlink(missing_ok=True)  # a server that died left its socket behind
        log = (path.with_suffix(".log")).open("ab")
        subprocess.Popen([sys.executable, "-m", "grader.warm", str(path), sandbox],
                         stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                         start_new_session=True, close_fds=True)
        log.close()
    except OSError:
        return False
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.05)
    return False


def stop(sandbox: str) -> bool:
    """Ask this grader's server to exit now (tests, and ``grade check --no-warm``'s
    cleanup); True when one was listening."""
    try:
        answer = _send(socket_path(sandbox), {"stop": True})
    except OSError:
        return False
    return answer is not None


# --- the server's side -------------------------------------------------------------------------

def answer(request: dict[str, Any]) -> dict[str, Any]:
    """One ``grade check`` done here: its terminal text and exit status, or its one-line
    error."""
    from grader import api
    from grader.errors import ExitCode, GraderError
    from grader.reports.terminal import render_summary

    started = time.monotonic()
    env = request.get("env", {})
    for name in _PASSED_ON:
        if name in env:
            os.environ[name] = env[name]
        else:
            os.environ.pop(name, None)
    cwd = Path(request["cwd"])
    try:
        outcomes = api.check(
            Path(request["path"]) if request.get("path") else None, request.get("assignment"),
            Path(request["out"]), cwd=cwd, sandbox=request["sandbox"], lang=request["lang"],
            exercises=tuple(request["exercises"]),
            course=Path(request["course"]) if request.get("course") else None)
    except GraderError as exc:
        return {"error": exc.message, "exit": int(exc.exit_code)}
    texts = []
    for outcome in outcomes:
        report = outcome.report_html
        try:
            report = report.relative_to(cwd)
        except ValueError:
            pass
        texts.append(render_summary(outcome.result, report, bool(request.get("color")),
                                    request.get("command_s", 0.0) + time.monotonic() - started
                                    if len(outcomes) == 1 else None, tr=outcome.tr))
    failed = any(not o.result.passed for o in outcomes)
    return {"text": "\n".join(texts),
            "exit": int(ExitCode.CHECKS_FAILED if failed else ExitCode.OK)}


def serve(path: Path, sandbox: str) -> None:
    """Listen on ``path`` until :data:`IDLE_S` pass without a request, or one says stop."""
    from grader.sandbox import jail, pool

    try:
        pool.POOL.prepare(jail.choose_level(sandbox), True, 1, False)
    except Exception:  # the first request's grading says what is wrong
        pass
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        temporary = path.with_suffix(f".{os.getpid()}")
        server.bind(str(temporary))
        os.chmod(temporary, 0o600)
        server.listen(8)
        os.replace(temporary, path)  # appears only once it listens
        server.settimeout(IDLE_S)
        try:
            while True:
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    return
                with conn:
                    conn.settimeout(None)
                    request = json.loads(_read_all(conn))
                    if request.get("stop"):
                        path.unlink(missing_ok=True)  # gone before the answer says so
                        conn.sendall(b"{}")
                        return
                    try:
                        reply = answer(request)
                    except Exception as exc:  # a grader bug: one line, and carry on
                        reply = {"error": f"internal error: {type(exc).__name__}: {exc} "
                                          "(this is a bug in grade; please report it)",
                                 "exit": 2}
                    conn.sendall(json.dumps(reply).encode())
        finally:
            path.unlink(missing_ok=True)  # a command now starts a fresh server


def main() -> None:
    serve(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "auto")


if __name__ == "__main__":
    main()
