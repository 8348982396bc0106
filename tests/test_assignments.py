"""Reading an assignment folder: assignment.toml and the checks files, validated once."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from grader.errors import AssignmentError
from grader.model.assignments import load_assignment

TOML = 'title = "T"\nmodule = "mod"\nexercises = ["f", "g"]\n'


def make(tmp_path: Path, public: str, hidden: str = "", toml: str = TOML) -> Path:
    root = tmp_path / "assignments" / "99_demo"
    (root / "checks").mkdir(parents=True)
    (root / "assignment.toml").write_text(toml)
    (root / "mod.py").write_text("def f(x):\n    raise NotImplementedError\n")
    (root / "checks" / "public.py").write_text("from grader import check\n" + public)
    if hidden:
        (root / "checks" / "hidden.py").write_text("from grader import check\n" + hidden)
    return root


def test_checks_are_collected_as_declared_and_hidden_ones_import_public_helpers(tmp_path):
    root = make(tmp_path, """
@check("g", points=2, name="second")
def scenario(m, device, rng):
    return 1

@check("f", name="first")
def scenario(m, device, rng):
    return 2

def helper():
    return 3
""", hidden="""
from public import helper

@check("f", points=0.5)
def edge(m, device, rng):
    return helper()
""")
    assignment = load_assignment(root)
    assert [c.id for c in assignment.checks] == ["g/second", "f/first", "f/edge"]
    assert assignment.checks[2].scenario(None, "cpu", None) == 3
    assert "public" not in sys.modules
    assert [c.hidden for c in assignment.checks] == [False, False, True]
    assert [c.points for c in assignment.checks] == [2.0, 1.0, 0.5]


@pytest.mark.parametrize("public, hidden, toml, phrase", [
    ('@check("f")\ndef a(m, d, r): return 1\n@check("f", name="a")\ndef b(m, d, r): return 1\n',
     "", TOML, "two checks named f/a"),
    ('@check("h")\ndef a(m, d, r): return 1\n', "", TOML, "names exercise 'h', not one of"),
    ('@check("f", hidden=True)\ndef a(m, d, r): return 1\n', "", TOML, "checks/hidden.py"),
    ('@check("f")\ndef a(m, d, r) return 1\n', "", TOML, "SyntaxError"),
    ('@check("f")\ndef a(m, d, r): return 1\n', "", TOML + "colour = 1\n", "unknown keys"),
])
def test_a_broken_assignment_is_refused_with_a_message_naming_the_problem(
        tmp_path, public, hidden, toml, phrase):
    root = make(tmp_path, public, hidden, toml)
    with pytest.raises(AssignmentError) as caught:
        load_assignment(root)
    assert phrase in str(caught.value)
