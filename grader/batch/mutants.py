"""One-change mutants of a reference solution: what ``grade mutate`` grades.

A mutant is the solution with one small change of the kind students make: an operator, a
comparison or a constant changed, a statement or an argument dropped, ``view`` for
``reshape``, a ``detach()`` added or removed, an in-place operation made out-of-place. If
the checks pass a mutant, they would pass a student who made that mistake, unless the
change does not alter what the code computes (an *equivalent* mutant, which an instructor
marks, with the reason, in ``mutants-equivalent.toml``).

Mutants are made on the syntax tree, only inside function and class bodies (imports and
module constants are left alone), and written back by splicing the changed node's new text
into the original source: the rest of the file, comments included, is untouched, so a
mutant's diff is its one change. Each mutant's id is derived from its text, so it is the
same on every run and every machine while the solution is unchanged; two changes that give
the same text are one mutant, and a change that does not compile is none.

The operators (:data:`grader.reports.mutation.OPERATORS`):

- ``arithmetic``: ``+`` ↔ ``-``, ``*`` ↔ ``/``, ``//`` → ``/``, ``**`` → ``*``, ``@`` → ``*``
- ``comparison``: ``<`` ↔ ``<=``, ``>`` ↔ ``>=``, ``<`` ↔ ``>``, ``==`` ↔ ``!=``,
  ``is`` ↔ ``is not``, ``in`` ↔ ``not in``
- ``boolean``: ``and`` ↔ ``or``, ``not x`` → ``x``, ``True`` ↔ ``False``
- ``constant``: an integer ``n`` → ``n + 1`` (and ``1`` → ``0``); a float ``c`` → ``2c``
  (``0.0`` → ``1.0``)
- ``negation``: ``-x`` → ``x``
- ``statement``: a statement → ``pass``; ``return x`` → ``return None``
- ``argument``: one keyword argument dropped; one positional argument after the first
  dropped; the first two positional arguments swapped
- ``method``: a method or function swapped for its usual confusion (:data:`SWAPS`:
  ``view`` ↔ ``reshape``, ``cat`` ↔ ``stack``, ``sum`` ↔ ``mean``, ``zeros`` ↔ ``ones``, ...)
- ``in-place``: ``x.add_(y)`` → ``x.add(y)``, ``x.mul(y)`` → ``x.mul_(y)``, ``x += y`` →
  ``x = x + y``
- ``copy``: ``.detach()``, ``.clone()``, ``.float()``, ``.double()``, ``.contiguous()``
  removed; ``.detach()`` or ``.float()`` added to what a function returns
"""

from __future__ import annotations

import ast
import copy
import difflib
import hashlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

_ARITHMETIC: dict[type[ast.operator], tuple[type[ast.operator], ...]] = {
    ast.Add: (ast.Sub,), ast.Sub: (ast.Add,), ast.Mult: (ast.Div,), ast.Div: (ast.Mult,),
    ast.FloorDiv: (ast.Div,), ast.Pow: (ast.Mult,), ast.MatMult: (ast.Mult,),
    ast.Mod: (ast.FloorDiv,),
}
_COMPARISON: dict[type[ast.cmpop], tuple[type[ast.cmpop], ...]] = {
    ast.Lt: (ast.LtE, ast.Gt), ast.LtE: (ast.Lt,), ast.Gt: (ast.GtE, ast.Lt),
    ast.GtE: (ast.Gt,), ast.Eq: (ast.NotEq,), ast.NotEq: (ast.Eq,), ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,), ast.In: (ast.NotIn,), ast.NotIn: (ast.In,),
}
SWAPS: dict[str, str] = {
    "view": "reshape", "reshape": "view", "cat": "stack", "stack": "cat",
    "sum": "mean", "mean": "sum", "zeros": "ones", "ones": "zeros",
    "zeros_like": "ones_like", "ones_like": "zeros_like", "max": "min", "min": "max",
    "argmax": "argmin", "argmin": "argmax", "amax": "amin", "amin": "amax",
    "randn": "rand", "rand": "randn", "relu": "sigmoid", "sigmoid": "relu",
    "exp": "log", "log": "exp", "unsqueeze": "squeeze", "squeeze": "unsqueeze",
    "transpose": "permute", "matmul": "mul", "mm": "mul", "mul": "matmul",
    "clamp_min": "clamp_max", "clamp_max": "clamp_min", "lt": "le", "le": "lt", "gt": "ge",
    "ge": "gt", "floor": "ceil", "ceil": "floor", "expand": "repeat", "repeat": "expand",
    "flatten": "ravel", "no_grad": "enable_grad", "item": "tolist", "tolist": "item",
    "float": "double", "double": "float", "log_softmax": "softmax", "softmax": "log_softmax",
    "cross_entropy": "nll_loss", "nll_loss": "cross_entropy", "randperm": "arange",
    "arange": "randperm",
}
"""Method and function names swapped by the ``method`` operator: usual confusions."""
_IN_PLACE = ("add", "sub", "mul", "div", "clamp", "masked_fill", "copy", "zero", "fill",
             "pow", "neg", "abs", "exp", "relu", "t", "transpose", "squeeze", "unsqueeze")
_COPIES = ("detach", "clone", "float", "double", "contiguous")


@dataclass(frozen=True)
class Mutant:
    """One change to the solution."""

    id: str
    """``<operator>-<12 hex digits of the mutant's text>``: the same on every run."""
    operator: str
    line: int
    description: str
    """``line 12:9: a + b → a - b`` (line and column of the change)."""
    source: str
    """The whole mutated file."""
    diff: str
    """Unified diff from the solution."""


@dataclass(frozen=True)
class _Change:
    operator: str
    start: tuple[int, int]
    end: tuple[int, int]
    text: str
    before: str


def mutants(source: str, filename: str = "solution.py") -> list[Mutant]:
    """Every distinct mutant of ``source`` (see the module's docstring), in source order."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    found: dict[str, Mutant] = {}
    for change in _changes(tree, source):
        mutated = _splice(lines, change)
        if mutated == source or not _compiles(mutated):
            continue
        digest = hashlib.sha256(mutated.encode("utf-8")).hexdigest()[:12]
        key = f"{change.operator}-{digest}"
        if any(m.source == mutated for m in found.values()):
            continue
        after = change.text.strip().splitlines()[0] if change.text.strip() else change.text
        before = change.before.strip().splitlines()[0] if change.before.strip() else ""
        description = (f"line {change.start[0]}:{change.start[1] + 1}: {_short(before)} → "
                       f"{_short(after)}")
        diff = "".join(difflib.unified_diff(source.splitlines(keepends=True),
                                            mutated.splitlines(keepends=True),
                                            f"a/{filename}", f"b/{filename}", n=2))
        found[key] = Mutant(key, change.operator, change.start[0], description, mutated, diff)
    return list(found.values())


def sample(found: list[Mutant], limit: int | None, seed: int) -> list[Mutant]:
    """``limit`` of ``found`` drawn with ``seed`` (all of them without a limit), in order."""
    if limit is None or limit >= len(found):
        return list(found)
    chosen = set(random.Random(seed).sample(range(len(found)), limit))
    return [m for i, m in enumerate(found) if i in chosen]


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def _compiles(text: str) -> bool:
    try:
        compile(text, "<mutant>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def _splice(lines: list[str], change: _Change) -> str:
    (l1, c1), (l2, c2) = change.start, change.end
    head = "".join(lines[:l1 - 1]) + _prefix(lines[l1 - 1], c1)
    tail = _suffix(lines[l2 - 1], c2) + "".join(lines[l2:])
    return head + change.text + tail


def _prefix(line: str, col: int) -> str:
    """The characters before UTF-8 byte offset ``col`` (the syntax tree counts bytes)."""
    return line.encode("utf-8")[:col].decode("utf-8")


def _suffix(line: str, col: int) -> str:
    return line.encode("utf-8")[col:].decode("utf-8")


def _segment(node: ast.AST, source_lines: list[str]) -> str:
    (l1, c1), (l2, c2) = _span(node)
    if l1 == l2:
        return _suffix(_prefix(source_lines[l1 - 1], c2), c1)
    return (_suffix(source_lines[l1 - 1], c1) + "".join(source_lines[l1:l2 - 1])
            + _prefix(source_lines[l2 - 1], c2))


def _span(node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]]:
    return ((node.lineno, node.col_offset),  # type: ignore[attr-defined]
            (node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _bodies(tree: ast.Module) -> Iterator[ast.AST]:
    """The nodes inside the module's functions and classes: their bodies, not their
    signatures (default values), decorators or base classes, at any depth."""
    for top in tree.body:
        if isinstance(top, _DEFINITIONS):
            yield from _inside(top)


def _inside(definition: ast.AST) -> Iterator[ast.AST]:
    for statement in definition.body:  # type: ignore[attr-defined]
        if isinstance(statement, _DEFINITIONS):
            yield from _inside(statement)
            continue
        stack = [statement]
        while stack:
            node = stack.pop(0)
            if isinstance(node, _DEFINITIONS):
                yield from _inside(node)
                continue
            yield node
            stack.extend(ast.iter_child_nodes(node))


def _is_docstring(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    parent = parents.get(id(node))
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
        and isinstance(parent, ast.Expr))


def _changes(tree: ast.Module, source: str) -> Iterator[_Change]:
    lines = source.splitlines(keepends=True)
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in _bodies(tree):
        if _is_docstring(node, parents) or not hasattr(node, "lineno"):
            continue
        for operator, replacement in _variants(node):
            text = ast.unparse(replacement) if isinstance(replacement, ast.AST) else replacement
            if isinstance(replacement, ast.expr):
                text = f"({text})" if _needs_parentheses(replacement) else text
            start, end = _span(node)
            yield _Change(operator, start, end, text, _segment(node, lines))


def _needs_parentheses(node: ast.expr) -> bool:
    return isinstance(node, (ast.BinOp, ast.BoolOp, ast.Compare, ast.UnaryOp, ast.IfExp,
                             ast.Lambda, ast.NamedExpr))


def _variants(node: ast.AST) -> Iterator[tuple[str, ast.AST | str]]:
    """Each one-change variant of ``node``: (operator, the node that replaces it, or the
    statement text)."""
    for operator, make in _MAKERS:
        for variant in make(node):
            yield operator, variant


def _copy_with(node: ast.AST, **fields: object) -> ast.AST:
    new = copy.deepcopy(node)
    for name, value in fields.items():
        setattr(new, name, value)
    return new


def _arithmetic(node: ast.AST) -> Iterator[ast.AST]:
    if isinstance(node, ast.BinOp):
        for op in _ARITHMETIC.get(type(node.op), ()):
            yield _copy_with(node, op=op())
    elif isinstance(node, ast.AugAssign):
        for op in _ARITHMETIC.get(type(node.op), ()):
            yield _copy_with(node, op=op())


def _comparison(node: ast.AST) -> Iterator[ast.AST]:
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            for other in _COMPARISON.get(type(op), ()):
                ops = list(node.ops)
                ops[i] = other()
                yield _copy_with(node, ops=ops)


def _boolean(node: ast.AST) -> Iterator[ast.AST]:
    if isinstance(node, ast.BoolOp):
        yield _copy_with(node, op=ast.Or() if isinstance(node.op, ast.And) else ast.And())
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield copy.deepcopy(node.operand)
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        yield ast.Constant(not node.value)


def _constant(node: ast.AST) -> Iterator[ast.AST]:
    if isinstance(node, ast.Constant) and not isinstance(node.value, bool):
        value = node.value
        if isinstance(value, int):
            yield ast.Constant(value + 1)
            if value == 1:
                yield ast.Constant(0)
        elif isinstance(value, float):
            yield ast.Constant(value * 2 if value else 1.0)


def _negation(node: ast.AST) -> Iterator[ast.AST]:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
            and not isinstance(node.operand, ast.Constant):
        yield copy.deepcopy(node.operand)


def _statement(node: ast.AST) -> Iterator[ast.AST | str]:
    if isinstance(node, ast.Return):
        if node.value is not None and not (isinstance(node.value, ast.Constant)
                                           and node.value.value is None):
            yield "return None"
    elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Assert,
                           ast.For, ast.While, ast.If, ast.With, ast.Try)):
        yield "pass"


def _argument(node: ast.AST) -> Iterator[ast.AST]:
    if isinstance(node, ast.Call):
        for i in range(len(node.keywords)):
            if node.keywords[i].arg is not None:
                yield _copy_with(node, keywords=node.keywords[:i] + node.keywords[i + 1:])
        for i in range(1, len(node.args)):
            if not isinstance(node.args[i], ast.Starred):
                yield _copy_with(node, args=node.args[:i] + node.args[i + 1:])
        first = node.args[:2]
        if (len(first) == 2 and not any(isinstance(a, ast.Starred) for a in first)
                and ast.dump(first[0]) != ast.dump(first[1])):
            yield _copy_with(node, args=[first[1], first[0], *node.args[2:]])


def _method(node: ast.AST) -> Iterator[ast.AST]:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in SWAPS:
            yield _copy_with(node, func=_copy_with(func, attr=SWAPS[func.attr]))
        elif isinstance(func, ast.Name) and func.id in ("max", "min", "sum"):
            return  # Python's builtins: not torch's confusions


def _in_place(node: ast.AST) -> Iterator[ast.AST | str]:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        attr = node.func.attr
        if attr.endswith("_") and not attr.endswith("__") and attr[:-1] in _IN_PLACE:
            yield _copy_with(node, func=_copy_with(node.func, attr=attr[:-1]))
        elif attr in _IN_PLACE and isinstance(node.func.value, ast.Name):
            yield _copy_with(node, func=_copy_with(node.func, attr=attr + "_"))
    elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
        value = ast.BinOp(ast.Name(node.target.id, ast.Load()), node.op, node.value)
        yield ast.unparse(ast.Assign([ast.Name(node.target.id, ast.Store())], value,
                                     lineno=node.lineno))


def _copies(node: ast.AST) -> Iterator[ast.AST]:
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in _COPIES and not node.args and not node.keywords):
        yield copy.deepcopy(node.func.value)
    elif isinstance(node, ast.Return) and node.value is not None \
            and not isinstance(node.value, (ast.Constant, ast.Tuple, ast.Dict, ast.List)):
        for method in ("detach", "float"):
            call = ast.Call(ast.Attribute(copy.deepcopy(node.value), method, ast.Load()), [], [])
            yield ast.Return(call)


_MAKERS: tuple[tuple[str, Callable[[ast.AST], Iterator[ast.AST | str]]], ...] = (
    ("arithmetic", _arithmetic), ("comparison", _comparison), ("boolean", _boolean),
    ("constant", _constant), ("negation", _negation), ("statement", _statement),
    ("argument", _argument), ("method", _method), ("in-place", _in_place), ("copy", _copies),
)
