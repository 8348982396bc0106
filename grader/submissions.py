"""Submissions: a path a student or instructor names → the module the child will load.

For ``grade check`` a path is an assignment folder (the student's working copy), or a single
``.py`` file: inside an assignment folder, or anywhere with ``--assignment NAME``.
"""

from __future__ import annotations

from pathlib import Path

from grader.assignments import Assignment
from grader.errors import UsageError
from grader.sandbox import ModuleUnderTest

MAX_EXTRA_FILES = 200
MAX_EXTRA_BYTES = 50 * 1024 * 1024
_SKIP_DIRS = {"checks", "__pycache__", ".ipynb_checkpoints", ".git"}
_SKIP_FILES = {"assignment.toml"}


def module_from_path(path: Path, assignment: Assignment) -> ModuleUnderTest:
    """The student's module for ``assignment`` found at ``path`` (a folder or a .py file)."""
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    if path.is_dir():
        source = path / f"{assignment.module}.py"
        if not source.is_file():
            raise UsageError(f"{path} has no {assignment.module}.py (the file this assignment "
                             "grades)")
        return ModuleUnderTest(assignment.module, source, source.name,
                               _extra_files(path, source))
    if path.suffix == ".ipynb":
        raise UsageError(f"{path}: notebook submissions are not supported by this version of "
                         "grade; save the notebook's code as a .py file")
    if path.suffix != ".py":
        raise UsageError(f"{path}: expected a .py file or an assignment folder")
    in_assignment = (path.parent / "assignment.toml").is_file()
    extras = _extra_files(path.parent, path) if in_assignment else ()
    return ModuleUnderTest(assignment.module, path, path.name, extras)


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
