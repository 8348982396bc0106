"""The integrity audit: what in a submission an instructor should look at before trusting
its grade.

A verdict is forged from inside the grading process by finding the grader (its modules,
its frames, its private channel), by changing what it compares with (``torch.allclose =
...``), or by hiding such code from a reader. Each needs one of a few means, and each
means shows in the syntax: :data:`RULES` names them. :func:`audit` reports where a
submission uses one, as findings for a person to review. A finding changes no score: correct
code may use ``inspect`` for its own reasons, and the sandbox, not this audit, is what keeps
a verdict honest. Only syntax is read (:mod:`grader.intake.syntax`); names resolve through
the submission's imports and aliases, so ``import torch as t; t.Tensor.__eq__ = f`` is
caught like ``torch.Tensor.__eq__ = f``, and the code of a string literal given to
``exec``/``eval``/``compile`` is audited as if written at the call.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from grader.intake.syntax import (
    EXEC_FUNCTIONS,
    Aliases,
    ParsedUnit,
    SourceUnit,
    import_targets,
    literal_string,
    parse_units,
    resolve_aliases,
    under,
)

RULES: Mapping[str, str] = MappingProxyType({
    "introspection": "reads the interpreter's frames, namespaces or objects (sys._getframe, "
                     "inspect, gc, f_locals, f_back, __globals__, a new __code__): how code "
                     "finds the grader's values on the stack",
    "grader-access": "imports the grader or reaches into sys.modules: how code finds the "
                     "grader's own modules and objects",
    "ctypes": "loads ctypes or cffi: raw memory access beneath every Python-level guard",
    "patching": "assigns, deletes or setattr()s an attribute of torch, numpy or builtins: "
                "how code makes every comparison agree",
    "dynamic-code": "runs code built at run time (exec, eval or compile of a non-literal, "
                    "marshal, an import of a computed name, new function or code objects): "
                    "what hides the rest from a reader",
    "proc": "names /proc in a string: how a process reads another's memory, environment "
            "or open files",
})
"""Rule id → what it flags and why that matters, in one line."""

WATCHED: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "introspection": ("inspect", "gc", "sys._getframe", "sys._current_frames", "sys.settrace",
                      "sys.setprofile"),
    "grader-access": ("grader", "sys.modules"),
    "ctypes": ("ctypes", "_ctypes", "cffi"),
    "dynamic-code": ("marshal",),
})
"""Modules and names whose every import or use is flagged (with what lies under them)."""

FRAME_ATTRIBUTES = frozenset({"f_locals", "f_globals", "f_builtins", "f_back", "tb_frame",
                              "gi_frame", "cr_frame", "ag_frame", "__globals__"})
"""Attributes that lead from a function, generator or traceback to a frame's namespaces."""

PATCHED_ROOTS = ("torch", "numpy", "builtins")
"""Packages whose attributes a submission must not change."""

CODE_CONSTRUCTORS = frozenset({"types.FunctionType", "types.LambdaType", "types.CodeType"})

_SETATTR = frozenset({"setattr", "delattr", "builtins.setattr", "builtins.delattr",
                      "object.__setattr__", "object.__delattr__"})
_GETATTR = frozenset({"getattr", "builtins.getattr", "hasattr", "builtins.hasattr"})
_MAX_EMBEDDED_DEPTH = 3


@dataclass(frozen=True)
class Finding:
    """One place where a submission uses a means that :data:`RULES` names."""

    rule: str
    label: str
    """The unit it is in (a file name, or a notebook cell)."""
    line: int
    code: str
    """The line, stripped and cut to 120 characters."""


def audit(units: Sequence[SourceUnit]) -> list[Finding]:
    """The findings in a submission (its units, in order), sorted by unit and line, one
    per rule and line. Units that do not parse are left out (their syntax error is reported
    elsewhere)."""
    parsed = parse_units(units)
    return audit_parsed(parsed, resolve_aliases([u.tree for u in parsed],
                                                walked=[u.nodes for u in parsed]))


def audit_parsed(parsed: Sequence[ParsedUnit], aliases: Aliases) -> list[Finding]:
    """:func:`audit` on units already parsed, with their aliases (the contracts read the
    same)."""
    order = {rule: i for i, rule in enumerate(RULES)}
    found: set[tuple[int, int, int]] = set()
    for unit in parsed:
        for rule, line in _flags(unit.tree, aliases, 0, unit.nodes):
            found.add((unit.index, line, order[rule]))
    rules = list(RULES)
    return [Finding(rules[rule], parsed[index].label, line, parsed[index].code(line))
            for index, line, rule in sorted(found)]


def _flags(tree: ast.AST, aliases: Aliases, depth: int,
           nodes: list[ast.AST] | None = None) -> Iterator[tuple[str, int]]:
    if nodes is None:
        nodes = list(ast.walk(tree))
    inner = {id(node.value) for node in nodes if isinstance(node, ast.Attribute)}
    for node in nodes:
        line = getattr(node, "lineno", None)
        if line is None:
            continue
        for rule in _rules_of(node, aliases, id(node) in inner):
            yield rule, line
        if not isinstance(node, ast.Call):
            continue
        embedded = aliases.embedded_code(node)
        if embedded is None:
            continue
        if depth >= _MAX_EMBEDDED_DEPTH:
            yield "dynamic-code", line  # code inside code inside code: read no further
            continue
        nested = resolve_aliases([embedded], base=aliases)
        for rule, _ in _flags(embedded, nested, depth + 1):
            yield rule, line


def _rules_of(node: ast.AST, aliases: Aliases, inner: bool) -> Iterator[str]:
    """The rules ``node`` breaks; a name chain is read whole, at its outermost node
    (``inner``: a part of a longer chain, as ``sys`` is of ``sys.modules``)."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        for target in import_targets(node):
            yield from _watched(target)
    elif isinstance(node, ast.Name | ast.Attribute):
        name = None if inner else aliases.module_path(node)
        if name is not None:
            yield from _watched(name)
        if isinstance(node, ast.Attribute) and (
                node.attr in FRAME_ATTRIBUTES
                or (node.attr == "__code__" and isinstance(node.ctx, ast.Store | ast.Del))):
            yield "introspection"
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
            yield from _patched(aliases.module_path(node))
    elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del):
        yield from _patched(_namespace_of(node.value, aliases), itself=True)
    elif isinstance(node, ast.Constant):
        if (isinstance(node.value, str) and "/proc" in node.value) or (
                isinstance(node.value, bytes) and b"/proc" in node.value):
            yield "proc"
    elif isinstance(node, ast.Call):
        yield from _call_rules(node, aliases)


def _call_rules(call: ast.Call, aliases: Aliases) -> Iterator[str]:
    callee = aliases.callee(call)
    first = call.args[0] if call.args else None
    attribute = literal_string(call.args[1]) if len(call.args) > 1 else None
    if callee in _SETATTR and first is not None:
        yield from _patched(aliases.module_path(first), itself=True)
        if attribute == "__code__":
            yield "introspection"
    if callee in _SETATTR | _GETATTR and attribute in FRAME_ATTRIBUTES:
        yield "introspection"
    if aliases.is_import_call(call):
        imported = aliases.literal_import(call)
        if imported is None:
            yield "dynamic-code"
        else:
            yield from _watched(imported)
    if callee in EXEC_FUNCTIONS and literal_string(first) is None:
        yield "dynamic-code"
    if callee in CODE_CONSTRUCTORS:
        yield "dynamic-code"


def _namespace_of(node: ast.expr, aliases: Aliases) -> str | None:
    """The module whose namespace a subscripted value is: ``vars(torch)`` and
    ``torch.__dict__`` are ``torch``'s, ``__builtins__`` is ``builtins``."""
    if isinstance(node, ast.Call) and aliases.callee(node) in ("vars", "builtins.vars") \
            and node.args:
        return aliases.module_path(node.args[0])
    name = aliases.module_path(node)
    if name is not None and name.endswith(".__dict__"):
        return name.removesuffix(".__dict__")
    return name


def _watched(name: str) -> Iterator[str]:
    for rule, prefixes in WATCHED.items():
        if any(under(name, prefix) for prefix in prefixes):
            yield rule


def _patched(name: str | None, itself: bool = False) -> Iterator[str]:
    """``patching`` when ``name`` is an attribute of a watched package (or, with ``itself``,
    the package: its namespace is being written)."""
    if name is not None and any(under(name, root) and (itself or name != root)
                                for root in PATCHED_ROOTS):
        yield "patching"
