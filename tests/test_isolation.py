"""Failure is a result: broken submissions, each in a real child process.

Attacks are in test_hostile.py, one case file each; these are mistakes a student makes.
"""

from __future__ import annotations

import time

import pytest

from grader.sandbox.jail import choose_level
from helpers import by_id, failing, solution_source

pytestmark = pytest.mark.slow  # real child processes and commands


SOLUTION = solution_source()
LEAKY_BACKWARD = "        (input,) = ctx.saved_tensors\n        grad_input = torch.where("


def with_leaky_backward_prefix(code: str) -> str:
    """The solution, with ``code`` run at the start of MyLeakyReLU.backward."""
    assert SOLUTION.count(LEAKY_BACKWARD) == 1
    return SOLUTION.replace(LEAKY_BACKWARD, f"        {code}\n{LEAKY_BACKWARD}")


LEAKY_BACKWARD_CHECKS = {"MyLeakyReLU/backward_values", "MyLeakyReLU/grad_at_zero",
                         "MyLeakyReLU/returns_grad_and_none"}


def assert_every_check_errors(result, phrase):
    assert result.status == "error" and result.score == 0
    assert phrase in result.error
    cpu = [c for c in result.checks if c.device == "cpu"]
    assert cpu and all(c.status == "error" and phrase in c.message for c in cpu)


def test_sys_exit_at_import_is_a_clear_error(grade):
    result = grade("import sys\nsys.exit(0)\n" + SOLUTION)
    assert_every_check_errors(result, "exit(0)")
    assert "custom_function.py, line 2" in result.error


def test_syntax_error_names_file_and_line(grade):
    result = grade(SOLUTION + "\ndef broken(:\n    pass\n")
    line = SOLUTION.count("\n") + 2
    assert_every_check_errors(result, f"custom_function.py, line {line}: SyntaxError")


def test_exception_at_import_names_the_students_line(grade):
    result = grade("x = 1 / 0\n" + SOLUTION)
    assert_every_check_errors(result, "ZeroDivisionError")
    assert "custom_function.py, line 1" in result.error


def test_missing_function_fails_only_its_checks(grade):
    source = SOLUTION[:SOLUTION.index("def relu_linear_grads")]
    result = grade(source)
    assert result.status == "graded"
    assert failing(result) == {"relu_linear_grads/notes_numbers",
                               "relu_linear_grads/fresh_leaf_copies"}
    check = by_id(result, "relu_linear_grads/notes_numbers")
    assert "has no attribute 'relu_linear_grads'" in check.message


@pytest.mark.slow
def test_submission_wall_clock_limit_ends_the_remaining_checks(grade):
    started = time.monotonic()
    result = grade(with_leaky_backward_prefix("import time; time.sleep(60)"), time_limit=60,
                   limits={"wall_s": 8})
    assert time.monotonic() - started < 40
    assert by_id(result, "MyReLU/forward_values").status == "passed"
    assert by_id(result, "MyLeakyReLU/backward_values").status == "timeout"
    later = [c for c in result.checks if c.device == "cpu"
             and c.id.startswith(("MyLeakyReLU/grad", "MyLeakyReLU/returns", "relu_linear"))]
    assert later and all(c.status == "timeout" and "8 s" in c.message for c in later)


def test_os_exit_inside_a_check_errors_that_check_and_later_checks_survive(grade):
    result = grade(with_leaky_backward_prefix("import os; os._exit(0)"))
    assert failing(result) == LEAKY_BACKWARD_CHECKS
    check = by_id(result, "MyLeakyReLU/backward_values")
    assert check.status == "error" and "exited with status 0" in check.message
    assert by_id(result, "relu_linear_grads/fresh_leaf_copies").status == "passed"


PATCHES = ("import torch, torch.testing\n"
           "torch.allclose = lambda *a, **k: True\n"
           "torch.equal = lambda *a, **k: True\n"
           "torch.testing.assert_close = lambda *a, **k: None\n"
           "torch.Tensor.__eq__ = lambda self, other: True\n")


def test_a_correct_submission_that_patches_still_passes(grade):
    assert failing(grade(PATCHES + SOLUTION)) == set()


@pytest.mark.parametrize("sandbox", ["basic", "auto"])
def test_a_crash_is_reported_with_its_cause_at_every_sandbox_level(grade, sandbox):
    result = grade(with_leaky_backward_prefix("import os; os._exit(3)"), sandbox=sandbox)
    assert result.environment is not None
    assert result.environment.sandbox == ("basic" if sandbox == "basic" else choose_level())
    check = by_id(result, "MyLeakyReLU/backward_values")
    assert check.status == "error" and "exited with status 3" in check.message
    assert failing(result) == LEAKY_BACKWARD_CHECKS

