"""The two scripts that make a Gradescope autograder of ``grade``: ``setup.sh`` builds the
image, ``run_autograder`` grades one submission through ``grade batch`` and hands Gradescope
the ``gradescope.json`` that :mod:`grader.reports.gradescope` wrote."""

from __future__ import annotations

import re
import shlex

SUBMISSION_ID = "student"  # the one entry of the batch folder that run_autograder makes
_ASSIGNMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def _assignment_name(assignment: str) -> str:
    if not _ASSIGNMENT_NAME.fullmatch(assignment):
        raise ValueError(f"not an assignment name: {assignment!r} (letters, digits, _ . -)")
    return shlex.quote(assignment)


def setup_script(assignment: str) -> str:
    """Gradescope's ``setup.sh`` for the autograder of ``assignment``: run once when the
    image is built, from the zip whose root holds the course repository (``grader/``,
    ``assignments/``, ``solutions/``). Grading then needs no network; the image build
    fails, not a student's run, when the assignment cannot be loaded."""
    name = _assignment_name(assignment)
    return f"""#!/usr/bin/env bash
# setup.sh: Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends bubblewrap python3.11 python3.11-venv
python3.11 -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
/autograder/venv/bin/pip install torch==2.13.0 --index-url {_TORCH_CPU_INDEX}
/autograder/venv/bin/pip install /autograder/source
cd /autograder/source
/autograder/venv/bin/python -c "from pathlib import Path; from grader.model.assignments import \\
load_assignment; load_assignment(Path('assignments/{name}'))"
"""


def run_autograder_script(assignment: str) -> str:
    """Gradescope's ``run_autograder`` for ``assignment``: grades ``/autograder/submission``
    with public and hidden checks through ``grade batch`` and copies the submission's
    ``gradescope.json`` to ``/autograder/results/results.json``. When grading itself fails
    it writes no results and exits non-zero, so that Gradescope reports an autograder
    failure to the course staff instead of giving the student a zero."""
    name = _assignment_name(assignment)
    return f"""#!/usr/bin/env bash
# run_autograder: Gradescope runs this once per submission, in /autograder.
set -u
export PATH=/autograder/venv/bin:$PATH
rm -rf /tmp/subs /tmp/out
mkdir -p /tmp/subs /autograder/results
cp -R /autograder/submission /tmp/subs/{SUBMISSION_ID}
cd /autograder/source
grade batch /tmp/subs --assignment {name} --out /tmp/out
status=$?
if [ -f /tmp/out/{SUBMISSION_ID}/gradescope.json ]; then
    cp /tmp/out/{SUBMISSION_ID}/gradescope.json /autograder/results/results.json
    exit 0
fi
echo "run_autograder: grade batch wrote no gradescope.json (exit status $status)" >&2
if [ "$status" -eq 0 ]; then status=2; fi
exit "$status"
"""
