"""One bug costs one exercise: an endless loop spends one check's time limit, not the
submission's wall clock.

After a run of an exercise times out, the session reports that exercise's remaining runs as
``timeout`` without running them (they would most likely loop too), and a fresh child goes
on with the other exercises. The submissions are assignment 04's solution with loops put
into it, graded with the hidden checks, a one-second time limit per check and a submission
wall clock of 10 s: before, a loop in ``MyReLU.backward`` timed out every check that calls
it, one after the other, until the wall clock was spent and ``MyLeakyReLU``'s hidden checks
were "not run".
"""

from __future__ import annotations

import time

import pytest

from grader.results import SubmissionResult
from helpers import SOLUTION_04

pytestmark = pytest.mark.slow  # real child processes

LOOPING = """

_solution_{cls} = {cls}


class {cls}(torch.autograd.Function):  # the solution's forward, a backward that never ends
    @staticmethod
    def forward(*args):
        return _solution_{cls}.forward(*args)

    @staticmethod
    def backward(ctx, grad_output):
        while True:
            pass
"""
LOOPING_RELU = LOOPING.format(cls="MyReLU")
LOOPING_LEAKY = LOOPING.format(cls="MyLeakyReLU")

LOOPING_GRADS = '''

def relu_linear_grads(w, b, X, Y):
    while True:
        pass
'''

LIMITS = {"wall_s": 10.0}


def grade_with_loops(grade, *loops: str) -> tuple[SubmissionResult, float]:
    began = time.monotonic()
    result = grade(SOLUTION_04.read_text() + "".join(loops), scope="all", limits=LIMITS,
                   time_limit=1.0)
    return result, time.monotonic() - began


def cpu_checks(result: SubmissionResult, exercise: str):
    return [c for c in result.checks if c.exercise == exercise and c.device == "cpu"]


def test_a_loop_in_one_exercise_leaves_the_others_every_check(grade):
    result, _ = grade_with_loops(grade, LOOPING_RELU)
    assert result.status == "graded"
    leaky = cpu_checks(result, "MyLeakyReLU")
    assert leaky and all(c.status == "passed" for c in leaky), [(c.id, c.message) for c in leaky]
    assert any(c.hidden for c in leaky)
    relu = [c for c in cpu_checks(result, "MyReLU") if c.status != "passed"]
    looped = [c for c in relu if "took longer than" in c.message]
    skipped = [c for c in relu if c.message.startswith("not run:")]
    assert len(looped) == 1 and looped[0].id == "MyReLU/backward_values", relu
    assert skipped and all(c.status == "timeout" and "MyReLU/backward_values" in c.message
                           for c in skipped)
    assert looped + skipped == relu
    assert not any("used up" in c.message for c in result.checks)


def test_a_loop_in_every_exercise_costs_each_one_check_and_every_check_is_reported(grade):
    result, took = grade_with_loops(grade, LOOPING_RELU, LOOPING_LEAKY, LOOPING_GRADS)
    assert result.status == "graded"
    for exercise in ("MyReLU", "MyLeakyReLU", "relu_linear_grads"):
        checks = cpu_checks(result, exercise)
        looped = [c for c in checks if "took longer than" in c.message]
        assert len(looped) == 1, [(c.id, c.message) for c in checks]
        assert all(c.status in ("passed", "timeout") for c in checks)
    assert not any("used up" in c.message for c in result.checks)
    assert took < LIMITS["wall_s"]  # three time limits and their grace, not the wall clock
