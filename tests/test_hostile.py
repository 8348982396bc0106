"""The hostile-submission suite: each case in tests/hostile/ is an attack, graded for real.

A case file is put on top of assignment 04's reference solution (like the one-bug overlays
of tests/submissions), with ``$marker``, ``$tag``, ``$port``, ``$solution``, ``$hidden``,
``$other``, ``$out``, ``$grader_pid`` and ``$repository`` filled in, and a line that
replaces one method of the solution's Function (``MyReLU.backward = staticmethod(fn)``)
written as the class defined again, as the exercise's contract asks. Every case is graded in
real children and the test asserts three things:

* the verdict: the result's status, exactly which checks do not pass, and a clear message;
* the grader survives: a result comes back (through ``grade check`` for the cases that
  attack its output folder, with exit status 1 and no traceback);
* no side effect remains: the marker file does not exist (also after a daemon would have
  written it), no process named by the tag is left, the grader's own working directory and
  temporary folder are empty once grading is over, and nothing the case printed says
  ``LEAK`` (a case prints that when its attempt to see something succeeded).

Cases whose guarantee needs the strict level skip with the reason where it is unavailable;
the others run at the strict level (where it works) and at the basic level.
"""

from __future__ import annotations

import json
import os
import re
import socket
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.model.assignments import load_assignment
from grader.reports.gradescope import to_gradescope
from grader.reports.html import render_report
from grader.reports.terminal import render_summary
from grader.results import SubmissionResult
from grader.sandbox import pool
from grader.sandbox.jail import strict_problem
from helpers import ASSIGNMENT_04, ROOT, SOLUTION_04, failing

pytestmark = pytest.mark.slow  # real child processes and commands


HOSTILE = Path(__file__).resolve().parent / "hostile"

WRONG_RELU_BACKWARD = frozenset({"MyReLU/backward_values", "MyReLU/grad_at_zero",
                                 "MyReLU/gradcheck_float64", "MyReLU/float_dtypes",
                                 "relu_linear_grads/notes_numbers"})
LEAKY_BACKWARD = frozenset({"MyLeakyReLU/backward_values", "MyLeakyReLU/grad_at_zero",
                            "MyLeakyReLU/returns_grad_and_none"})
RELU_LINEAR = frozenset({"relu_linear_grads/notes_numbers",
                         "relu_linear_grads/fresh_leaf_copies"})
NONE: frozenset[str] = frozenset()


def strict_only() -> str | None:
    problem = strict_problem()
    return f"needs the strict sandbox level, unavailable here: {problem}" if problem else None


def strict_or_not_root() -> str | None:
    """Outside the strict level, root's capabilities (raising hard limits, ptrace) remain."""
    if os.geteuid() != 0:
        return None
    return strict_only() and "root keeps its capabilities outside the strict level"


@dataclass(frozen=True)
class Case:
    file: str
    status: str = "graded"
    failing: frozenset[str] = NONE
    """The checks that do not pass on the CPU; with status "error", every check errs."""
    phrase: str = ""
    """In result.error (status "error"), else in the message of every failing check."""
    needs: Callable[[], str | None] | None = None
    """Why the case cannot run here (its guarantee needs the strict level), or None."""
    limits: tuple[tuple[str, float], ...] = ()
    time_limit: float | None = None
    cli: bool = False
    """Graded through `grade check --out`, whose output folder the case attacks."""
    stdout_at_least: int = 0
    scope: str = "public"
    """``all``: graded with the hidden checks, as a batch grades; then nothing the case's
    process wrote may reach what the student reads."""

    def __str__(self) -> str:
        return self.file.removesuffix(".py")


CASES = [
    Case("patch_comparisons.py", failing=WRONG_RELU_BACKWARD),
    Case("patch_builtins.py", failing=WRONG_RELU_BACKWARD),
    Case("patch_inside_a_check.py", failing=WRONG_RELU_BACKWARD),
    Case("sys_exit_at_import.py", status="error", phrase="called exit(0) while being imported"),
    Case("os_exit_at_import.py", status="error", phrase="ended while importing"),
    Case("sys_exit_in_a_check.py", failing=RELU_LINEAR, phrase="SystemExit"),
    Case("os_exit_in_a_check.py", failing=RELU_LINEAR, phrase="exited with status 0"),
    Case("system_exit_in_backward.py", failing=LEAKY_BACKWARD, phrase="SystemExit"),
    Case("endless_loop_at_import.py", status="error", limits=(("load_s", 4),),
         phrase="took longer than 4 s to import"),
    Case("endless_loop_in_a_function.py", failing=LEAKY_BACKWARD, time_limit=1.5,
         phrase="took longer than 1.5 s"),
    Case("endless_loop_swallowing_the_timeout.py", failing=LEAKY_BACKWARD, time_limit=1.0,
         phrase="took longer than 1 s"),
    Case("cpu_burn.py", failing=LEAKY_BACKWARD, time_limit=60, limits=(("cpu_s", 2),),
         phrase="2 s of CPU time"),
    Case("allocate_30_gb.py", failing=LEAKY_BACKWARD, phrase="memory"),
    Case("file_too_large.py", failing=LEAKY_BACKWARD, phrase="File too large"),
    Case("segfault.py", failing=LEAKY_BACKWARD, phrase="segmentation fault"),
    Case("fork_bomb.py"),
    Case("daemon_writes_later.py", needs=strict_only),
    Case("stdout_flood_200_mb.py", stdout_at_least=200 << 20),
    Case("delete_work_dir_files.py"),
    Case("fake_result_in_output_folder.py", failing=WRONG_RELU_BACKWARD, cli=True),
    Case("fake_result_in_grader_cwd.py", needs=strict_only),
    Case("fake_result_beside_work_dir.py", needs=strict_only),
    Case("write_outside_work_dir.py", needs=strict_only),
    Case("print_fake_results.py", failing=WRONG_RELU_BACKWARD),
    Case("forge_observations.py", failing=LEAKY_BACKWARD, phrase="malformed observation"),
    Case("read_solutions_and_hidden_checks.py", needs=strict_only),
    Case("read_other_submissions.py", needs=strict_only),
    Case("read_environment.py"),
    Case("read_grader_process.py", needs=strict_only),
    Case("network.py", needs=strict_only),
    Case("mount_a_tmpfs_of_its_own.py", needs=strict_only),
    Case("tensor_subclass_claiming_equality.py",
         failing=frozenset({"MyReLU/forward_values", "MyReLU/float_dtypes",
                            "MyReLU/output_device", "relu_linear_grads/notes_numbers"}),
         phrase="values differ"),
    Case("malicious_reduce.py", failing=frozenset({"relu_linear_grads/notes_numbers",
                                                   "relu_linear_grads/fresh_leaf_copies"}),
         phrase="Evil"),
    Case("raise_own_limits.py", needs=strict_or_not_root),
    Case("tamper_with_the_parent.py", needs=strict_or_not_root),
    Case("kill_the_parent.py", failing=frozenset({"relu_linear_grads/notes_numbers"}),
         phrase="values differ"),
    Case("leak_hidden_checks.py", scope="all", phrase="LEAKED", failing=frozenset({
        "MyLeakyReLU/forward_values", "MyLeakyReLU/backward_values",
        "MyLeakyReLU/grad_at_zero", "MyLeakyReLU/returns_grad_and_none",
        "MyLeakyReLU/other_slopes", "MyLeakyReLU/float_dtypes",
        "MyLeakyReLU/gradcheck_float64", "MyLeakyReLU/input_not_modified"})),
    Case("leak_hidden_checks_at_import.py", scope="all", status="error", phrase="LEAKED"),
    Case("swap_the_encoder_code.py", status="error",
         phrase="replaced the grader's own code in its process"),
]

PARAMS = [pytest.param(case, level, id=f"{case}-{level}")
          for case in CASES for level in ("auto", "basic")
          if not (level == "basic" and case.needs is not None)]


def test_every_case_file_is_in_the_table_and_there_are_at_least_25():
    assert sorted(c.file for c in CASES) == sorted(p.name for p in HOSTILE.glob("*.py"))
    assert len(CASES) >= 25


@pytest.fixture
def world(tmp_path, monkeypatch):
    """Where a case could leave traces: fresh folders for the grader's cwd and temporary
    files, a listening socket, another student's submission and the values to fill in."""
    tag = f"{time.time_ns() % 10**9}.75"
    grader_cwd, grader_tmp, other = tmp_path / "cwd", tmp_path / "tmp", tmp_path / "other"
    for folder in (grader_cwd, grader_tmp, other):
        folder.mkdir()
    (other / "custom_function.py").write_text(f"# another student's work {tag}\n")
    monkeypatch.chdir(grader_cwd)
    monkeypatch.setattr(tempfile, "tempdir", str(grader_tmp))
    monkeypatch.setenv("GRADE_TEST_TOKEN", tag)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    values = {
        "marker": str(tmp_path / "marker"),
        "tag": tag,
        "port": str(server.getsockname()[1]),
        "solution": str(SOLUTION_04),
        "hidden": str(ASSIGNMENT_04 / "checks" / "hidden.py"),
        "other": str(other / "custom_function.py"),
        "out": str(tmp_path / "out"),
        "grader_pid": str(os.getpid()),
        "repository": str(ROOT),
    }
    yield values, grader_cwd, grader_tmp
    server.close()


REPLACED_METHOD = re.compile(
    r"^(?P<cls>MyReLU|MyLeakyReLU)\.(?P<method>forward|backward) = staticmethod\((?P<fn>\w+)\)$",
    re.M)


def _as_a_function_of_its_own(found: re.Match[str]) -> str:
    """A case's ``MyReLU.backward = staticmethod(fn)`` written as the class defined again
    with that method and the solution's other one: the exercise's contract refuses a
    Function whose methods are rebound from outside it (rightly; ``tests/test_contracts.py``
    holds that), and the case attacks something else."""
    cls, method, fn = found["cls"], found["method"], found["fn"]
    other = "backward" if method == "forward" else "forward"
    return (f"_solution_{cls} = {cls}\n\n\n"
            f"class {cls}(torch.autograd.Function):\n"
            f"    @staticmethod\n    def {method}(*args):\n        return {fn}(*args)\n\n"
            f"    @staticmethod\n    def {other}(*args):\n"
            f"        return _solution_{cls}.{other}(*args)\n")


def source_of(case: Case, values: dict[str, str]) -> str:
    attack = string.Template((HOSTILE / case.file).read_text()).substitute(values)
    attack = REPLACED_METHOD.sub(_as_a_function_of_its_own, attack)
    return SOLUTION_04.read_text() + f"\n\n# --- {case.file}\n" + attack


def grade_through_cli(source: str, values: dict[str, str], tmp: Path, level: str
                      ) -> SubmissionResult:
    path = tmp / "submission" / "custom_function.py"
    path.parent.mkdir()
    path.write_text(source)
    out = Path(values["out"])
    done = subprocess.run([sys.executable, "-m", "grader", "check", str(path), "--assignment",
                           "04_custom_function", "--out", str(out), "--sandbox", level],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    report = (out / "04_custom_function" / "report.html").read_text()
    assert "23 / 23" not in report and "MyReLU" in report
    return SubmissionResult.from_json((out / "04_custom_function" / "result.json").read_text())


def processes_named(tag: str) -> str:
    return subprocess.run(["pgrep", "-af", tag], capture_output=True, text=True).stdout.strip()


@pytest.mark.parametrize("case, level", PARAMS)
def test_hostile_case(case, level, grade, world, tmp_path):
    if case.needs is not None and (reason := case.needs()):
        pytest.skip(reason)
    values, grader_cwd, grader_tmp = world
    source = source_of(case, values)
    if case.cli:
        result = grade_through_cli(source, values, tmp_path, level)
    else:
        result = grade(source, limits=dict(case.limits) or None, time_limit=case.time_limit,
                       sandbox=level, scope=case.scope)

    # The verdict.
    assert result.status == case.status, (result.error, failing(result))
    cpu = [c for c in result.checks if c.device == "cpu"]
    if case.status == "error":
        assert case.phrase in (result.error or "")
        assert "\n" not in (result.error or "")
        assert cpu and all(c.status == "error" for c in cpu)
    else:
        assert failing(result) == case.failing
        messages = [c.message for c in cpu if c.id in case.failing]
        assert all(m.strip() and len(m.splitlines()[0]) <= 300 for m in messages), messages
        assert not messages or any(case.phrase in m for m in messages), messages
    assert result.score == sum(c.score for c in result.checks)
    if case.stdout_at_least:
        assert result.output.stdout_bytes >= case.stdout_at_least
        assert len(result.output.stdout) < 70_000 and "output truncated" in result.output.stdout

    # No side effect, once the grader is done: its warm zygotes are closed as at its exit.
    pool.POOL.close()
    if case.file == "daemon_writes_later.py":
        time.sleep(3)  # past the moment its daemon would write
    assert not Path(values["marker"]).exists()
    assert processes_named(values["tag"]) == ""
    assert list(grader_cwd.iterdir()) == []
    assert list(grader_tmp.iterdir()) == []
    assert not Path("/tmp", values["tag"]).exists()
    assert "LEAK" not in result.output.stdout + result.output.stderr, result.output.stdout
    if case.scope == "all":
        assert_nothing_of_the_child_reaches_the_student(result)


def assert_nothing_of_the_child_reaches_the_student(result: SubmissionResult) -> None:
    """What the case's process wrote (``LEAKED`` and what follows) stays in result.json;
    the student's report, Gradescope document and terminal summary have none of it, and
    Gradescope's visible parts name no hidden check."""
    assert "LEAKED" in result.to_json()
    report = render_report(result)
    gradescope = to_gradescope(result)
    terminal = render_summary(result, None, False)
    for text in (report, json.dumps(gradescope), terminal):
        assert "LEAKED" not in text and "INPUT-WAS" not in text
    assignment = load_assignment(ASSIGNMENT_04)
    public = {c.title for c in assignment.public_checks()}
    hidden_only = {c.title for c in assignment.hidden_checks()} - public
    visible = gradescope["output"] + json.dumps(
        [t for t in gradescope["tests"] if t["visibility"] == "visible"])
    assert hidden_only and not any(title in visible for title in hidden_only)
