"""The strict sandbox level (bubblewrap): what a submission cannot see or do there.

Each test grades a hostile variant of the correct solution and asserts the side effect it
tried is absent. They skip, with the reason, where bubblewrap cannot run; CI installs it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from grader.sandbox.jail import choose_level, strict_problem
from helpers import ROOT, SOLUTION_04, failing, solution_source

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(strict_problem() is not None,
                                 reason=f"strict sandbox unavailable: {strict_problem()}")]


@pytest.fixture
def strict(grade):
    def run(prefix: str):
        result = grade(prefix + "\n" + solution_source())
        assert result.status == "graded", result.message
        assert result.environment is not None and result.environment.sandbox == "strict"
        assert failing(result) == set()  # the attempt changes no verdict
        return result
    return run


def test_auto_chooses_strict_where_bubblewrap_works():
    assert choose_level("auto") == "strict"


def test_cli_reports_the_level_and_refuses_strict_without_bubblewrap(tmp_path):
    env = {**os.environ, "PATH": "/nonexistent"}
    done = subprocess.run([sys.executable, "-m", "grader", "check", str(SOLUTION_04),
                           "--assignment", "04_custom_function", "--out", str(tmp_path),
                           "--sandbox", "strict"], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == ("grade: the strict sandbox is not available: bubblewrap "
                                   "(bwrap) is not installed")
    assert not (tmp_path / "04_custom_function").exists()
