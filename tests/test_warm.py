"""`grade check --exercise` through the warm server (grader.warm): real commands, a real
server process, its socket in a folder of the test's own."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grader import warm
from helpers import ROOT

ALICE = ROOT / "examples" / "alice" / "custom_function.py"


@pytest.fixture
def runtime(tmp_path, monkeypatch):
    """The servers' folder, private to the test; every server started there is stopped."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    yield tmp_path
    for sandbox in ("auto", "basic"):
        warm.stop(sandbox)


def grade(*args: str, cwd: Path, warm_on: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRADE_WARM": "1" if warm_on else "0"}
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def without_time(text: str) -> str:
    return re.sub(r"\(\d+\.\d s\)", "(… s)", text)


@pytest.mark.slow
def test_exercise_checks_go_to_one_warm_server_with_the_commands_own_verdicts(runtime,
                                                                             tmp_path):
    args = ("check", str(ALICE), "-a", "04_custom_function", "--exercise", "MyReLU",
            "--out", str(tmp_path / "reports"))
    here = grade(*args, "--no-warm", cwd=ROOT)
    assert not list(runtime.glob("grade-*/*.sock"))  # --no-warm: no server
    first = grade(*args, cwd=ROOT)
    sockets = list(runtime.glob("grade-*/*.sock"))
    assert len(sockets) == 1 and oct(sockets[0].parent.stat().st_mode)[-3:] == "700"
    second = grade(*args, cwd=ROOT)
    assert list(runtime.glob("grade-*/*.sock")) == sockets  # the same server served both
    for done in (here, first, second):
        assert done.returncode == 1, done.stderr
    assert without_time(first.stdout) == without_time(second.stdout) == without_time(
        here.stdout)
    assert "only MyReLU checked" in second.stdout and "MyLeakyReLU" not in second.stdout
    assert (tmp_path / "reports" / "04_custom_function" / "result.json").is_file()
    # the language is the command's, not the server's
    chinese = grade(*args, "--lang", "zh_CN", cwd=ROOT)
    assert "只检查了 MyReLU" in chinese.stdout
    # an error is one line and the command's exit status
    wrong = grade("check", str(ALICE), "-a", "04_custom_function", "--exercise", "Nope",
                  cwd=ROOT)
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1
    assert "has no exercise 'Nope'" in wrong.stderr and wrong.stdout == ""
    assert warm.stop("auto") and not list(runtime.glob("grade-*/*.sock"))


def test_a_server_is_named_by_the_settings_that_change_its_answers(runtime, monkeypatch):
    base = warm.socket_path("auto")
    assert warm.socket_path("strict") != base
    monkeypatch.setenv("GRADE_SIMULATE_HOST", "macos")
    assert warm.socket_path("auto") != base
    monkeypatch.delenv("GRADE_SIMULATE_HOST")
    monkeypatch.setenv("GRADE_LANG", "zh_CN")  # carried by each request instead
    monkeypatch.setenv("GRADE_WARM", "1")
    assert warm.socket_path("auto") == base
    assert oct(base.parent.stat().st_mode)[-3:] == "700"


def test_a_folder_others_can_enter_is_not_used(runtime):
    folder = runtime / f"grade-{os.getuid()}"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    with pytest.raises(OSError, match="not this user's alone"):
        warm.socket_path("auto")
    assert warm.ask({"path": None}, "auto") is None  # the command grades by itself


def test_grade_warm_0_turns_it_off(monkeypatch):
    monkeypatch.setenv("GRADE_WARM", "0")
    assert not warm.available()
    monkeypatch.setenv("GRADE_WARM", "1")
    assert warm.available() == (sys.platform != "win32")
