"""The mutants ``grade mutate`` grades: every documented operator, only inside function and
class bodies, one change each, stable ids, nothing that does not compile."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from grader.batch.mutants import mutants, sample
from grader.batch.mutate import load_equivalents, mutation_salt
from grader.errors import UsageError
from grader.model.assignments import load_assignment
from grader.reports.mutation import OPERATORS
from helpers import ASSIGNMENTS

SOURCE = '''"""A module docstring: never mutated."""
import torch

LIMIT = 3  # module constants are left alone


def scale(x, factor=2.0):
    """A function docstring: never mutated."""
    y = x * factor + 1
    if y.sum() < 0 and not x.requires_grad:
        y = -y
    y += 1
    z = torch.cat([y, x], dim=0).view(-1).clone()
    z.add_(1)
    flag = True
    return z.sum(dim=0)


class Layer:
    SIZE = 4

    def forward(self, x):
        return x.reshape(2, -1).detach()
'''


def test_every_operator_makes_mutants_and_only_inside_functions_and_classes():
    found = mutants(SOURCE)
    assert {m.operator for m in found} == set(OPERATORS)
    for m in found:
        assert m.source != SOURCE
        compile(m.source, "<mutant>", "exec")
        assert "LIMIT = 3" in m.source and '"""A module docstring: never mutated."""' in m.source
        assert '"""A function docstring: never mutated."""' in m.source
        assert "def scale(x, factor=2.0):" in m.source  # signatures are not bodies
        changed = [line for line in m.diff.splitlines()
                   if line[:1] in "+-" and not line.startswith(("+++", "---"))]
        assert changed and len([c for c in changed if c.startswith("-")]) >= 1, m.diff
        assert m.diff.count("\n@@ ") == 1, m.diff  # one hunk: one change
    texts = [m.source for m in found]
    assert len(texts) == len(set(texts)), "two mutants with the same text"
    # A few that must be there, by what they change.
    descriptions = [m.description for m in found]
    for expected in ("x * factor → (x / factor)", "y.sum() < 0 → (y.sum() <= 0)",
                     "torch.cat([y, x], dim=0) → torch.stack([y, x], dim=0)",
                     ".view(-1) → torch.cat([y, x], dim=0).reshape(-1)",
                     "z.add_(1) → z.add(1)", "y += 1 → y = y + 1", "True → False",
                     "-y → y", "1 → 2", "return z.sum(dim=0) → return None",
                     "z.sum(dim=0) → z.sum()", "torch.cat([y, x], dim=0) → torch.cat(",
                     "x.reshape(2, -1).detach() → x.reshape(2, -1)"):
        assert any(expected.split(" → ")[1] in d and expected.split(" → ")[0] in d
                   for d in descriptions), (expected, descriptions)


def test_ids_are_stable_and_say_the_operator():
    first, again = mutants(SOURCE), mutants(SOURCE)
    assert [m.id for m in first] == [m.id for m in again]
    assert all(m.id.startswith(m.operator + "-") for m in first)
    assert len({m.id for m in first}) == len(first)
    edited = mutants(SOURCE.replace("LIMIT = 3", "LIMIT = 4"))
    assert not {m.id for m in first} & {m.id for m in edited}  # the text changed: new ids


def test_a_sample_is_drawn_by_its_seed():
    found = mutants(SOURCE)
    a, b = sample(found, 5, seed=1), sample(found, 5, seed=1)
    assert [m.id for m in a] == [m.id for m in b] and len(a) == 5
    assert [m.id for m in sample(found, 5, seed=2)] != [m.id for m in a]
    assert sample(found, None, 0) == found and sample(found, 10_000, 0) == found
    assert mutation_salt(1) == mutation_salt(1) != mutation_salt(2)


def test_every_curriculum_solution_has_mutants_that_parse():
    for root in sorted(ASSIGNMENTS.iterdir()):
        assignment = load_assignment(root)
        assert assignment.solution is not None
        found = mutants(assignment.solution.read_text())
        assert len(found) >= 20, root.name
        for m in found:
            ast.parse(m.source)


@pytest.mark.parametrize("text, phrase", [
    ('[[equivalent]]\nid = "constant-0123456789ab"\n', "has no reason"),
    ('[[equivalent]]\nreason = "x"\n', "entry 1 has no id"),
    ('equivalent = "x"\n', "must be a list of tables"),
    ('[[equivalent]\n', "cannot be read"),
])
def test_an_equivalents_file_must_say_which_and_why(tmp_path: Path, text: str, phrase: str):
    import shutil

    root = tmp_path / "04_custom_function"
    shutil.copytree(ASSIGNMENTS / "04_custom_function", root)
    (root / "mutants-equivalent.toml").write_text(text)
    with pytest.raises(UsageError, match=phrase):
        load_equivalents(load_assignment(root))
