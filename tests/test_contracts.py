"""Exercise contracts: what must be written by hand is read from the code, never run.

In-memory sources throughout; the repository's own solutions, stubs and known variants are
read as files and must keep every contract, and the cheat variants must break exactly theirs.
"""

from __future__ import annotations

import ast
import string
import tomllib
from pathlib import Path

import pytest

from grader.errors import AssignmentError
from grader.intake.contracts import check_contracts
from grader.intake.syntax import SourceUnit, parse_units, resolve_aliases
from grader.model.contracts import Contract, parse_contracts
from helpers import ASSIGNMENTS, ROOT, SOLUTIONS, SUBMISSIONS, on_solution

RELU = Contract("MyReLU", subclass="torch.autograd.Function", defines=("forward", "backward"))
SGD = Contract("sgd_step", forbid=("torch.optim",))
DATA = Contract("data_iter", forbid=("torch.utils.data",))

RELU_CLASS = """\
class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output
"""


def breaches(source: str, *contracts: Contract) -> list[tuple[str, int]]:
    found = check_contracts([SourceUnit("m.py", source)], {c.exercise: c for c in contracts})
    assert all(b.label == "m.py" for b in found)
    return [(b.exercise, b.line) for b in found]


def contracts_of(assignment: str) -> dict[str, Contract]:
    config = tomllib.loads((ASSIGNMENTS / assignment / "assignment.toml").read_text())
    return parse_contracts(config.get("contracts", {}), config["exercises"])


# --- aliases ------------------------------------------------------------------------------

@pytest.mark.parametrize("source, expression, expected", [
    ("import torch as t", "t.optim.SGD", "torch.optim.SGD"),
    ("import torch.optim as o", "o.SGD", "torch.optim.SGD"),
    ("import torch.optim", "torch.optim.SGD", "torch.optim.SGD"),
    ("from torch import optim", "optim.Adam", "torch.optim.Adam"),
    ("from torch.autograd import Function as F", "F", "torch.autograd.Function"),
    ("from torch.utils.data import DataLoader", "DataLoader", "torch.utils.data.DataLoader"),
    ("import torch\nopt = torch.optim", "opt.SGD", "torch.optim.SGD"),
    ("import torch\nFn = torch.autograd.Function", "Fn", "torch.autograd.Function"),
    ("import torch\no = torch.optim\nS = o.SGD", "S", "torch.optim.SGD"),
    ("def f():\n    import torch.nn.functional as F", "F.relu", "torch.nn.functional.relu"),
    ("t = __import__('torch')", "t.optim", "torch.optim"),
    ("import importlib\no = importlib.import_module('torch.optim')", "o.SGD",
     "torch.optim.SGD"),
    ("import torch", "getattr(torch, 'optim').SGD", "torch.optim.SGD"),
    ("", "x.grad", "x.grad"),
    ("", "__builtins__", "builtins"),
    ("w = model.w", "w", "w"),
    ("", "f().x", None),
])
def test_names_resolve_through_imports_and_module_level_aliases(source, expression, expected):
    (unit,) = parse_units([SourceUnit("m.py", source)])
    aliases = resolve_aliases([unit.tree])
    assert aliases.dotted(ast.parse(expression, mode="eval").body) == expected


def test_units_that_do_not_parse_are_left_out():
    units = [SourceUnit("a", "def f(:\n"), SourceUnit("b", "x = 1\n"),
             SourceUnit("c", "x = '\0'\n" + "(" * 300 + ")" * 300)]
    assert [u.label for u in parse_units(units)] == ["b"]
    assert check_contracts(units, {"sgd_step": SGD}) == []


# --- subclass and defines -----------------------------------------------------------------

@pytest.mark.parametrize("source", [
    "import torch\n" + RELU_CLASS,
    "from torch.autograd import Function as F\n" + RELU_CLASS.replace(
        "torch.autograd.Function", "F"),
    "import torch.autograd.function as tf\n" + RELU_CLASS.replace(
        "torch.autograd.Function", "tf.Function"),
    "import torch\nFn = torch.autograd.Function\n" + RELU_CLASS.replace(
        "torch.autograd.Function", "Fn"),
    "import torch\nclass Base(torch.autograd.Function):\n    pass\n" + RELU_CLASS.replace(
        "torch.autograd.Function", "Base"),
    "import torch\nfrom torch.autograd.function import once_differentiable\n" + RELU_CLASS
    .replace("    def backward", "    @once_differentiable\n    def backward"),
    # state kept on the class by its own methods is the student's business
    "import torch\n" + RELU_CLASS.replace("return input.clamp", "MyReLU.calls = 1\n"
                                           "        return input.clamp"),
    # a change before the final definition is undone by it
    "import torch\nMyReLU = torch.relu\n" + RELU_CLASS,
])
def test_a_hand_written_function_keeps_its_contract(source):
    assert breaches(source, RELU) == []


@pytest.mark.parametrize("source, line", [
    ("import torch\nMyReLU = torch.relu\n", 2),
    ("import torch\nclass MyReLU:\n    apply = torch.relu\n", 2),
    ("import torch\nclass MyReLU(torch.nn.Module):\n    pass\n", 2),
    ("import torch\ndef MyReLU(x):\n    return x\n", 2),
    ("from torch.nn.functional import relu as MyReLU\n", 1),
    ("import torch\n" + RELU_CLASS + "MyReLU.apply = torch.relu\n", 10),
    ("import torch\n" + RELU_CLASS + "setattr(MyReLU, 'backward', None)\n", 10),
    ("import torch\n" + RELU_CLASS + "del MyReLU.forward\n", 10),
    ("import torch\n" + RELU_CLASS + "MyReLU = torch.relu\n", 10),
    ("import torch\n" + RELU_CLASS + "def patch():\n    MyReLU.backward = None\n", 11),
    ("import torch\n" + RELU_CLASS + "def f():\n    global MyReLU\n    MyReLU = 1\n", 12),
    ("import torch\n" + RELU_CLASS + "globals()['MyReLU'] = torch.relu\n", 10),
    ("import torch\n" + RELU_CLASS.replace("return grad_output",
                                           "MyReLU.apply = torch.relu"), 9),
])
def test_anything_but_the_class_itself_breaks_the_subclass_contract(source, line):
    assert breaches(source, RELU) == [("MyReLU", line)]


def test_the_message_names_the_contract_the_reason_and_the_line():
    contract = Contract("MyReLU", subclass="torch.autograd.Function", reason="do it by hand")
    source = "import torch\n" + RELU_CLASS + "MyReLU.apply = torch.relu\n"
    (breach,) = check_contracts([SourceUnit("custom_function.py", source)],
                                {"MyReLU": contract})
    assert breach.message == ("MyReLU must be a class deriving from torch.autograd.Function: "
                              "do it by hand (custom_function.py, line 10: "
                              "MyReLU.apply = torch.relu)")


@pytest.mark.parametrize("body, missing", [
    ("    @staticmethod\n    def forward(ctx, x):\n        return x\n", "backward"),
    ("    forward = staticmethod(torch.relu)\n"
     "    @staticmethod\n    def backward(ctx, g):\n        return g\n", "forward"),
    ("    @staticmethod\n    def forward(ctx, x):\n        return x\n"
     "    @staticmethod\n    def backward(ctx, g):\n        return g\n"
     "    backward = staticmethod(torch.relu)\n", "backward"),
    ("    @staticmethod\n    def forward(ctx, x):\n        return x\n"
     "    @some.trick\n    def backward(ctx, g):\n        return g\n", "backward"),
    ("    pass\n", "forward and backward"),
])
def test_each_named_method_must_be_a_def_of_the_class_body(body, missing):
    source = "import torch\nclass MyReLU(torch.autograd.Function):\n" + body
    (breach,) = check_contracts([SourceUnit("m.py", source)], {"MyReLU": RELU})
    assert (breach.exercise, breach.line) == ("MyReLU", 2)
    assert breach.message.startswith(f"MyReLU must define {missing} in its class body (")


def test_a_notebook_is_one_namespace_and_its_last_definition_counts():
    cells = [SourceUnit("hw.ipynb, cell 1", "import torch\nclass MyReLU:\n    pass\n"),
             SourceUnit("hw.ipynb, cell 2", "from torch.autograd import Function\n"
                        + RELU_CLASS.replace("torch.autograd.Function", "Function")),
             SourceUnit("hw.ipynb, cell 3", "y = MyReLU.apply(x)\nMyReLU.apply = torch.relu\n")]
    found = check_contracts(cells, {"MyReLU": RELU})
    assert [(b.label, b.line) for b in found] == [("hw.ipynb, cell 3", 2)]
    assert check_contracts(cells[:2], {"MyReLU": RELU}) == []


def test_long_chains_of_classes_and_helpers_are_followed_without_recursion():
    n = 1500  # past Python's default recursion limit
    classes = "".join(f"class C{i}(C{i + 1}):\n    pass\n" for i in range(n))
    source = ("import torch\n" + classes + f"class C{n}(torch.nn.Module):\n    pass\n"
              + "class MyReLU(C0):\n    pass\n")
    assert breaches(source, RELU) == [("MyReLU", 2 * n + 4)]
    helpers = "".join(f"def h{i}():\n    h{i + 1}()\n" for i in range(n))
    source = ("import torch\ndef sgd_step(p, lr):\n    h0()\n" + helpers
              + f"def h{n}():\n    torch.optim.SGD\n")
    assert breaches(source, SGD) == [("sgd_step", 2 * n + 5)]


def test_an_exercise_that_is_not_defined_has_no_breach():
    assert breaches("import torch\nx = torch.optim.SGD\n", RELU, SGD) == []


# --- forbid -------------------------------------------------------------------------------

@pytest.mark.parametrize("source, line", [
    ("import torch\ndef sgd_step(params, lr):\n    torch.optim.SGD(params, lr=lr).step()\n",
     3),
    ("from torch import optim as o\ndef sgd_step(params, lr):\n    o.SGD(params, lr).step()\n",
     3),
    ("import torch\nopt = torch.optim\ndef sgd_step(p, lr):\n    opt.SGD(p, lr).step()\n", 4),
    ("from torch.optim import SGD\n\ndef sgd_step(p, lr):\n    SGD(p, lr).step()\n", 4),
    ("def sgd_step(p, lr):\n    from torch.optim import SGD\n    SGD(p, lr).step()\n", 2),
    ("def sgd_step(p, lr):\n    import torch.optim\n", 2),
    ("def sgd_step(p, lr):\n    __import__('torch.optim')\n", 2),
    ("import importlib\ndef sgd_step(p, lr):\n    importlib.import_module('torch.optim')\n", 3),
    ("import torch\ndef sgd_step(p, lr):\n    getattr(torch, 'optim').SGD(p, lr)\n", 3),
    ("import torch\ndef sgd_step(p, lr):\n    eval('torch.optim.SGD')(p, lr)\n", 3),
    # through module-level helpers it calls, transitively, whatever their order
    ("import torch\ndef sgd_step(p, lr):\n    helper(p, lr)\n"
     "def helper(p, lr):\n    deeper(p)\ndef deeper(p):\n    return torch.optim.SGD(p)\n", 7),
    ("import torch\nmake = lambda p: torch.optim.SGD(p, 0.1)\n"
     "def sgd_step(p, lr):\n    make(p).step()\n", 2),
    ("import torch\nclass Stepper:\n    def step(self, p):\n        torch.optim.SGD(p)\n"
     "def sgd_step(p, lr):\n    Stepper().step(p)\n", 4),
    # a helper called from a nested function, with a local elsewhere of the same name
    ("import torch\ndef helper(p):\n    torch.optim.SGD(p)\n"
     "def sgd_step(p, lr):\n    def inner():\n        helper = 1\n    helper(p)\n", 3),
])
def test_a_forbidden_module_is_found_however_it_is_reached(source, line):
    assert breaches(source, SGD) == [("sgd_step", line)]


@pytest.mark.parametrize("source", [
    "import torch\nimport torch.optim\ndef sgd_step(params, lr):\n"
    "    with torch.no_grad():\n        for p in params:\n            p -= lr * p.grad\n",
    # an unused helper that does use it
    "import torch\ndef unused():\n    return torch.optim.SGD\n"
    "def sgd_step(p, lr):\n    pass\n",
    # a parameter named like a module-level helper is the parameter
    "import torch\ndef helper():\n    return torch.optim.SGD\n"
    "def sgd_step(helper, lr):\n    helper()\n",
    "import torch\ndef sgd_step(p, lr):\n    return [helper for helper in p]\n"
    "def helper():\n    return torch.optim.SGD\n",
    # a name that only starts like the prefix
    "import torch\ndef sgd_step(p, lr):\n    torch.optimize = 1\n",
    "import torch\ndef sgd_step(p, lr):\n    '''Unlike torch.optim.SGD, by hand.'''\n",
])
def test_what_the_exercise_does_not_reach_is_no_breach(source):
    assert breaches(source, SGD) == []


def test_a_helper_is_reported_with_its_name_and_each_prefix_once():
    contract = Contract("train_model", forbid=("torch.optim", "torch.utils.data"),
                        reason="by hand")
    source = ("import torch\nfrom torch.utils.data import DataLoader\n"
              "def train_model(m, X, Y):\n    DataLoader(X)\n    DataLoader(Y)\n    fit(m)\n"
              "def fit(m):\n    torch.optim.Adam(m.parameters())\n")
    found = check_contracts([SourceUnit("m.py", source)], {"train_model": contract})
    assert [(b.line, b.message) for b in found] == [
        (4, "train_model must not use torch.utils.data: by hand (m.py, line 4: DataLoader(X))"),
        (8, "train_model must not use torch.optim, not even in fit, which it uses: by hand "
            "(m.py, line 8: torch.optim.Adam(m.parameters()))"),
    ]


def test_another_exercise_is_judged_by_its_own_contract():
    train_step = Contract("train_step", forbid=("torch.optim",))
    source = ("import torch\ndef sgd_step(p, lr):\n    torch.optim.SGD(p, lr)\n"
              "def train_step(m, lr):\n    sgd_step(m.parameters(), lr)\n")
    assert breaches(source, SGD, train_step) == [("sgd_step", 3)]
    # without a contract of its own, sgd_step is a helper like any other
    assert breaches(source, train_step) == [("train_step", 3)]


def test_a_module_class_may_not_derive_from_a_forbidden_module():
    contract = Contract("LinearRegression", forbid=("torch.nn",))
    source = "from torch import nn\nclass LinearRegression(nn.Module):\n    pass\n"
    assert breaches(source, contract) == [("LinearRegression", 2)]


# --- the assignments' tables --------------------------------------------------------------

def test_the_assignments_declare_what_their_readmes_ask_by_hand():
    relu = contracts_of("04_custom_function")
    assert set(relu) == {"MyReLU", "MyLeakyReLU"}
    assert all(c.subclass == "torch.autograd.Function" and c.defines == ("forward", "backward")
               for c in relu.values())
    regression = contracts_of("05_linear_regression")
    assert {name: c.forbid for name, c in regression.items()} == {
        "data_iter": ("torch.utils.data",), "LinearRegression": ("torch.nn",),
        "sgd_step": ("torch.optim",), "train_step": ("torch.optim",),
        "train_model": ("torch.optim", "torch.utils.data")}
    assert all(c.reason for c in [*relu.values(), *regression.values()])
    for other in ("01_tensor_basics", "02_views", "03_autograd", "06_dnn_classifier"):
        assert contracts_of(other) == {}


def known_good() -> list[tuple[str, Path]]:
    """Every file that must keep its assignment's contracts: the solutions, the stubs, and
    the known variants (the overlays as the tests grade them, on top of the solution)."""
    files = [*SOLUTIONS.glob("*/*.py"), *ASSIGNMENTS.glob("*/*.py"),
             *(p for p in SUBMISSIONS.glob("*/*.py") if not p.name.startswith("cheat_"))]
    assert len(files) >= 90
    return sorted((p.parent.name, p) for p in files)


@pytest.mark.parametrize("assignment, path", known_good(),
                         ids=lambda v: v.name if isinstance(v, Path) else v)
def test_solutions_stubs_and_known_variants_keep_every_contract(assignment, path):
    contracts = contracts_of(assignment)
    sources = [path.read_text()]
    if path.is_relative_to(SUBMISSIONS) and not path.name.startswith("notes_"):
        sources.append(on_solution(path))
    for source in sources:
        assert check_contracts([SourceUnit(path.name, source)], contracts) == []


@pytest.mark.parametrize("assignment, cheat, expected", [
    ("04_custom_function", "cheat_relu_apply.py", [("MyReLU", "class MyReLU:")]),
    ("05_linear_regression", "cheat_torch_optim.py", [
        ("data_iter", "return DataLoader(TensorDataset(features, labels)"),
        ("sgd_step", "optimizer = torch.optim.SGD(params, lr=lr)")]),
])
def test_the_cheats_break_exactly_their_exercises_contracts(assignment, cheat, expected):
    """A cheat is an overlay on the solution: its breach is found at its own line."""
    source = on_solution(SUBMISSIONS / assignment / cheat)
    lines = source.splitlines()
    at = {code: max(i for i, text in enumerate(lines, 1) if text.strip().startswith(code))
          for _, code in expected}
    found = check_contracts([SourceUnit(cheat, source)], contracts_of(assignment))
    assert [(b.exercise, b.line) for b in found] == [(e, at[code]) for e, code in expected]
    for breach, (_, code) in zip(found, expected, strict=True):
        assert f"({cheat}, line {at[code]}: {code}" in breach.message


@pytest.mark.parametrize("case, exercise, line", [
    ("patch_builtins.py", "MyReLU", 14),
    ("patch_comparisons.py", "MyReLU", 15),
    ("forge_observations.py", "MyLeakyReLU", 28),
    ("tensor_subclass_claiming_equality.py", "MyReLU", 21),
])
def test_hostile_cases_that_replace_a_method_break_its_contract(case, exercise, line):
    attack = string.Template((ROOT / "tests" / "hostile" / case).read_text())
    units = [SourceUnit("custom_function.py", (SOLUTIONS / "04_custom_function" /
                                               "custom_function.py").read_text()),
             SourceUnit(case, attack.safe_substitute())]
    found = check_contracts(units, contracts_of("04_custom_function"))
    assert [(b.exercise, b.label, b.line) for b in found] == [(exercise, case, line)]


# --- the table ----------------------------------------------------------------------------

def test_a_table_is_read_into_contracts():
    table = {"MyReLU": {"subclass": "torch.autograd.Function", "defines": ["forward"],
                        "why": " by hand "},
             "sgd_step": {"forbid": ["torch.optim", "torch.utils.data"]}}
    assert parse_contracts(table, ["MyReLU", "sgd_step", "other"]) == {
        "MyReLU": Contract("MyReLU", "torch.autograd.Function", ("forward",), (), "by hand"),
        "sgd_step": Contract("sgd_step", forbid=("torch.optim", "torch.utils.data"))}
    assert parse_contracts({}, ["f"]) == {}


@pytest.mark.parametrize("table, phrase", [
    ([], "contracts must be a table"),
    ({"nope": {"forbid": ["torch"]}}, "contracts.nope: no exercise named 'nope'"),
    ({"f": "torch.optim"}, "contracts.f must be a table"),
    ({"f": {"forbid": ["torch"], "colour": 1}}, "contracts.f: unknown key 'colour'"),
    ({"f": {"subclass": 3}}, "contracts.f.subclass must be a dotted class name"),
    ({"f": {"subclass": "torch..Function"}}, "contracts.f.subclass must be"),
    ({"f": {"defines": "forward"}}, "contracts.f.defines must be a list of method names"),
    ({"f": {"defines": ["for ward"]}}, "contracts.f.defines must be"),
    ({"f": {"forbid": ["torch optim"]}}, "contracts.f.forbid must be a list of dotted"),
    ({"f": {"forbid": ["torch"], "why": 1}}, "contracts.f.why must be one line"),
    ({"f": {"forbid": ["torch"], "why": "a\nb"}}, "contracts.f.why must be one line"),
    ({"f": {"why": "nothing"}}, "contracts.f declares nothing"),
])
def test_a_broken_table_is_refused_naming_the_key(table, phrase):
    with pytest.raises(AssignmentError) as caught:
        parse_contracts(table, ["f"])
    assert phrase in str(caught.value)
    assert "\n" not in str(caught.value)
