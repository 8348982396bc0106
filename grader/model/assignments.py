"""Assignments: ``assignments/NN_name/`` with its ``assignment.toml``, stub and checks.

Layout of one assignment (the solution lives apart, in ``solutions/NN_name/<module>.py``)::

    assignments/04_custom_function/
        assignment.toml     title, module (the stub's file name), exercises, optional [limits]
        custom_function.py  the student's stub
        README.md           the instructions
        checks/public.py    public checks (students see and run these)
        checks/hidden.py    hidden checks (only at grading time; never released)
        mutants-equivalent.toml  the solution's mutants that compute what it computes,
                            each with the reason (``grade mutate``; never released)

Check files are loaded the same way here and in the child: their source is executed as a
fresh module (``hidden.py`` may import helpers ``from public``), so the child can receive
them over its private channel and never needs to read the course's files.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import sys
import threading
import tomllib
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import AssignmentError, UsageError
from grader.i18n import read_catalogue
from grader.model.authoring import CheckSpec, collecting
from grader.model.contracts import Contract, parse_contracts
from grader.model.limits import Limits
from grader.model.plan import CheckPlan, CheckSource, Plan, RunKey, Scope, run_seed

CHECK_FILES = ("public", "hidden")
MUTANTS_EQUIVALENT = "mutants-equivalent.toml"
"""The instructor's review of the solution's equivalent mutants (:mod:`grader.batch.mutate`)."""
_TOML_KEYS = {"title", "module", "exercises", "limits", "contracts"}


@dataclass(frozen=True)
class Assignment:
    """One assignment with its checks, in declaration order."""

    name: str
    root: Path
    title: str
    module: str
    exercises: tuple[str, ...]
    checks: tuple[CheckSpec, ...]
    sources: tuple[CheckSource, ...]
    limits: Limits
    solution: Path | None

    solution_sha256: str | None = None
    """The solution file's SHA-256, read once when the assignment is loaded."""
    contracts: Mapping[str, Contract] = dataclasses.field(default_factory=dict)
    """What each exercise must be written as by hand (``[contracts]``), checked on the
    submission's source in the grader's process."""
    uses_optimizers: bool = True
    """Whether its checks or its solution mention ``torch.optim``: the first optimizer a
    process makes imports ``torch._dynamo``, a second of CPU that a batch's zygotes then
    pay once, before they fork, instead of in every child."""
    selection: tuple[str, ...] = ()
    """The exercises it was narrowed to (:meth:`only`); empty for all of them."""


    @property
    def stub(self) -> Path:
        return self.root / f"{self.module}.py"

    def only(self, exercises: Sequence[str]) -> Assignment:
        """This assignment with the checks of ``exercises`` alone (``grade check
        --exercise``), in the assignment's order; an exercise it lacks is a usage error
        that lists the ones it has. Its digest differs from the whole assignment's, so that
        the references computed for one selection never stand for another."""
        unknown = [e for e in exercises if e not in self.exercises]
        if unknown:
            raise UsageError(f"{self.name} has no exercise {', '.join(map(repr, unknown))}: "
                             f"choose from {', '.join(self.exercises)}")
        chosen = tuple(e for e in self.exercises if e in set(exercises))
        return dataclasses.replace(self, exercises=chosen, selection=chosen,
                                   checks=tuple(c for c in self.checks if c.exercise in chosen))

    def translations(self, lang: str) -> dict[str, str]:
        """English → ``lang`` for this assignment's own words: ``locale/<lang>.po`` in its
        folder (titles, hints, judges' messages), then what its check files give in several
        languages, which wins."""
        return self._translations.get(lang, {})

    @functools.cached_property
    def _translations(self) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        folder = self.root / "locale"
        if folder.is_dir():
            for po in sorted(folder.glob("*.po")):
                found.setdefault(po.stem, {}).update(read_catalogue(po))
        for spec in self.checks:
            for lang, english, text in spec.translations:
                found.setdefault(lang, {})[english] = text
        return found

    def public_checks(self) -> tuple[CheckSpec, ...]:
        return tuple(c for c in self.checks if not c.hidden)

    def hidden_checks(self) -> tuple[CheckSpec, ...]:
        return tuple(c for c in self.checks if c.hidden)

    def checks_in(self, scope: Scope) -> tuple[CheckSpec, ...]:
        return self.checks if scope == "all" else self.public_checks()

    def check(self, check_id: str) -> CheckSpec:
        return self._by_id[check_id]

    @functools.cached_property
    def _by_id(self) -> dict[str, CheckSpec]:
        return {c.id: c for c in self.checks}

    def sources_in(self, scope: Scope) -> tuple[CheckSource, ...]:
        return tuple(s for s in self.sources if scope == "all" or s.kind == "public")

    def source_sha256(self, kind: str) -> str | None:
        """The SHA-256 of one checks file's text (``public`` or ``hidden``), if it exists."""
        return self._source_digests.get(kind)

    def digest(self, scope: Scope) -> str:
        """What every result of this assignment depends on: the check files in ``scope`` and
        the solution. A reference computed, a result graded or check files loaded under one
        digest stand while it is unchanged; computed once per assignment and scope."""
        return self._digests[scope]

    @functools.cached_property
    def _source_digests(self) -> dict[str, str]:
        return {s.kind: hashlib.sha256(s.source.encode("utf-8")).hexdigest()
                for s in self.sources}

    @functools.cached_property
    def _digests(self) -> dict[Scope, str]:
        found: dict[Scope, str] = {}
        for scope in ("public", "all"):
            h = hashlib.sha256()
            for source in self.sources_in(scope):
                h.update(f"{source.kind}:{self._source_digests[source.kind]}\0".encode())
            h.update(f"solution:{self.solution_sha256 or '-'}\0".encode())
            h.update(f"contracts:{sorted(self.contracts.items())!r}".encode())
            if self.selection:
                h.update(f"only:{','.join(self.selection)}".encode())
            found[scope] = h.hexdigest()
        return found

    def plan(self, scope: Scope, hints: bool = False, salt: int | None = None) -> Plan:
        """The runs of ``scope`` — every check on each of its devices, and with ``hints``
        each hint's patched reference too — and what a sandbox needs to make them; with a
        ``salt``, every check's inputs are drawn from seeds nobody knows without it."""
        key = (scope, hints, salt)
        if key not in self._plans:
            runs: list[RunKey] = []
            for spec in self.checks_in(scope):
                for device in spec.devices:
                    runs.append(RunKey(spec.id, device))
                    if hints:
                        runs.extend(RunKey(spec.id, device, i)
                                    for i, hint in enumerate(spec.hints) if hint.patch is not None)
            sources = self.sources_in(scope)
            named = hashlib.sha256("\0".join(
                [self.name, self.digest(scope), *(s.filename for s in sources)]).encode())
            self._plans[key] = Plan(
                self.name, named.hexdigest(), sources, tuple(runs),
                tuple(CheckPlan(c.id, c.time_limit_s, self.limits.for_check(c.limits),
                                run_seed(c.seed, salt))
                      for c in self.checks_in(scope)),
                self.limits, salt)
        return self._plans[key]

    @functools.cached_property
    def _plans(self) -> dict[tuple[Scope, bool, int | None], Plan]:
        return {}


_LOADING = threading.Lock()


def load_check_sources(sources: Sequence[CheckSource], assignment: str) -> list[CheckSpec]:
    """Execute the checks files in order and collect their checks as they are declared.

    While a file runs, the files before it are importable by their kind: ``hidden.py`` says
    ``from public import away_from_zero, NotesReLU`` to use public.py's helpers and known
    wrong answers instead of copying them, and a release that leaves ``hidden.py`` out loses
    nothing that ``public.py`` needs. One assignment's files load at a time in a process
    (a Dask worker's threads may load several): both the declarations being collected and
    those importable names are the process's.
    """
    with _LOADING:
        return _load_check_sources(sources, assignment)


def _load_check_sources(sources: Sequence[CheckSource], assignment: str) -> list[CheckSpec]:
    loaded: dict[str, types.ModuleType] = {}
    out: list[CheckSpec] = []
    for source in sources:
        module = types.ModuleType(f"grade_checks_{assignment}_{source.kind}")
        module.__file__ = source.filename
        shadowed = {name: sys.modules.get(name) for name in loaded}
        sys.modules.update(loaded)
        try:
            code = compile(source.source, source.filename, "exec")
            with collecting() as specs:
                exec(code, module.__dict__)
        except Exception as exc:
            raise AssignmentError(f"{source.filename}: cannot load checks: "
                                  f"{type(exc).__name__}: {exc}") from None
        finally:
            for name, previous in shadowed.items():
                if previous is None:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = previous
        for spec in specs:
            if source.kind == "public" and spec.hidden:
                raise AssignmentError(
                    f"{source.filename}: check {spec.id} is hidden; hidden checks belong in "
                    "checks/hidden.py so that a release leaves them out")
            out.append(dataclasses.replace(spec, hidden=source.kind == "hidden"))
        loaded[source.kind] = module
    return out


def load_assignment(root: Path, solutions_dir: Path | None = None) -> Assignment:
    """Read ``root`` (an assignment folder) and its checks; validate everything once."""
    root = root.absolute()
    config_path = root / "assignment.toml"
    if not config_path.is_file():
        raise AssignmentError(f"{root} is not an assignment: it has no assignment.toml")
    try:
        config: dict[str, Any] = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AssignmentError(f"{config_path}: {exc}") from None
    unknown = set(config) - _TOML_KEYS
    if unknown:
        raise AssignmentError(f"{config_path}: unknown keys {sorted(unknown)}")
    module = config.get("module")
    exercises = config.get("exercises")
    if not isinstance(module, str) or not module.isidentifier():
        raise AssignmentError(f"{config_path}: 'module' must name the stub file (no .py)")
    if not (isinstance(exercises, list) and exercises
            and all(isinstance(e, str) for e in exercises)):
        raise AssignmentError(f"{config_path}: 'exercises' must be a list of names")
    limits = Limits().override(config.get("limits", {}), str(config_path))
    try:
        contracts = parse_contracts(config.get("contracts", {}), exercises)
    except AssignmentError as exc:
        raise AssignmentError(f"{config_path}: {exc.message}") from None

    sources = []
    for kind in CHECK_FILES:
        path = root / "checks" / f"{kind}.py"
        if path.is_file():
            sources.append(CheckSource(kind, str(path), path.read_text(encoding="utf-8")))
    if not sources:
        raise AssignmentError(f"{root}: no checks (expected checks/public.py)")
    checks = load_check_sources(sources, root.name)
    seen: set[str] = set()
    for c in checks:
        if c.exercise not in exercises:
            raise AssignmentError(f"{root.name}: check {c.id} names exercise {c.exercise!r}, "
                                  f"not one of {exercises}")
        if c.id in seen:
            raise AssignmentError(f"{root.name}: two checks named {c.id}")
        seen.add(c.id)

    solutions_dir = solutions_dir or root.parent.parent / "solutions"
    solution = solutions_dir / root.name / f"{module}.py"
    found = solution.is_file()
    solution_bytes = solution.read_bytes() if found else b""
    return Assignment(
        name=root.name,
        root=root,
        title=str(config.get("title", root.name)),
        module=module,
        exercises=tuple(exercises),
        checks=tuple(checks),
        sources=tuple(sources),
        limits=limits,
        solution=solution if found else None,
        solution_sha256=hashlib.sha256(solution_bytes).hexdigest() if found else None,
        contracts=contracts,
        uses_optimizers=b"optim" in solution_bytes or any("optim" in s.source for s in sources),
    )


def discover(assignments_dir: Path) -> list[Path]:
    """Assignment folders under ``assignments_dir``, in name order."""
    if not assignments_dir.is_dir():
        return []
    return sorted(p for p in assignments_dir.iterdir() if (p / "assignment.toml").is_file())


COURSE_ENV = "GRADE_COURSE"
"""The environment variable naming the course folder when ``--course`` does not."""
POINT_ELSEWHERE = ("run grade in the course folder (the one holding assignments/) or name it "
                   f"with --course DIR or {COURSE_ENV}")


@dataclass(frozen=True)
class Course:
    """The course folder that holds ``assignments/`` (and ``solutions/`` on the instructor's
    side), and what named it: an error about a missing assignment says where it looked and
    why there, so an instructor outside the course folder knows what to change."""

    root: Path
    named_by: str
    """``--course``, ``GRADE_COURSE`` or ``the current directory``."""

    @property
    def assignments_dir(self) -> Path:
        return self.root / "assignments"

    @property
    def where(self) -> str:
        """The assignments folder and what chose it, for messages."""
        if self.named_by == "the current directory":
            return f"{self.assignments_dir} (under the current directory)"
        return f"{self.assignments_dir} (the course from {self.named_by})"

    def find(self, name: str) -> Path:
        return find_assignment(name, self.assignments_dir, self.where)

    def discover(self) -> list[Path]:
        return discover(self.assignments_dir)


def locate_course(course: Path | None, cwd: Path,
                  environ: Mapping[str, str] | None = None) -> Course:
    """The course folder: ``course`` (``--course DIR``), else ``$GRADE_COURSE``, else ``cwd``;
    relative paths are taken from ``cwd``. A named folder that does not exist is refused
    here, before anything else is looked for in it."""
    environ = os.environ if environ is None else environ
    from_env = environ.get(COURSE_ENV, "")
    if course is not None:
        root, named_by = course, "--course"
    elif from_env:
        root, named_by = Path(from_env), COURSE_ENV
    else:
        return Course(cwd.absolute(), "the current directory")
    root = root if root.is_absolute() else cwd / root
    if not root.is_dir():
        shown = f"--course {course}" if course is not None else f"{COURSE_ENV}={from_env}"
        raise UsageError(f"{shown}: no such folder (it names the course folder, the one "
                         "holding assignments/)")
    return Course(root.absolute(), named_by)


def find_assignment(name: str, assignments_dir: Path, where: str | None = None) -> Path:
    """The folder of assignment ``name``; otherwise an error listing the known ones, saying
    where it looked (``where``, else ``assignments_dir``) and how to look elsewhere."""
    candidate = assignments_dir / name
    if (candidate / "assignment.toml").is_file():
        return candidate
    known = ", ".join(p.name for p in discover(assignments_dir)) or "none"
    raise AssignmentError(f"no assignment named {name!r} (known: {known}) in "
                          f"{where or assignments_dir.absolute()}; {POINT_ELSEWHERE}")
