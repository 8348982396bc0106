"""Exercise contracts as an assignment declares them: ``[contracts.<exercise>]`` in its
``assignment.toml``, validated when the assignment loads. How a submission is held to them
(on its syntax tree, in the grader's process) is :mod:`grader.intake.contracts`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from grader.errors import AssignmentError

_KEYS = ("subclass", "defines", "forbid", "why")

@dataclass(frozen=True)
class Contract:
    """What one exercise must be written as (``[contracts.<exercise>]``)."""

    exercise: str
    subclass: str | None = None
    """Dotted name of the class the exercise must be a class deriving from."""
    defines: tuple[str, ...] = ()
    """Methods the exercise's class body must define itself."""
    forbid: tuple[str, ...] = ()
    """Dotted prefixes (``torch.optim``) the exercise must not use."""
    reason: str = ""
    """Why, in one line shown to the student (the ``why`` key)."""


def parse_contracts(table: object, exercises: Sequence[str]) -> dict[str, Contract]:
    """The ``[contracts]`` table of an assignment.toml, validated: every exercise it names
    exists, every key is known and has the right type. Raises :class:`AssignmentError`
    naming the key otherwise."""
    if not isinstance(table, dict):
        raise AssignmentError("contracts must be a table of exercises ([contracts.NAME])")
    found: dict[str, Contract] = {}
    for exercise, entry in table.items():
        where = f"contracts.{exercise}"
        if exercise not in exercises:
            raise AssignmentError(f"{where}: no exercise named {exercise!r} "
                                  f"(exercises: {', '.join(exercises)})")
        if not isinstance(entry, dict):
            raise AssignmentError(f"{where} must be a table of {', '.join(_KEYS)}")
        unknown = sorted(set(entry) - set(_KEYS))
        if unknown:
            raise AssignmentError(f"{where}: unknown key {unknown[0]!r} "
                                  f"(known: {', '.join(_KEYS)})")
        subclass = entry.get("subclass")
        if subclass is not None and not _is_dotted(subclass):
            raise AssignmentError(f"{where}.subclass must be a dotted class name, "
                                  "e.g. \"torch.autograd.Function\"")
        defines = _names(entry.get("defines", []), f"{where}.defines", str.isidentifier,
                         "a list of method names")
        forbid = _names(entry.get("forbid", []), f"{where}.forbid", _is_dotted,
                        "a list of dotted module names, e.g. [\"torch.optim\"]")
        why = entry.get("why", "")
        if not isinstance(why, str) or "\n" in why:
            raise AssignmentError(f"{where}.why must be one line of text")
        if subclass is None and not defines and not forbid:
            raise AssignmentError(f"{where} declares nothing (subclass, defines or forbid)")
        found[exercise] = Contract(exercise, subclass, defines, forbid, why.strip())
    return found


def _is_dotted(value: object) -> bool:
    return isinstance(value, str) and all(part.isidentifier() for part in value.split("."))


def _names(value: object, where: str, valid: Callable[[str], bool],
           what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and valid(v) for v in value):
        raise AssignmentError(f"{where} must be {what}")
    return tuple(dict.fromkeys(value))


