"""Exercise contracts: what an exercise must be written by hand, read from the code itself.

A check sees what an exercise computes, not how: ``MyReLU.apply = torch.relu`` passes every
value check of a hand-written autograd Function, and ``torch.optim.SGD`` every check of an
SGD step written by hand. An assignment states what its exercises must be, in
``assignment.toml``::

    [contracts.MyReLU]
    subclass = "torch.autograd.Function"   # a class deriving from this
    defines = ["forward", "backward"]      # methods its own body defines
    why = "the exercise is to write the backward pass by hand"

    [contracts.sgd_step]
    forbid = ["torch.optim"]               # dotted prefixes it must not use

and :func:`check_contracts` reports each breach as one line a student understands. Only
syntax is read (:mod:`grader.intake.syntax`), and names resolve through the submission's
imports and aliases, so ``from torch import optim as o; o.SGD`` is ``torch.optim.SGD``.

The rules, as students meet them:

* An exercise the submission does not define has no breach: the checks report it missing.
* ``subclass``: the exercise's last top-level definition is a ``class`` whose bases are the
  named class (or a spelling of it in :data:`SAME_CLASS`, or a class of the submission that
  is one), and nothing outside its body changes it afterwards: ``MyReLU.apply = ...``,
  ``setattr(MyReLU, ...)``, ``del MyReLU.forward``, or re-binding the name. Its own methods
  may keep state on it, but not replace ``apply`` or a method the contract names.
* ``defines``: each named method is a ``def`` of the class body itself, decorated at most
  with the decorators in :data:`METHOD_DECORATORS`.
* ``forbid``: no name under a forbidden prefix inside the exercise's definition, nor inside
  the module-level functions, classes and values it reaches by name (transitively); an
  import inside them and ``__import__``/``importlib.import_module`` with a literal count
  too, and so does the code of a string literal given to ``exec``/``eval``/``compile``.
  What the exercise never reaches (a module-level ``import torch.optim`` it does not use)
  is no breach. Another exercise whose own contract forbids the same prefix is not entered:
  its breach is its own.

Each breach is reported once, at its first offending line: in the exercise's own
definition where it has one there, else in the first definition it reaches.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from grader.intake.syntax import (
    LOCAL_SCOPES,
    Aliases,
    ParsedUnit,
    SourceUnit,
    bound_names,
    declares_global,
    import_targets,
    literal_string,
    local_names,
    module_statements,
    parse_units,
    resolve_aliases,
    under,
)
from grader.model.contracts import Contract

SAME_CLASS: Mapping[str, frozenset[str]] = MappingProxyType({
    "torch.autograd.Function": frozenset({"torch.autograd.Function",
                                          "torch.autograd.function.Function"}),
})
"""Every spelling that names the same class as a contract's ``subclass``."""

METHOD_DECORATORS = frozenset({
    "staticmethod", "classmethod", "builtins.staticmethod", "builtins.classmethod",
    "torch.autograd.function.once_differentiable",
    "torch.amp.custom_fwd", "torch.amp.custom_bwd",
    "torch.cuda.amp.custom_fwd", "torch.cuda.amp.custom_bwd",
})
"""What a method the contract names may be decorated with and still be written by hand."""

_SETATTR = frozenset({"setattr", "delattr", "builtins.setattr", "builtins.delattr",
                      "object.__setattr__", "object.__delattr__",
                      "type.__setattr__", "type.__delattr__"})
_MAX_EMBEDDED_DEPTH = 3


@dataclass(frozen=True)
class Breach:
    """One contract an exercise breaks, where it first does."""

    exercise: str
    label: str
    """The unit it is in (a file name, or a notebook cell)."""
    line: int
    message: str
    """One line for the student: what was found, and where."""


def check_contracts(units: Sequence[SourceUnit],
                    contracts: Mapping[str, Contract]) -> list[Breach]:
    """Every breach of ``contracts`` in a submission (its units, in order), in reading order.
    Units that do not parse are left out (their syntax error is reported elsewhere)."""
    parsed = parse_units(units)
    return contract_breaches(parsed, resolve_aliases([u.tree for u in parsed],
                                                     walked=[u.nodes for u in parsed]), contracts)


def contract_breaches(parsed: Sequence[ParsedUnit], aliases: Aliases,
                      contracts: Mapping[str, Contract]) -> list[Breach]:
    """:func:`check_contracts` on units already parsed, with their aliases (the audit reads
    the same)."""
    module = _Module(parsed, aliases)
    found: list[tuple[int, int, int, Breach]] = []
    for order, contract in enumerate(contracts.values()):
        for unit, line, message in module.breaches(contract, contracts):
            found.append((unit.index, line, order,
                          Breach(contract.exercise, unit.label, line, message)))
    return [breach for *_, breach in sorted(found, key=lambda f: f[:3])]


@dataclass(frozen=True)
class _Binding:
    unit: ParsedUnit
    statement: ast.stmt

    @property
    def position(self) -> tuple[int, int]:
        return self.unit.index, self.statement.lineno


class _Module:
    """The submission as one namespace: every module-level binding of each name, in order."""

    def __init__(self, units: Sequence[ParsedUnit], aliases: Aliases) -> None:
        self.units = units
        self.aliases = aliases
        self.bindings: dict[str, list[_Binding]] = {}
        for unit in units:
            for statement in module_statements(unit.tree.body):
                for name in bound_names(statement):
                    self.bindings.setdefault(name, []).append(_Binding(unit, statement))

    def final(self, name: str) -> _Binding | None:
        found = self.bindings.get(name)
        return found[-1] if found else None

    def breaches(self, contract: Contract,
                 contracts: Mapping[str, Contract]) -> Iterator[tuple[ParsedUnit, int, str]]:
        exercise = contract.exercise
        definition = self.final(exercise)
        handwritten = bool(contract.subclass or contract.defines)
        changes = list(self._changes(contract, definition)) if handwritten else []
        if definition is None and not changes:
            return
        why = f": {contract.reason}" if contract.reason else ""
        shape = self._shape(contract, definition) if handwritten else None
        if shape is not None or changes:
            kind = (f"a class deriving from {contract.subclass}" if contract.subclass
                    else f"a class defining {_and(contract.defines)}")
            unit, line = min([*changes, *([shape] if shape else [])],
                             key=lambda found: (found[0].index, found[1]))
            yield unit, line, f"{exercise} must be {kind}{why} ({_at(unit, line)})"
        elif contract.defines and definition is not None:
            missing = self._missing_methods(contract, definition)
            if missing:
                unit, line = definition.unit, definition.statement.lineno
                yield unit, line, (f"{exercise} must define {_and(missing)} in its class body"
                                   f"{why} ({_at(unit, line)})")
        if definition is None:
            return
        for prefix in contract.forbid:
            use = self._first_use(exercise, prefix, contracts)
            if use is not None:
                unit, line, owner = use
                via = "" if owner == exercise else f", not even in {owner}, which it uses"
                yield unit, line, (f"{exercise} must not use {prefix}{via}{why} "
                                   f"({_at(unit, line)})")

    # --- subclass and defines ------------------------------------------------------------

    def _shape(self, contract: Contract,
               definition: _Binding | None) -> tuple[ParsedUnit, int] | None:
        """Where the definition is not the class the contract asks for, if it is not."""
        if definition is None:
            return None
        at = (definition.unit, definition.statement.lineno)
        if not isinstance(definition.statement, ast.ClassDef):
            return at
        if contract.subclass and not self._derives(definition.statement, contract.subclass):
            return at
        return None

    def _derives(self, cls: ast.ClassDef, base: str) -> bool:
        """Whether ``cls`` names ``base`` among its bases, itself or through classes of the
        submission that do."""
        spellings = SAME_CLASS.get(base, frozenset({base}))
        pending, seen = [cls], {cls.name}
        while pending:
            for node in pending.pop().bases:
                if self.aliases.dotted(node) in spellings:
                    return True
                if isinstance(node, ast.Name) and node.id not in seen:
                    seen.add(node.id)
                    parent = self.final(node.id)
                    if parent is not None and isinstance(parent.statement, ast.ClassDef):
                        pending.append(parent.statement)
        return False

    def _missing_methods(self, contract: Contract, definition: _Binding) -> list[str]:
        assert isinstance(definition.statement, ast.ClassDef)
        last: dict[str, ast.stmt] = {}
        for statement in module_statements(definition.statement.body):
            for name in bound_names(statement):
                last[name] = statement
        missing = []
        for method in contract.defines:
            method_def = last.get(method)
            if not (isinstance(method_def, ast.FunctionDef | ast.AsyncFunctionDef)
                    and all(self._decorator(d) in METHOD_DECORATORS
                            for d in method_def.decorator_list)):
                missing.append(method)
        return missing

    def _decorator(self, node: ast.expr) -> str | None:
        return self.aliases.dotted(node.func if isinstance(node, ast.Call) else node)

    def _changes(self, contract: Contract,
                 definition: _Binding | None) -> Iterator[tuple[ParsedUnit, int]]:
        """Where code changes the exercise from outside its class body: assigning or
        deleting its attributes, ``setattr``/``delattr`` on it, re-binding its name from a
        function (``global``) or through ``globals()``. A module-level change made before
        the final definition is undone by it; inside the class's own methods only ``apply``
        and the methods the contract names are protected."""
        exercise = contract.exercise
        protected = {"apply", *contract.defines}
        cls = definition.statement if definition is not None else None
        for unit in self.units:
            for node in unit.nodes:
                attribute = self._change(node, unit, exercise)
                if attribute is None:
                    continue
                scopes = unit.scopes_of(node)
                line = getattr(node, "lineno", 0)
                if (not scopes and definition is not None
                        and (unit.index, line) < definition.position):
                    continue
                if cls is not None and cls in scopes and attribute not in protected:
                    continue
                yield unit, line

    def _change(self, node: ast.AST, unit: ParsedUnit, exercise: str) -> str | None:
        """The attribute ``node`` changes on the exercise (``""`` when that is not
        known, or when it re-binds the name itself), or ``None`` when it changes nothing."""
        if (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del)
                and _is_name(node.value, exercise)):
            return node.attr
        if isinstance(node, ast.Call):
            callee = self.aliases.callee(node)
            if callee in _SETATTR and node.args and _is_name(node.args[0], exercise):
                return (literal_string(node.args[1]) if len(node.args) > 1 else None) or ""
            if (isinstance(node.func, ast.Attribute) and _is_name(node.func.value, exercise)
                    and node.func.attr in ("__setattr__", "__delattr__")):
                return (literal_string(node.args[0]) if node.args else None) or ""
        if (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del)
                and isinstance(node.value, ast.Call)
                and self.aliases.callee(node.value) in ("globals", "builtins.globals")
                and literal_string(node.slice) == exercise):
            return ""
        if (isinstance(node, ast.Name) and node.id == exercise
                and isinstance(node.ctx, ast.Store | ast.Del)
                and (scopes := unit.scopes_of(node))
                and declares_global(scopes[-1], exercise)):
            return ""
        return None

    # --- forbid --------------------------------------------------------------------------

    def _first_use(self, exercise: str, prefix: str, contracts: Mapping[str, Contract]
                   ) -> tuple[ParsedUnit, int, str] | None:
        """The first line where the exercise uses ``prefix`` (or, when it does not itself,
        the first where what it reaches by name does), with the name of the definition that
        line is in: ``opt.SGD`` in its body is shown rather than ``opt = torch.optim``."""
        queue, seen = deque([exercise]), {exercise}
        uses: list[tuple[ParsedUnit, int, str]] = []
        while queue:
            name = queue.popleft()
            binding = self.final(name)
            if binding is None or isinstance(binding.statement, ast.Import | ast.ImportFrom):
                continue
            for node, shadowed, line, inner in self._walk_reach(binding.statement):
                if self._uses(node, prefix, inner):
                    uses.append((binding.unit, line, name))
                if (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
                        and node.id not in shadowed and node.id not in seen
                        and node.id in self.bindings
                        and not any(under(prefix, p)
                                    for p in contracts.get(node.id, Contract("")).forbid)):
                    seen.add(node.id)
                    queue.append(node.id)
        return min(uses, key=lambda u: (u[2] != exercise, u[0].index, u[1])) if uses else None

    def _uses(self, node: ast.AST, prefix: str, inner: bool) -> bool:
        """Whether ``node`` uses ``prefix``; a name chain is read whole, at its outermost
        node (``inner``: a part of a longer chain)."""
        if isinstance(node, ast.Name | ast.Attribute):
            if inner:
                return False
            name = self.aliases.dotted(node)
            return name is not None and under(name, prefix)
        if isinstance(node, ast.Import | ast.ImportFrom):
            return any(under(target, prefix) for target in import_targets(node))
        if isinstance(node, ast.Call):
            imported = self.aliases.literal_import(node)
            if imported is not None and under(imported, prefix):
                return True
            name = None if inner else self.aliases.dotted(node)
            return name is not None and under(name, prefix)
        return False

    def _walk_reach(self, root: ast.AST
                    ) -> Iterator[tuple[ast.AST, frozenset[str], int, bool]]:
        """Every node under ``root`` with the names local to its function there (which do
        not reach module-level definitions), the line it counts at (its own, or that of the
        ``exec``/``eval``/``compile`` call whose literal code it is part of), and whether it
        is the inner part of a longer name chain (``torch`` in ``torch.optim``)."""
        stack: list[tuple[ast.AST, frozenset[str], int | None, int, bool]] = [
            (root, frozenset(), None, 0, False)]
        while stack:
            node, shadowed, line, depth, inner = stack.pop()
            yield (node, shadowed, line if line is not None else getattr(node, "lineno", 0),
                   inner)
            if isinstance(node, LOCAL_SCOPES):
                shadowed = shadowed | local_names(node)
            chained = node.value if isinstance(node, ast.Attribute) else None
            children = [(child, shadowed, line, depth, child is chained)
                        for child in ast.iter_child_nodes(node)]
            if isinstance(node, ast.Call) and depth < _MAX_EMBEDDED_DEPTH:
                embedded = self.aliases.embedded_code(node)
                if embedded is not None:
                    children.append((embedded, shadowed,
                                     line if line is not None else node.lineno, depth + 1,
                                     False))
            stack.extend(reversed(children))


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _at(unit: ParsedUnit, line: int) -> str:
    return f"{unit.label}, line {line}: {unit.code(line)}"


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
