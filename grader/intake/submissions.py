"""Submissions: a path a student or instructor names → the module the child will load.

For ``grade check`` a path is an assignment folder (the student's working copy), or a single
``.py`` file or ``.ipynb`` notebook: inside an assignment folder, or anywhere with
``--assignment NAME``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from grader.errors import UsageError
from grader.intake.notebooks import NotebookCell, NotebookError, read_cells
from grader.intake.stubs import untouched
from grader.model.assignments import Assignment

NotebookParser = Callable[[Path], tuple[tuple[NotebookCell, ...], tuple[str, ...]]]
"""Reads a notebook's cells (:func:`grader.intake.notebooks.read_cells`'s signature). The
commands pass one that reads in the sandbox (:mod:`grader.sandbox.notebook_parse`): a
notebook is untrusted input."""


@dataclass(frozen=True)
class ModuleUnderTest:
    """The module a child loads: a student's file (with the files beside it) or a solution.

    A notebook travels as its cells (:mod:`grader.intake.notebooks`), run one by one in the
    child; one that cannot be read at all has a ``problem`` instead, and no child is started.
    """

    name: str
    source: Path
    display: str
    extra_files: tuple[tuple[str, Path], ...] = ()
    cells: tuple[NotebookCell, ...] = ()
    notes: tuple[str, ...] = ()
    problem: str | None = None

    @property
    def file_name(self) -> str:
        """Its name in the work dir: the module's for a .py file, the notebook's own."""
        return self.source.name if self.cells else f"{self.name}.py"


def solution_module(assignment: Assignment) -> ModuleUnderTest:
    """The reference solution as a module under test, shown as its path in the course."""
    if assignment.solution is None:
        raise UsageError(f"{assignment.name} has no solution")
    return ModuleUnderTest(assignment.module, assignment.solution,
                           f"solutions/{assignment.name}/{assignment.module}.py")


MAX_EXTRA_FILES = 200
MAX_EXTRA_BYTES = 50 * 1024 * 1024
_SKIP_DIRS = {"checks", "references", "__pycache__", ".ipynb_checkpoints", ".git"}
_SKIP_FILES = {"assignment.toml"}


def module_from_path(path: Path, assignment: Assignment,
                     parser: NotebookParser | None = None,
                     stubs: Mapping[str, str] | None = None) -> ModuleUnderTest:
    """The student's module for ``assignment`` found at ``path`` (a folder or a .py file);
    a notebook's cells are read by ``parser`` (default: in this process). ``stubs``, the
    stubs' recorded fingerprints, tell which of a folder's two files was worked on."""
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    if path.is_dir():
        source = path / f"{assignment.module}.py"
        notebook = path / f"{assignment.module}.ipynb"
        chosen, why = _worked_on(source, notebook, stubs or {})
        if chosen == notebook:
            module = notebook_module(notebook, assignment, _extra_files(path, notebook), parser)
            if why:
                module = replace(module, notes=(why, *module.notes))
            return module
        if not source.is_file():
            raise UsageError(f"{path} has no {assignment.module}.py or {assignment.module}.ipynb "
                             "(the file this assignment grades)")
        return ModuleUnderTest(assignment.module, source, source.name,
                               _extra_files(path, source),
                               notes=(why,) if why else ())
    if path.suffix not in (".py", ".ipynb"):
        raise UsageError(f"{path}: expected a .py file, an .ipynb notebook or an assignment "
                         "folder")
    in_assignment = (path.parent / "assignment.toml").is_file()
    extras = _extra_files(path.parent, path) if in_assignment else ()
    if path.suffix == ".ipynb":
        return notebook_module(path, assignment, extras, parser)
    return ModuleUnderTest(assignment.module, path, path.name, extras)


def _worked_on(source: Path, notebook: Path, recorded: Mapping[str, str]
               ) -> tuple[Path, str]:
    """Which of an assignment folder's two files a student works in, and why, where both
    are there: the one that is not the untouched stub, else the one saved last (a fresh
    clone's file times say nothing, so the stubs' recorded fingerprints come first)."""
    if not notebook.is_file():
        return source, ""
    if not source.is_file():
        return notebook, ""
    source_stub, notebook_stub = untouched(source, recorded), untouched(notebook, recorded)
    if source_stub != notebook_stub:
        chosen, other = (notebook, source) if source_stub else (source, notebook)
        return chosen, f"graded {chosen.name}: {other.name} is the untouched stub"
    if notebook.stat().st_mtime > source.stat().st_mtime:
        return notebook, (f"graded {notebook.name}, saved after {source.name} (the more "
                          "recently saved of the two)")
    return source, ""


def notebook_module(path: Path, assignment: Assignment,
                    extras: tuple[tuple[str, Path], ...] = (),
                    parser: NotebookParser | None = None) -> ModuleUnderTest:
    """A notebook as the module for ``assignment``: its cells, or the problem that keeps it
    from being graded (a result, not an error of the grader)."""
    try:
        cells, notes = (parser or read_cells)(path)
    except NotebookError as exc:
        return ModuleUnderTest(assignment.module, path, path.name, problem=str(exc))
    extras = tuple((rel, src) for rel, src in extras
                   if not (rel.endswith(".ipynb") and src.resolve() == path.resolve()))
    return ModuleUnderTest(assignment.module, path, path.name, extras, cells, notes)


def _extra_files(folder: Path, module_file: Path) -> tuple[tuple[str, Path], ...]:
    """Files beside the module that travel with it (data files, helper modules)."""
    extras: list[tuple[str, Path]] = []
    total = 0
    for item in sorted(folder.rglob("*")):
        rel = item.relative_to(folder)
        if set(rel.parts[:-1]) & _SKIP_DIRS or rel.parts[0] in _SKIP_DIRS:
            continue
        if not item.is_file() or item.is_symlink() or item == module_file:
            continue
        if rel.name in _SKIP_FILES:
            continue
        total += item.stat().st_size
        if len(extras) >= MAX_EXTRA_FILES or total > MAX_EXTRA_BYTES:
            raise UsageError(f"{folder}: too many or too large files beside the submission "
                             f"(at most {MAX_EXTRA_FILES} files, {MAX_EXTRA_BYTES >> 20} MiB)")
        extras.append((str(rel), item))
    return tuple(extras)
