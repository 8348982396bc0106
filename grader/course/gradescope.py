"""``grade gradescope NAME --out autograder.zip``: a Gradescope autograder of ``grade``.

The zip holds at its root ``setup.sh`` (builds the image: bubblewrap, Python, the CPU build
of torch, the grader from its wheel), ``run_autograder`` (grades one submission through
``grade batch`` and hands Gradescope the ``gradescope.json`` that
:mod:`grader.reports.gradescope` wrote), the grader's wheel (:mod:`grader.course.wheel`),
``assignments/NAME/`` with its public and hidden checks and recorded references, and
``solutions/NAME/``: a graded run draws new inputs from a secret salt, so the references of
every check are computed from the solution at grading time. Gradescope unpacks it into
``/autograder/source``.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.course.release import course_files, require_fresh_references
from grader.course.wheel import build_wheel, wheel_name, write_zip
from grader.errors import UsageError
from grader.model.assignments import MUTANTS_EQUIVALENT, Assignment

SUBMISSION_ID = "student"  # the one entry of the batch folder that run_autograder makes
SETUP, RUN = "setup.sh", "run_autograder"
_EXECUTABLE, _PLAIN = stat.S_IFREG | 0o755, stat.S_IFREG | 0o644
_ASSIGNMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def _assignment_name(assignment: str) -> str:
    if not _ASSIGNMENT_NAME.fullmatch(assignment):
        raise ValueError(f"not an assignment name: {assignment!r} (letters, digits, _ . -)")
    return shlex.quote(assignment)


def setup_script(assignment: str, wheel: str | None = None) -> str:
    """Gradescope's ``setup.sh`` for the autograder of ``assignment``: run once when the
    image is built, from the zip that :func:`write_autograder` made (the grader's ``wheel``,
    default: this grader's, ``assignments/``, ``solutions/``). Grading then needs no
    network; the image build fails, not a student's run, when the assignment cannot be
    loaded."""
    name = _assignment_name(assignment)
    wheel_file = shlex.quote(wheel or wheel_name())
    return f"""#!/usr/bin/env bash
# setup.sh: Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends bubblewrap python3.11 python3.11-venv
python3.11 -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
/autograder/venv/bin/pip install torch==2.13.0 --index-url {_TORCH_CPU_INDEX}
/autograder/venv/bin/pip install /autograder/source/{wheel_file}
cd /autograder/source
/autograder/venv/bin/python -c "from pathlib import Path; from grader.model.assignments import \\
load_assignment; load_assignment(Path('assignments/{name}'))"
"""


def run_autograder_script(assignment: str) -> str:
    """Gradescope's ``run_autograder`` for ``assignment``: grades ``/autograder/submission``
    with public and hidden checks through ``grade batch``, the course being the unpacked
    zip in ``/autograder/source``, and copies the submission's ``gradescope.json`` to
    ``/autograder/results/results.json``. When grading itself fails it writes no results
    and exits non-zero, so that Gradescope reports an autograder failure to the course staff
    instead of giving the student a zero.

    ``AUTOGRADER_ROOT`` (default ``/autograder``) and ``GRADE_VENV`` (default
    ``$AUTOGRADER_ROOT/venv``) let it run outside Gradescope, to try an autograder."""
    name = _assignment_name(assignment)
    return f"""#!/usr/bin/env bash
# run_autograder: Gradescope runs this once per submission, as /autograder/run_autograder.
# Elsewhere: AUTOGRADER_ROOT=DIR (holding source/ and submission/) GRADE_VENV=VENV run_autograder
set -u
root="${{AUTOGRADER_ROOT:-/autograder}}"
export PATH="${{GRADE_VENV:-$root/venv}}/bin:$PATH"
work="$(mktemp -d)" || exit 2
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/subs" "$root/results"
cp -R "$root/submission" "$work/subs/{SUBMISSION_ID}"
cd "$root/source"
grade batch "$work/subs" --assignment {name} --out "$work/out" --course "$root/source"
status=$?
if [ -f "$work/out/{SUBMISSION_ID}/gradescope.json" ]; then
    cp "$work/out/{SUBMISSION_ID}/gradescope.json" "$root/results/results.json"
    exit 0
fi
echo "run_autograder: grade batch wrote no gradescope.json (exit status $status)" >&2
if [ "$status" -eq 0 ]; then status=2; fi
exit "$status"
"""


@dataclass(frozen=True)
class Autograder:
    """The zip written, and what it holds."""

    path: Path
    assignment: str
    wheel: str
    entries: tuple[str, ...]
    size: int


def write_autograder(assignment: Assignment, out: Path) -> Autograder:
    """Write the Gradescope autograder zip of ``assignment`` to ``out``, replacing it.

    Refused: an assignment whose recorded references are stale or missing (as by ``grade
    release``), or without a solution (the hidden checks' references come from it). The zip
    is written beside ``out`` and moved into place, so a refusal or a failure leaves no half
    written one."""
    try:
        name = _assignment_name(assignment.name)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if assignment.solution is None:
        raise UsageError(f"cannot make the autograder of {name}: no reference solution at "
                         f"solutions/{name}/{assignment.module}.py")
    require_fresh_references(assignment, "make the autograder of")
    if out.is_dir():
        raise UsageError(f"--out {out} is a folder; name the zip file to write")
    target = out.resolve()  # not itself, were it written inside the assignment
    entries: list[tuple[str, bytes, int]] = []
    with tempfile.TemporaryDirectory(prefix="grade-gradescope-") as scratch:
        wheel = build_wheel(Path(scratch))
        entries.append((SETUP, setup_script(name, wheel.name).encode(), _EXECUTABLE))
        entries.append((RUN, run_autograder_script(name).encode(), _EXECUTABLE))
        entries.append((wheel.name, wheel.read_bytes(), _PLAIN))
    folders = (("assignments", assignment.root), ("solutions", assignment.solution.parent))
    for folder, root in folders:
        for path, rel in course_files(root):
            if rel != Path(MUTANTS_EQUIVALENT) and path.resolve() != target:
                entries.append((f"{folder}/{name}/{rel.as_posix()}", path.read_bytes(), _PLAIN))
    try:
        _write_atomically(out, entries)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    return Autograder(out, name, wheel.name, tuple(e[0] for e in entries),
                      out.stat().st_size)


def _write_atomically(out: Path, entries: list[tuple[str, bytes, int]]) -> None:
    """The zip written beside ``out`` and renamed into place: never half written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=f".{out.name}-", dir=out.parent)
    os.close(handle)
    try:
        write_zip(Path(partial), entries)
        os.chmod(partial, 0o644)  # mkstemp's file is its owner's only
        os.replace(partial, out)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
