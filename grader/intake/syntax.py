"""A student's code as syntax trees, for the reviews the parent makes without running it.

The contracts (:mod:`grader.intake.contracts`) and the integrity audit
(:mod:`grader.intake.audit`) read what a submission *says*, never what it does: nothing here
imports or executes student code, so a hostile file cannot act while it is being read.

Both ask the same question of every name they meet: which module object does ``t.optim.SGD``
or ``F`` stand for? :class:`Aliases` answers it from the submission's imports and its simple
module-level re-bindings. The scoping is deliberately coarse: an import anywhere (inside a
function too) binds its name for the whole submission, and every unit of a notebook sees
every other's names. A name bound to two modules keeps the later one. Being coarse errs
towards resolving a name to a module, which is the safe side for both reviews.
"""

from __future__ import annotations

import ast
import functools
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

MAX_CODE_CHARS = 120
"""A source line quoted back to a person is cut to this many characters."""

IMPORT_FUNCTIONS = frozenset({"__import__", "builtins.__import__", "importlib.import_module",
                              "importlib.__import__"})
"""Calls that import the module their first argument names."""

EXEC_FUNCTIONS = frozenset({"exec", "eval", "compile",
                            "builtins.exec", "builtins.eval", "builtins.compile"})
"""Calls that run (or compile) code given as their first argument."""

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
LOCAL_SCOPES = (*_SCOPES, *_COMPREHENSIONS)
"""Nodes that open a scope of local names: functions, lambdas and comprehensions."""

MAX_EMBEDDED_CHARS = 100_000
"""A string literal given to ``exec``/``eval``/``compile`` is read as code up to this size."""


@dataclass(frozen=True)
class SourceUnit:
    """One piece of a student's code: a whole ``.py`` file, or one notebook code cell already
    turned into plain Python. A notebook is a sequence of units sharing one namespace."""

    label: str
    """How a person finds it: ``custom_function.py`` or ``hw.ipynb, cell 3``."""
    source: str


@dataclass(frozen=True, eq=False)
class ParsedUnit:
    """A unit with its syntax tree; ``index`` is its place among the units that parsed."""

    unit: SourceUnit
    tree: ast.Module
    index: int

    @functools.cached_property
    def _walked(self) -> tuple[list[ast.AST], dict[int, ast.AST]]:
        nodes: list[ast.AST] = [self.tree]
        parents: dict[int, ast.AST] = {}
        for node in nodes:  # grows as it goes: breadth first, like ast.walk
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node
                nodes.append(child)
        return nodes, parents

    @property
    def nodes(self) -> list[ast.AST]:
        """Every node of the tree, walked once: the aliases, each contract and the audit
        read the same list (a batch reads one per submission, on its critical path)."""
        return self._walked[0]

    def scopes_of(self, node: ast.AST) -> tuple[ast.AST, ...]:
        """The functions and classes around ``node``, outermost first, found from its
        parents when asked (most nodes never are)."""
        parents = self._walked[1]
        found: list[ast.AST] = []
        current = parents.get(id(node))
        while current is not None:
            if isinstance(current, (*_SCOPES, ast.ClassDef)):
                found.append(current)
            current = parents.get(id(current))
        return tuple(reversed(found))

    @property
    def label(self) -> str:
        return self.unit.label

    @functools.cached_property
    def _lines(self) -> list[str]:
        return self.unit.source.splitlines()

    def code(self, line: int) -> str:
        """Source line ``line`` (from 1), stripped and cut to :data:`MAX_CODE_CHARS`."""
        text = self._lines[line - 1].strip() if 0 < line <= len(self._lines) else ""
        return text if len(text) <= MAX_CODE_CHARS else text[:MAX_CODE_CHARS - 3] + "..."


def parse_units(units: Sequence[SourceUnit]) -> list[ParsedUnit]:
    """The units that parse, in order. One that does not is left out without a word: the
    syntax error is the student's to read in the check results, not these reviews'."""
    parsed: list[ParsedUnit] = []
    for unit in units:
        tree = parse_or_none(unit.source, unit.label)
        if tree is not None:
            parsed.append(ParsedUnit(unit, tree, len(parsed)))
    return parsed


_PARSING = threading.Lock()


def parse_tree(source: str | bytes, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse``, one thread at a time. CPython 3.11 counts the depth of the tree it is
    turning into Python objects in one place for all threads, so two threads parsing at
    once (a batch reads each submission's source while it judges another) can fail with
    ``SystemError: AST constructor recursion depth mismatch``."""
    with _PARSING:
        return ast.parse(source, filename)


def parse_or_none(source: str, filename: str = "<unknown>") -> ast.Module | None:
    try:
        return parse_tree(source, filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def under(name: str, prefix: str) -> bool:
    """Whether dotted ``name`` is ``prefix`` or lies inside it, part by part
    (``torch.optim.SGD`` is under ``torch.optim``; ``torch.optimize`` is not)."""
    return name == prefix or name.startswith(prefix + ".")


def imported_names(node: ast.Import | ast.ImportFrom) -> list[tuple[str, str]]:
    """(name bound, dotted module path it stands for) for each name an import binds;
    relative and star imports bind nothing this can name."""
    if isinstance(node, ast.Import):
        return [(a.asname, a.name) if a.asname else (a.name.split(".")[0], a.name.split(".")[0])
                for a in node.names]
    if node.level or not node.module:
        return []
    return [(a.asname or a.name, f"{node.module}.{a.name}") for a in node.names if a.name != "*"]


def import_targets(node: ast.Import | ast.ImportFrom) -> list[str]:
    """Every dotted path an import statement loads or reaches: ``import torch.optim`` gives
    ``torch.optim``, ``from torch.optim import SGD`` gives ``torch.optim.SGD``, and a star
    import its module."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level or not node.module:
        return []
    return [node.module if a.name == "*" else f"{node.module}.{a.name}" for a in node.names]


def module_statements(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of ``body`` that run in its own scope, in source order: those nested
    in ``if``/``for``/``while``/``with``/``try``/``match`` blocks too, but not the bodies of
    functions and classes (the ``def`` and ``class`` statements themselves are yielded)."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(statement, field, None)
            if isinstance(inner, list):
                yield from module_statements(inner)
        for handler in getattr(statement, "handlers", ()):
            yield from module_statements(handler.body)
        for case in getattr(statement, "cases", ()):
            yield from module_statements(case.body)


def bound_names(statement: ast.stmt) -> list[str]:
    """The names a statement binds in the scope it runs in."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [statement.name]
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return [name for name, _ in imported_names(statement)]
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = list(statement.targets)
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        targets = [statement.target]
    elif isinstance(statement, ast.AugAssign | ast.For | ast.AsyncFor):
        targets = [statement.target]
    elif isinstance(statement, ast.With | ast.AsyncWith):
        targets = [item.optional_vars for item in statement.items if item.optional_vars]
    return [name for target in targets for name in target_names(target)]


def target_names(target: ast.expr) -> list[str]:
    """The plain names an assignment target binds (through tuples, lists and starred)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return target_names(target.value)
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in target_names(element)]
    return []


def declares_global(scope: ast.AST, name: str) -> bool:
    """Whether a function declares ``name`` global, so that assigning it re-binds the
    module's name."""
    return isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) and any(
        isinstance(node, ast.Global) and name in node.names for node in ast.walk(scope))


def local_names(scope: ast.AST) -> frozenset[str]:
    """The names local to a function or comprehension scope (Python's rule: assigned
    anywhere in its own body, and not declared ``global``/``nonlocal``)."""
    if isinstance(scope, _COMPREHENSIONS):
        return frozenset(name for generator in scope.generators
                         for name in target_names(generator.target))
    assert isinstance(scope, _SCOPES)
    arguments = scope.args
    names = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                             *([arguments.vararg] if arguments.vararg else []),
                             *([arguments.kwarg] if arguments.kwarg else [])]}
    declared: set[str] = set()
    body: list[ast.AST] = [scope.body] if isinstance(scope, ast.Lambda) else list(scope.body)
    while body:
        node = body.pop()
        if isinstance(node, ast.Global | ast.Nonlocal):
            declared.update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update(bound_names(node))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            body.extend([*node.decorator_list,
                         *(node.bases if isinstance(node, ast.ClassDef) else [])])
        elif not isinstance(node, (ast.Lambda, *_COMPREHENSIONS)):
            body.extend(ast.iter_child_nodes(node))
    return frozenset(names - declared)


def literal_string(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


@dataclass(frozen=True)
class Aliases:
    """Local names → the dotted module paths they stand for, for a whole submission."""

    names: Mapping[str, str]

    def dotted(self, node: ast.AST) -> str | None:
        """The full dotted name a Name/Attribute chain stands for: ``t.optim.SGD`` →
        ``torch.optim.SGD`` after ``import torch as t``, ``F`` → ``torch.autograd.Function``
        after ``from torch.autograd import Function as F``. A name no import binds stands
        for itself (``x.grad`` → ``x.grad``). ``getattr(m, "name")`` reads as ``m.name``
        and ``__import__("a.b")``/``importlib.import_module("a.b")`` as the module they
        return. Anything else (a call's result, a subscript) is ``None``."""
        parts: list[str] = []
        while True:
            if isinstance(node, ast.Attribute):
                parts.append(node.attr)
                node = node.value
            elif isinstance(node, ast.Name):
                base = self.names.get(node.id, node.id)
                break
            elif isinstance(node, ast.Call) and (attribute := self._getattr_name(node)):
                parts.append(attribute)
                node = node.args[0]
            elif isinstance(node, ast.Call) and (module := self._returned_module(node)):
                base = module
                break
            else:
                return None
        return ".".join([base, *reversed(parts)])

    def module_path(self, node: ast.AST) -> str | None:
        """:meth:`dotted`, but only for a chain that starts at a name an import (or an alias
        of one) binds, or at an import call: what surely lies inside a module, where
        ``inspect`` may also be a student's own function."""
        root = node
        while True:
            if isinstance(root, ast.Attribute):
                root = root.value
            elif isinstance(root, ast.Call) and self._getattr_name(root):
                root = root.args[0]
            else:
                break
        known = (isinstance(root, ast.Name) and root.id in self.names) or (
            isinstance(root, ast.Call) and self._returned_module(root) is not None)
        return self.dotted(node) if known else None

    def callee(self, call: ast.Call) -> str | None:
        """What a call calls, when that is a plain Name/Attribute chain (no calls in it)."""
        parts: list[str] = []
        node: ast.expr = call.func
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        return ".".join([self.names.get(node.id, node.id), *reversed(parts)])

    def is_import_call(self, call: ast.Call) -> bool:
        return self.callee(call) in IMPORT_FUNCTIONS

    def literal_import(self, call: ast.Call) -> str | None:
        """The module an import call names with a literal, absolute name; ``None`` when it
        is no import call or names its module otherwise."""
        if not self.is_import_call(call) or not call.args:
            return None
        name = literal_string(call.args[0])
        return name if name and not name.startswith(".") else None

    def embedded_code(self, call: ast.Call) -> ast.Module | None:
        """The code an ``exec``/``eval``/``compile`` call is given as a string literal,
        parsed; ``None`` for any other call, a non-literal, or a literal that does not parse."""
        if self.callee(call) not in EXEC_FUNCTIONS or not call.args:
            return None
        text = literal_string(call.args[0])
        if text is None or len(text) > MAX_EMBEDDED_CHARS:
            return None
        return parse_or_none(text)

    def _getattr_name(self, call: ast.Call) -> str | None:
        if (len(call.args) in (2, 3) and not call.keywords
                and self.callee(call) in ("getattr", "builtins.getattr")):
            name = literal_string(call.args[1])
            if name is not None and name.isidentifier():
                return name
        return None

    def _returned_module(self, call: ast.Call) -> str | None:
        name = self.literal_import(call)
        if name is None:
            return None
        if self.callee(call) == "importlib.import_module":
            return name
        fromlist = call.args[3] if len(call.args) > 3 else next(
            (k.value for k in call.keywords if k.arg == "fromlist"), None)
        empty = fromlist is None or (isinstance(fromlist, ast.Constant) and not fromlist.value)
        return name.split(".")[0] if empty else name


def resolve_aliases(trees: Sequence[ast.Module], base: Aliases | None = None,
                    walked: Sequence[Sequence[ast.AST]] | None = None) -> Aliases:
    """The aliases of a submission given as its units' trees, in order: every import
    anywhere, then each module-level ``name = <module path>`` in source order
    (``opt = torch.optim``, ``Fn = torch.autograd.Function``, ``m = __import__("torch")``),
    so that a re-binding may build on an earlier one. ``__builtins__`` stands for
    ``builtins``. With ``base``, these add to its aliases (code run by ``exec`` sees the
    names of the code around it); ``walked`` gives each tree's nodes where they are
    already listed (:attr:`ParsedUnit.nodes`)."""
    names: dict[str, str] = dict(base.names) if base else {"__builtins__": "builtins"}
    every = walked if walked is not None else [list(ast.walk(tree)) for tree in trees]
    imports = sorted(((i, node) for i, nodes in enumerate(every) for node in nodes
                      if isinstance(node, ast.Import | ast.ImportFrom)),
                     key=lambda found: (found[0], found[1].lineno, found[1].col_offset))
    for _, node in imports:
        names.update(imported_names(node))
    for tree in trees:
        for statement in module_statements(tree.body):
            if isinstance(statement, ast.Assign):
                pairs = [(target, statement.value) for target in statement.targets]
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                pairs = [(statement.target, statement.value)]
            else:
                continue
            for target, value in pairs:
                _rebind(names, target, value)
    return Aliases(MappingProxyType(names))


def _rebind(names: dict[str, str], target: ast.expr, value: ast.expr) -> None:
    if (isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List)
            and len(target.elts) == len(value.elts)):
        for inner_target, inner_value in zip(target.elts, value.elts, strict=True):
            _rebind(names, inner_target, inner_value)
        return
    if not isinstance(target, ast.Name):
        return
    resolved = Aliases(names).module_path(value)
    if resolved is not None:
        names[target.id] = resolved
