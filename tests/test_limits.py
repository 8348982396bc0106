"""Per-check limits: a check that overrides a limit runs in a child started with it.

Each limit is exercised by a pair of checks with the same scenario, one overriding the limit
and one not: the student's code exceeds the override and stays within the default, so the
pair tells the override apart from the assignment's own limit.
"""

from __future__ import annotations

import os
import re

import pytest

from grader.intake.submissions import ModuleUnderTest
from grader.judging.pipeline import Grading
from grader.model.assignments import load_assignment
from grader.sandbox.jail import choose_level
from helpers import write_assignment

pytestmark = pytest.mark.slow  # real child processes and commands

OVERRIDES = {
    "memory": {"memory_mb": 256},
    "cpu": {"cpu_s": 1},
    "file_size": {"file_size_mb": 1},
    "open_files": {"open_files": 64},
    "output": {"output_kb": 4},
    "processes": {"processes": 4},
    "scratch": {"scratch_mb": 32},
}

CHECKS = "import torch\nfrom grader import check\n" + "".join(f'''
@check("stress", name="{kind}_limited", time_limit=20, limits={limits!r})
def {kind}_limited(m, device, rng):
    return m.stress("{kind}")


@check("stress", name="{kind}_default", time_limit=20)
def {kind}_default(m, device, rng):
    return m.stress("{kind}")
''' for kind, limits in OVERRIDES.items())

STUDENT = '''
import os, threading, time

import torch



def stress(kind):
    if kind == "memory":  # 512 MiB, touched
        torch.ones(128 * 2**20, dtype=torch.float32).sum()
    elif kind == "cpu":  # 2 s of CPU time
        end = time.process_time() + 2
        while time.process_time() < end:
            pass
    elif kind == "file_size":  # a 2 MiB file
        with open("big.bin", "wb") as f:
            f.write(bytes(2 << 20))
    elif kind == "open_files":  # 100 files open at once
        files = [open(f"f{i}.txt", "w") for i in range(100)]
        for f in files:
            f.close()
    elif kind == "output":  # 20 KB on stdout
        print("o" * 20_000)
    elif kind == "scratch":  # 40 MiB in the work dir, in 1 MiB files
        for i in range(40):
            with open(f"scratch{i}.bin", "wb") as f:
                f.write(bytes(1 << 20))
        for i in range(40):
            os.remove(f"scratch{i}.bin")
    elif kind == "processes":  # 20 threads at once
        threads = [threading.Thread(target=time.sleep, args=(0.5,)) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return 1
'''


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("limits")
    root = write_assignment(tmp, "99_limits", "work", ["stress"], CHECKS,
                            "def stress(kind):\n    raise NotImplementedError\n",
                            "def stress(kind):\n    return 1\n")
    student = tmp / "student" / "work.py"
    student.parent.mkdir()
    student.write_text(STUDENT)
    assignment = load_assignment(root, tmp / "solutions")
    module = ModuleUnderTest("work", student, "work.py")
    return Grading(choose_level("auto")).grade(assignment, module, "student", "public")


def status(result, check_id):
    check = next(c for c in result.checks if c.id == f"stress/{check_id}" and c.device == "cpu")
    return check.status, check.message


@pytest.mark.parametrize("kind, phrase", [
    ("memory", "memory"),
    ("cpu", "1 s of CPU time"),
    ("file_size", "File too large"),
    ("open_files", "Too many open files"),
])
def test_a_check_that_overrides_a_limit_is_held_to_it(result, kind, phrase):
    assert status(result, f"{kind}_default")[0] == "passed"
    verdict, message = status(result, f"{kind}_limited")
    assert verdict in ("failed", "error", "timeout") and phrase in message, message


def test_a_check_that_overrides_the_output_limit_has_its_output_cut_there(result):
    assert status(result, "output_limited")[0] == "passed"
    stdout = result.output.stdout
    assert stdout.count("truncated") == 1
    # All of the default check's 20,000 characters, 4 KiB of the limited one's.
    assert re.sub(r"\[\.\.\. output truncated.*\]", "", stdout).count("o") == 20_000 + 4096


def test_a_check_that_overrides_the_scratch_size_has_only_that_much_to_write(result):
    """At the strict level a check's writable places are as large as its limit says (a
    zygote of that size serves it); elsewhere the limit does not apply."""
    if result.environment is None or result.environment.sandbox != "strict":
        pytest.skip("the scratch size is the strict level's")
    assert status(result, "scratch_default")[0] == "passed"
    verdict, message = status(result, "scratch_limited")
    assert verdict == "failed" and "No space left on device" in message, message


@pytest.mark.skipif(os.geteuid() == 0, reason="the kernel does not hold root to RLIMIT_NPROC")
def test_a_check_that_overrides_the_process_limit_cannot_start_more_threads(result):
    assert status(result, "processes_default")[0] == "passed"
    verdict, message = status(result, "processes_limited")
    assert verdict == "failed" and "can't start new thread" in message, message


@pytest.mark.parametrize("limits, phrase", [
    ({"wall_s": 5}, "time_limit="),
    ({"memory": 5}, "cannot override limit 'memory'"),
    ({"cpu_s": 0}, "must be a positive number"),
])
def test_a_check_cannot_override_what_is_not_its_own(limits, phrase):
    from grader import check

    with pytest.raises(ValueError, match=phrase):
        check("stress", limits=limits)


def test_a_checks_file_overriding_the_wall_clock_is_refused_with_a_clear_message(tmp_path):
    root = tmp_path / "assignments" / "99_bad"
    (root / "checks").mkdir(parents=True)
    (root / "assignment.toml").write_text('module = "work"\nexercises = ["stress"]\n')
    (root / "checks" / "public.py").write_text(
        "from grader import check\n\n@check('stress', limits={'wall_s': 1})\n"
        "def f(m, device, rng):\n    return 1\n")
    from grader.errors import AssignmentError

    with pytest.raises(AssignmentError, match=r"public.py: cannot load checks: ValueError: "
                                              r"a check cannot override limit 'wall_s'"):
        load_assignment(root)
