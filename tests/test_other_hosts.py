"""macOS and Windows, simulated on Linux: what the grader does where there is no fork server,
no ``/proc``, no :mod:`resource`, no ``SIGALRM``, no sessions and no ``select`` on pipes.

``GRADE_SIMULATE_HOST`` makes :func:`grader.sandbox.host.current` report that host's flags,
so the spawned children, the watchdog clock, the skipped limits and the pipe pumps run here;
what only the real systems have (Windows handles, ``msvcrt``) runs in the students' workflow
on their runners.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.errors import CheckTimeout
from grader.sandbox import host
from grader.sandbox.child import Clock
from grader.sandbox.pipes import readable
from helpers import ROOT, SOLUTION_04


def test_a_simulated_host_reports_its_flags_and_what_it_cannot_enforce(monkeypatch):
    monkeypatch.setenv(host.SIMULATE_ENV, "windows")
    windows = host.current()
    assert (windows.fork_server, windows.rlimits, windows.alarm, windows.sessions,
            windows.select_pipes) == (False,) * 5
    assert len(windows.missing()) == 3 and "limits" in windows.missing()[0]
    monkeypatch.setenv(host.SIMULATE_ENV, "macos")
    macos = host.current()
    assert not macos.fork_server and macos.rlimits and not macos.proc and macos.alarm
    assert macos.missing() == ["no memory or process-count limits"]
    monkeypatch.delenv(host.SIMULATE_ENV)
    here = host.current()
    assert here == host.detect() and here.name == "linux" and here.missing() == []
    assert host.from_job(windows.as_job()).alarm is False


def test_the_watchdog_clock_interrupts_a_loop_and_an_early_disarm_is_not_a_timeout():
    """Windows' time limit: no SIGALRM, a thread interrupts the main thread."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("the clock interrupts the main thread")
    import signal

    previous = signal.getsignal(signal.SIGINT)
    try:
        clock = Clock(use_signal=False)
        started = time.monotonic()
        with pytest.raises(CheckTimeout):
            clock.arm(0.3)
            try:
                while time.monotonic() - started < 10:
                    pass
            finally:
                clock.disarm()
        assert 0.25 < time.monotonic() - started < 3
        clock.arm(0.2)  # disarmed in time: nothing is raised later
        clock.disarm()
        time.sleep(0.5)
        clock.arm(0.2)  # and it can be armed again
        with pytest.raises(CheckTimeout):
            while True:
                pass
    finally:
        signal.signal(signal.SIGINT, previous)


def test_pumped_pipes_deliver_every_byte_and_the_end():
    """Windows' select takes sockets only: each pipe is copied to a socket by a thread."""
    r, w = os.pipe()
    pipes = readable([r], pump=True)
    (fd,) = pipes.fds
    payload = os.urandom(300_000)
    writer = threading.Thread(target=lambda: (os.write(w, payload), os.close(w)))
    writer.start()
    got = bytearray()
    while chunk := pipes.read(fd):
        got += chunk
    writer.join()
    pipes.close(fd)
    assert bytes(got) == payload


def with_a_loop_in_relu_backward(source: str) -> str:
    """The solution with an endless loop at the top of MyReLU's backward (its first)."""
    head, sep, tail = source.partition("def backward(ctx, grad_output):\n")
    assert sep, "no backward in the solution"
    return head + sep + "        while True:\n            pass\n" + tail


def grade_as(simulated: str | None, files: dict[str, str], out: Path) -> dict[str, dict]:
    env = {k: v for k, v in os.environ.items() if k != host.SIMULATE_ENV}
    if simulated:
        env[host.SIMULATE_ENV] = simulated
    results = {}
    for name, source in files.items():
        path = out / "work" / name / "custom_function.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
        report = out / "reports" / name
        done = subprocess.run([sys.executable, "-m", "grader", "check", str(path),
                               "--assignment", "04_custom_function", "--out", str(report),
                               "--sandbox", "basic"], cwd=ROOT, env=env, text=True,
                              capture_output=True, timeout=600)
        assert done.returncode in (0, 1), done.stdout + done.stderr
        results[name] = {"stdout": done.stdout,
                         "result": json.loads((report / "04_custom_function/result.json")
                                              .read_text())}
    return results


FILES = {"solution": SOLUTION_04.read_text(),
         "loop": with_a_loop_in_relu_backward(SOLUTION_04.read_text())}


@pytest.fixture(scope="module")
def on_linux(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    return grade_as(None, FILES, tmp_path_factory.mktemp("linux"))


@pytest.mark.slow
@pytest.mark.parametrize("simulated", ["macos", "windows"])
def test_a_simulated_host_grades_alike_and_says_what_it_does_not_enforce(simulated, tmp_path,
                                                                         on_linux):
    """The solution and an endless loop in one exercise: the same verdicts as on Linux, from
    spawned children (the loop stopped by the watchdog clock on Windows); the terminal names
    the missing limits."""
    other = grade_as(simulated, FILES, tmp_path / simulated)
    for name in FILES:
        ours, theirs = on_linux[name]["result"], other[name]["result"]
        assert [(c["id"], c["device"], c["status"], c["score"]) for c in theirs["checks"]] == \
            [(c["id"], c["device"], c["status"], c["score"]) for c in ours["checks"]], name
        assert theirs["environment"]["host"] == simulated
        assert ours["environment"]["missing_guarantees"] == []
        missing = host._SIMULATED[simulated].missing()
        assert theirs["environment"]["missing_guarantees"] == missing
        assert f"on {simulated}, also: {'; '.join(missing)}" in other[name]["stdout"]
    loop = other["loop"]["result"]
    assert "timeout" in {c["status"] for c in loop["checks"] if c["id"].startswith("MyReLU/")}
    assert all(c["status"] == "passed" for c in loop["checks"]
               if c["id"].startswith("MyLeakyReLU/") and c["device"] == "cpu")
