"""``grade release --out DIR``: the copy of a course that students receive.

It holds, per assignment, the stub, the notebook stub, the README, any data files beside
them, ``assignment.toml``, ``checks/public.py`` and the recorded references; at the top, a
README telling students how to check their work, a ``.gitignore`` for ``reports/``, a
``.gitattributes`` that keeps the references and the public checks byte-exact in Git, and an
example GitHub Actions workflow that runs ``grade ci`` on every push and pull request; in
``wheels/``, the grader itself as a wheel (:mod:`grader.course.wheel`), which the README and
the workflow install, so that the copy needs no grader from the package index.

What must never be in it: solutions and hidden checks. Solutions live outside the
assignment folders; from ``checks/`` only ``public.py`` is taken, so hidden checks and
whatever an author keeps beside them stay behind. Then, before the copy is kept, every file
written is searched for the solution's and the hidden checks' distinctive lines (lines long
enough to mean something and not found in the public checks, the stub or the README, which
are written for students). One found is a refusal naming the file and the line, and the
release folder is not left half written: it is built beside DIR and moved into place at the
end (an earlier release there is replaced, all but its ``.git``).

References must be fresh: a release with stale references would have every student's
``grade check`` refuse to run, so ``grade build`` comes first.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

from grader import __version__
from grader.course.translations import public_catalogue
from grader.course.wheel import build_wheel
from grader.errors import UsageError
from grader.model.assignments import MUTANTS_EQUIVALENT, Assignment
from grader.references import store

MARKER = ".grade-release.json"
_NEVER = {"__pycache__", ".ipynb_checkpoints", ".git", ".pytest_cache"}
MIN_SECRET_LINE = 20
WHEELS = "wheels"  # the grader's wheel, in the release's top folder


@dataclass(frozen=True)
class ReleaseOutcome:
    """Where the release went and what it holds."""

    out: Path
    assignments: tuple[str, ...]
    files: tuple[Path, ...]


def release(assignments: list[Assignment], out: Path, grader_requirement: str | None = None
            ) -> ReleaseOutcome:
    """Write the student copy of ``assignments`` to ``out`` (empty, absent, or an earlier
    release, which is replaced)."""
    if not assignments:
        raise UsageError("nothing to release: no assignments")
    _check_target(out)
    for assignment in assignments:
        require_fresh_references(assignment, "release")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".grade-release-", dir=out.parent))
    try:
        for assignment in assignments:
            _copy_assignment(assignment, staging / "assignments" / assignment.name)
        _write_course_files(staging, assignments, grader_requirement)
        files = sorted(p for p in staging.rglob("*") if p.is_file())
        for assignment in assignments:
            _refuse_leaks(assignment, files, staging)
        if out.exists():
            _replace_release(staging, out)
        else:
            staging.rename(out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return ReleaseOutcome(out, tuple(a.name for a in assignments),
                          tuple(out / p.relative_to(staging) for p in files))


def _replace_release(staging: Path, out: Path) -> None:
    """Put the new release in place of an earlier one, keeping ``.git``: the students'
    template repository is often a clone, and its history is not the release's to drop."""
    for entry in out.iterdir():
        if entry.name == ".git":
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for entry in staging.iterdir():
        entry.rename(out / entry.name)


def require_fresh_references(assignment: Assignment, doing: str) -> None:
    """Refuse (``cannot DOING NAME: why; run grade build``) an assignment whose recorded
    references are stale or missing: what is made from them would refuse to grade."""
    found = store.load(assignment)
    if found.state != "fresh":
        raise UsageError(f"cannot {doing} {assignment.name}: {found.reason}; run `grade "
                         f"build --assignment {assignment.name}` first")


def course_files(root: Path) -> Iterator[tuple[Path, Path]]:
    """The files under ``root`` that a copy of it takes, in name order, each with its path
    relative to ``root``: no caches, notebook checkpoints, ``.git``, compiled files or
    symbolic links."""
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in _NEVER for part in rel.parts) or not path.is_file() or path.is_symlink():
            continue
        if path.suffix == ".pyc":
            continue
        yield path, rel


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise UsageError(f"{out} is not empty and holds no earlier release ({MARKER}); "
                         "name an empty or new folder")


def _copy_assignment(assignment: Assignment, dest: Path) -> None:
    for path, rel in course_files(assignment.root):
        if rel.parts[0] == "checks" and rel != Path("checks/public.py"):
            continue  # hidden checks, and whatever else an author keeps beside them
        if rel == Path(MUTANTS_EQUIVALENT):
            continue  # the instructor's review of the solution's mutants
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel.parts[0] == "locale" and rel.suffix == ".po":
            target.write_bytes(public_catalogue(assignment, path))  # no hidden checks' words
            continue
        shutil.copyfile(path, target)


def secret_lines(assignment: Assignment) -> dict[str, str]:
    """Distinctive lines of the solution and the hidden checks, each with where it is from.

    Lines that the author wrote for students as well are left out: those of the public
    checks (which may quote a known wrong answer sharing a line with the solution), of the
    stub (signatures, docstrings) and of the README (a formula the task states). So are
    short lines, comments and imports, which say nothing about an answer.
    """
    public: set[str] = set()
    for src in assignment.sources_in("public"):
        public.update(_lines(src.source))
    for path in (assignment.stub, assignment.root / "README.md"):
        if path.is_file():
            public.update(_lines(path.read_text(encoding="utf-8")))
    secrets: dict[str, str] = {}
    hidden = [s for s in assignment.sources if s.kind != "public"]
    named = [(f"checks/{Path(s.filename).name}", s.source) for s in hidden]
    if assignment.solution is not None:
        named.append((f"solutions/{assignment.name}/{assignment.solution.name}",
                      assignment.solution.read_text(encoding="utf-8")))
    for origin, text in named:
        for line in _lines(text):
            if line not in public:
                secrets.setdefault(line, origin)
    return secrets


def _lines(text: str) -> Iterable[str]:
    for raw in text.splitlines():
        line = raw.strip()
        if len(line) >= MIN_SECRET_LINE and not line.startswith(("#", "import ", "from ")):
            yield line


def _refuse_leaks(assignment: Assignment, files: list[Path], staging: Path) -> None:
    secrets = secret_lines(assignment)
    if not secrets:
        return
    own = staging / "assignments" / assignment.name
    for path in files:
        rel = path.relative_to(staging)
        if rel.parts[0] == "assignments" and own not in path.parents:
            continue  # another assignment's public files may share lines with this one's
        if rel.parts[0] == WHEELS:
            continue  # the grader's own package, built here: a zip holding only grader/
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary data files cannot quote source lines
        for line in _lines(_readable(path, text)):
            origin = secrets.get(line)
            if origin is not None:
                raise UsageError(
                    f"refusing to release: {rel} contains a line of "
                    f"{origin}: {line[:80]!r}")


def _readable(path: Path, text: str) -> str:
    """The text a person would read in ``path``: for JSON (notebooks, references) every
    string it holds, unescaped, one per line, so that a quoted source line is found."""
    if path.suffix not in (".json", ".ipynb"):
        return text
    try:
        document = json.loads(text)
    except ValueError:
        return text
    strings: list[str] = []
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            strings.append(node)
        elif isinstance(node, list):
            if node and all(isinstance(n, str) for n in node):
                strings.append("".join(node))  # a notebook cell's source lines
            else:
                stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
    return "\n".join(strings)


def _write_course_files(root: Path, assignments: list[Assignment],
                        grader_requirement: str | None) -> None:
    requirement = grader_requirement
    if requirement is None:
        requirement = (Path(WHEELS) / build_wheel(root / WHEELS).name).as_posix()
    torch_version = torch.__version__.split("+")[0]
    (root / ".gitignore").write_text("reports/\n__pycache__/\n.ipynb_checkpoints/\n",
                                     encoding="utf-8")
    (root / ".gitattributes").write_text(GITATTRIBUTES, encoding="utf-8")
    workflows = root / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "grade.yml").write_text(
        WORKFLOW.format(torch=torch_version, requirement=requirement), encoding="utf-8")
    listing = "\n".join(f"- `assignments/{a.name}/`: {a.title}" for a in assignments)
    (root / "README.md").write_text(
        STUDENT_README.format(listing=listing, torch=torch_version, requirement=requirement),
        encoding="utf-8")
    marker = {"grader_version": __version__, "assignments": [a.name for a in assignments]}
    (root / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


GITATTRIBUTES = """\
# The recorded references are checked against the hashes in their manifest, and the manifest
# against checks/public.py: Git keeps these files exactly as released, whatever line endings
# the checkout would otherwise give them (Git for Windows: CRLF).
assignments/*/references/** -text
assignments/*/checks/public.py -text
*.whl binary
"""
"""The students' copy's ``.gitattributes``. ``grade check`` reads a CRLF checkout of these
files correctly as well (:mod:`grader.references.store`); this keeps a Git history of the
copy free of line-ending changes to them."""

WORKFLOW = """\
# Runs the public checks of the assignments you have started on every push and pull
# request, with the CPU build of torch, on Linux, macOS and Windows (students work on all
# three). The job fails when a check fails; the summary shows a table per assignment and the
# HTML reports are kept as an artifact per system.
name: grade
on: [push, pull_request]
jobs:
  grade:
    strategy:
      fail-fast: false
      matrix:
        os: [ubuntu-latest, macos-latest, windows-latest]
    runs-on: ${{{{ matrix.os }}}}
    timeout-minutes: 20
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install torch (CPU build) and grade
        shell: bash
        run: |
          python -m pip install torch=={torch} --index-url https://download.pytorch.org/whl/cpu
          python -m pip install "{requirement}"
      - name: Check
        run: grade ci
      - name: Keep the HTML reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: grade-reports-${{{{ matrix.os }}}}
          path: reports/
"""

STUDENT_README = """\
# Assignments

{listing}

Each folder holds a stub to fill in (a `.py` file and the same as a notebook), its README
with the instructions, and the public checks.

## Checking your work

Install torch and the grader once, from this folder (the CPU build of torch is enough):

```sh
python3 -m venv .venv
.venv/bin/pip install torch=={torch} --index-url https://download.pytorch.org/whl/cpu
.venv/bin/pip install "{requirement}"
```

Then, from this folder:

```sh
.venv/bin/grade check                                  # every assignment
.venv/bin/grade check assignments/04_custom_function   # one assignment folder
.venv/bin/grade check path/to/your_notebook.ipynb --assignment 04_custom_function
```

It prints what passed and what did not, with a hint where one is known, and writes an HTML
report under `reports/`. The public checks are compared with reference results recorded in
each assignment's `references/` folder, so no solution is needed. Your work is graded later
with these checks and hidden ones of the same kind.

On Windows, the commands are `.venv\\Scripts\\pip` and `.venv\\Scripts\\grade` (or activate
the environment first). On macOS and Windows each assignment is checked in a fresh Python
process (a few seconds more each), and some limits of the Linux sandbox are not enforced
there; `grade check` says which.

Pushing to GitHub runs the same checks (`.github/workflows/grade.yml`) on Linux, macOS and
Windows, for the assignments you have started (an untouched stub is listed as not started
and fails nothing): the job summary shows a table of points per exercise, and the HTML
reports are kept as an artifact.
"""
