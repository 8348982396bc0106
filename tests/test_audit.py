"""The integrity audit: the means of forging a verdict from inside the process, found in the
syntax of a submission, and nothing in honest code.

In-memory sources throughout; the repository's solutions, stubs and known variants must give
no finding, and the hostile cases that need one of the means must be found using it.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from grader.intake.audit import RULES, Finding, audit
from grader.intake.syntax import SourceUnit
from helpers import ASSIGNMENTS, ROOT, SOLUTIONS, SUBMISSIONS

HOSTILE = ROOT / "tests" / "hostile"


def flags(source: str) -> list[tuple[str, int]]:
    return [(f.rule, f.line) for f in audit([SourceUnit("m.py", source)])]


def test_every_rule_has_a_one_line_description():
    assert list(RULES) == ["introspection", "grader-access", "ctypes", "patching",
                           "dynamic-code", "proc"]
    assert all(text and "\n" not in text for text in RULES.values())


@pytest.mark.parametrize("source, expected", [
    # introspection
    ("import sys\nf = sys._getframe(1)\n", [("introspection", 2)]),
    ("from sys import _getframe as g\ng()\n", [("introspection", 1), ("introspection", 2)]),
    ("import inspect\n", [("introspection", 1)]),
    ("from inspect import currentframe\n", [("introspection", 1)]),
    ("import inspect as i\n\ni.stack()\n", [("introspection", 1), ("introspection", 3)]),
    ("import gc\n", [("introspection", 1)]),
    ("x = __import__('gc')\n", [("introspection", 1)]),
    ("def f(e):\n    return e.__traceback__.tb_frame.f_back.f_locals\n",
     [("introspection", 2)]),
    ("g = (x for x in [])\nv = g.gi_frame\n", [("introspection", 2)]),
    ("v = f.__globals__['secret']\n", [("introspection", 1)]),
    ("v = getattr(frame, 'f_globals')\n", [("introspection", 1)]),
    ("f.__code__ = g.__code__\n", [("introspection", 1)]),
    ("setattr(f, '__code__', g.__code__)\n", [("introspection", 1)]),
    # grader-access
    ("import grader\n", [("grader-access", 1)]),
    ("import grader.sandbox.wire as w\n", [("grader-access", 1)]),
    ("from grader.sandbox import codec\n", [("grader-access", 1)]),
    ("from grader.notebook import anything\n", [("grader-access", 1)]),
    ("import importlib\nm = importlib.import_module('grader.sandbox')\n",
     [("grader-access", 2)]),
    ("import sys\nm = sys.modules['grader']\n", [("grader-access", 2)]),
    ("import sys\nm = sys.modules.get('x')\n", [("grader-access", 2)]),
    ("import sys\nfor name in list(sys.modules):\n    pass\n", [("grader-access", 2)]),
    ("from sys import modules as m\nm['x']\n", [("grader-access", 1), ("grader-access", 2)]),
    # ctypes
    ("import ctypes\n", [("ctypes", 1)]),
    ("from ctypes import CDLL\n", [("ctypes", 1)]),
    ("import cffi\n", [("ctypes", 1)]),
    ("c = __import__('ctypes')\n", [("ctypes", 1)]),
    # patching
    ("import torch\ntorch.relu = lambda x: x\n", [("patching", 2)]),
    ("import torch as t\nt.Tensor.__eq__ = lambda a, b: True\n", [("patching", 2)]),
    ("import torch\ntorch.nn.functional.relu = f\n", [("patching", 2)]),
    ("import torch.nn.functional as F\nF.relu = f\n", [("patching", 2)]),
    ("import numpy as np\nnp.random.seed = f\n", [("patching", 2)]),
    ("import builtins\nbuiltins.print = f\n", [("patching", 2)]),
    ("import builtins as b\nb.len += 1\n", [("patching", 2)]),
    ("import torch\ndel torch.equal\n", [("patching", 2)]),
    ("__builtins__['print'] = f\n", [("patching", 1)]),
    ("__builtins__.print = f\n", [("patching", 1)]),
    ("import torch\nsetattr(torch, 'relu', f)\n", [("patching", 2)]),
    ("import torch\ndelattr(torch.Tensor, 'add')\n", [("patching", 2)]),
    ("import torch\nvars(torch)['relu'] = f\n", [("patching", 2)]),
    ("import torch\ntorch.__dict__['relu'] = f\n", [("patching", 2)]),
    ("import torch\nT = torch.Tensor\nT.__eq__ = f\n", [("patching", 3)]),
    ("def f():\n    import torch.testing\n    torch.testing.assert_close = g\n",
     [("patching", 3)]),
    # dynamic-code
    ("exec(code)\n", [("dynamic-code", 1)]),
    ("eval(text)\n", [("dynamic-code", 1)]),
    ("c = compile(src, 'f', 'exec')\n", [("dynamic-code", 1)]),
    ("import builtins\nbuiltins.exec(code)\n", [("dynamic-code", 2)]),
    ("import marshal\n", [("dynamic-code", 1)]),
    ("m = __import__(name)\n", [("dynamic-code", 1)]),
    ("from importlib import import_module\nm = import_module('to' + 'rch')\n",
     [("dynamic-code", 2)]),
    ("import types\nf = types.FunctionType(code, {})\n", [("dynamic-code", 2)]),
    ("from types import CodeType\nc = CodeType(*args)\n", [("dynamic-code", 2)]),
    # the code of a literal given to exec is audited as if written at the call
    ("x = 1\nexec('import ctypes')\n", [("ctypes", 2)]),
    ("import torch\neval(\"setattr(torch, 'relu', f)\")\n", [("patching", 2)]),
    ("exec('exec(\"exec(\\'exec(1)\\')\")')\n", [("dynamic-code", 1)]),
    ("exec('exec(\"exec(\\'exec(\\\\\"x = 1\\\\\")\\')\")')\n", [("dynamic-code", 1)]),
    # proc
    ("open('/proc/self/maps')\n", [("proc", 1)]),
    ("p = f'/proc/{pid}/environ'\n", [("proc", 1)]),
    ("p = b'/proc/self/mem'\n", [("proc", 1)]),
])
def test_each_rule_is_caught_in_its_plain_and_aliased_forms(source, expected):
    assert flags(source) == expected


@pytest.mark.parametrize("source", [
    "import torch\nx = torch.zeros(3)\nx[0] = 1\nx.requires_grad = True\n",
    "import torch\nfor p in params:\n    p.grad = None\n    p -= 0.1\n",
    "import numpy as np\nnp.random.seed(0)\nrng = np.random.default_rng(0)\n",
    "exec('x = 1')\nvalue = eval('1 + 1')\n",
    "import torch\nm = torch.compile(model)\nmodel.eval()\n",
    "import re\np = re.compile(pattern)\n",
    "import importlib\nm = importlib.import_module('math')\n",
    "import types\nisinstance(f, types.FunctionType)\n",
    "import sys\nprint(sys.version)\n",
    "code = f.__code__\n",
    # a student's own names that spell a watched module are not that module
    "def inspect(x):\n    return x.shape\ninspect(y)\n",
    "gc = 0.5\nprint(gc)\n",
    "def f(torch):\n    torch.x = 1\n",
    "text = 'proceed to /pro' 'duction'\n",
])
def test_honest_code_gives_no_finding(source):
    assert flags(source) == []


def test_one_finding_per_rule_and_line_in_unit_then_line_order():
    units = [SourceUnit("hw.ipynb, cell 2", "import torch as t\nimport ctypes, inspect\n"),
             SourceUnit("hw.ipynb, cell 3", "t.relu = t.sigmoid; t.equal = f\n"),
             SourceUnit("hw.ipynb, cell 1", "x = 1\nimport sys; sys.modules['grader'].x = 2\n")]
    long_line = "torch.allclose = " + " or ".join(["f"] * 60) + "\n"
    units.append(SourceUnit("hw.ipynb, cell 4", "import torch\n" + long_line))
    assert audit(units) == [
        Finding("introspection", "hw.ipynb, cell 2", 2, "import ctypes, inspect"),
        Finding("ctypes", "hw.ipynb, cell 2", 2, "import ctypes, inspect"),
        # names imported in one cell are the same in the next
        Finding("patching", "hw.ipynb, cell 3", 1, "t.relu = t.sigmoid; t.equal = f"),
        Finding("grader-access", "hw.ipynb, cell 1", 2, "import sys; sys.modules['grader'].x = 2"),
        Finding("patching", "hw.ipynb, cell 4", 2, long_line.strip()[:117] + "..."),
    ]


def test_units_that_do_not_parse_are_left_out():
    units = [SourceUnit("a", "import ctypes\ndef f(:\n"), SourceUnit("b", "import gc\n")]
    assert [(f.rule, f.label) for f in audit(units)] == [("introspection", "b")]


def honest_files() -> list[Path]:
    files = [*SOLUTIONS.glob("*/*.py"), *ASSIGNMENTS.glob("*/*.py"),
             *(p for p in SUBMISSIONS.rglob("*.py") if not p.name.startswith("cheat_"))]
    assert len(files) >= 90
    return sorted(files)


@pytest.mark.parametrize("path", honest_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_solutions_stubs_and_known_variants_give_no_finding(path):
    assert audit([SourceUnit(path.name, path.read_text())]) == []


def test_the_cheats_forge_nothing_either():
    """A contract breach is no attempt on the grader: the audit has nothing to say."""
    for path in SUBMISSIONS.glob("*/cheat_*.py"):
        assert audit([SourceUnit(path.name, path.read_text())]) == []


FILLED = {"marker": "/tmp/marker", "tag": "grade-tag", "port": "4242",
          "solution": "/course/solutions/s.py", "hidden": "/course/checks/hidden.py",
          "other": "/other/custom_function.py", "out": "/out", "grader_pid": "4242",
          "repository": "/course"}


@pytest.mark.parametrize("case, expected", [
    ("forge_observations.py", [("grader-access", 8), ("grader-access", 10), ("proc", 12),
                               ("proc", 14)]),
    ("patch_builtins.py", [("patching", 4), ("patching", 5), ("patching", 6),
                           ("patching", 7)]),
    ("patch_comparisons.py", [("patching", 5), ("patching", 6), ("patching", 7),
                              ("patching", 8)]),
    ("patch_inside_a_check.py", [("patching", 4), ("patching", 5), ("patching", 6)]),
    ("read_grader_process.py", [("proc", 4), ("proc", 7)]),
    ("leak_hidden_checks.py", [("introspection", 10), ("introspection", 12),
                               ("introspection", 18)]),
    ("leak_hidden_checks_at_import.py", [("introspection", 9), ("introspection", 11),
                                         ("introspection", 17)]),
    ("swap_the_encoder_code.py", [("grader-access", 6), ("introspection", 13),
                                  ("grader-access", 13)]),
    ("tamper_with_the_parent.py", [("ctypes", 3), ("ctypes", 7), ("proc", 13)]),
    ("segfault.py", [("ctypes", 3), ("ctypes", 4)]),
    ("mount_a_tmpfs_of_its_own.py", [("ctypes", 3), ("ctypes", 6), ("proc", 12)]),
    ("fake_result_in_grader_cwd.py", [("proc", 5)]),
])
def test_hostile_cases_are_found_by_the_means_they_use(case, expected):
    attack = string.Template((HOSTILE / case).read_text()).substitute(FILLED)
    assert flags(attack) == expected
    # on top of the solution, as the hostile suite grades them, the same lines are found
    solution = (SOLUTIONS / "04_custom_function" / "custom_function.py").read_text()
    units = [SourceUnit("custom_function.py", solution), SourceUnit(case, attack)]
    assert [(f.rule, f.label, f.line) for f in audit(units)] == [
        (rule, case, line) for rule, line in expected]
