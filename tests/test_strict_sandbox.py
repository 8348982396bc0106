"""The strict sandbox level (bubblewrap): what a submission cannot see or do there.

Each test grades a hostile variant of the correct solution and asserts the side effect it
tried is absent. They skip, with the reason, where bubblewrap cannot run; CI installs it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from grader.sandbox.jail import choose_level, strict_problem
from helpers import ROOT, SOLUTION_04, failing, solution_source

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(strict_problem() is not None,
                                 reason=f"strict sandbox unavailable: {strict_problem()}")]


@pytest.fixture
def strict(grade):
    def run(prefix: str):
        result = grade(prefix + "\n" + solution_source())
        assert result.status == "graded", result.message
        assert result.environment is not None and result.environment.sandbox == "strict"
        assert failing(result) == set()  # the attempt changes no verdict
        return result
    return run


def test_auto_chooses_strict_where_bubblewrap_works():
    assert choose_level("auto") == "strict"


def test_cli_reports_the_level_and_refuses_strict_without_bubblewrap(tmp_path):
    env = {**os.environ, "PATH": "/nonexistent"}
    done = subprocess.run([sys.executable, "-m", "grader", "check", str(SOLUTION_04),
                           "--assignment", "04_custom_function", "--out", str(tmp_path),
                           "--sandbox", "strict"], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == ("grade: the strict sandbox is not available: bubblewrap "
                                   "(bwrap) is not installed")
    assert not (tmp_path / "04_custom_function").exists()


FILL = '''
import os as _os
_written, _stopped = 0, None
for _place in (_os.getcwd(), "/tmp", "/dev/shm"):
    for _i in range(1000):
        try:
            with open(_os.path.join(_place, f"fill-{_i}"), "wb") as _f:
                _f.write(b"x" * (1 << 20))
            _written += 1
        except OSError as _exc:
            _stopped = _exc.strerror
            break
print(f"WROTE {_written} MiB, STOPPED BY {_stopped}", flush=True)
'''

LOOK = '''
import os as _os
_left = [n for p in (_os.getcwd(), "/tmp", "/tmp/work", "/dev/shm") if _os.path.isdir(p)
         for n in _os.listdir(p) if n.startswith("fill-")]
print(f"FOUND {len(_left)} FILES", flush=True)
'''


def test_a_submission_fills_only_its_capped_memory_and_the_next_one_finds_nothing(grade):
    """3 GB in 1 MiB files (under the file size limit) into its work dir, /tmp and /dev/shm:
    stopped by the jail's cap, on no disk of the host; the next submission the same worker
    grades finds none of those files."""
    from grader.sandbox.jail import SCRATCH_MB

    filled = grade(FILL + "\n" + solution_source())
    assert filled.status == "graded" and failing(filled) == set(), filled.message
    line = next(x for x in filled.output.stdout.splitlines() if x.startswith("WROTE"))
    written = int(line.split()[1])
    assert "No space left on device" in line and written <= SCRATCH_MB, line
    looked = grade(LOOK + "\n" + solution_source())
    assert "FOUND 0 FILES" in looked.output.stdout, looked.output.stdout


MANY_FILES = '''
import os as _os
_made, _stopped = 0, None
for _place in ("/tmp", "/dev/shm"):
    for _i in range(50_000):
        try:
            open(_os.path.join(_place, f"fill-empty-{_i}"), "wb").close()
            _made += 1
        except OSError as _exc:
            _stopped = _exc.strerror
            break
print(f"MADE {_made} FILES, STOPPED BY {_stopped}", flush=True)
'''


def test_a_submission_cannot_pin_kernel_memory_in_millions_of_empty_files(grade):
    """Empty files use no pages, so the size cap does not count them; each still costs the
    host an inode. 100,000 of them in /tmp and /dev/shm: stopped at the file cap."""
    from grader.sandbox.jail import SCRATCH_FILES, _scratch_wrapper

    if _scratch_wrapper() is None:
        pytest.skip("no unprivileged user namespaces for the scratch wrapper: size cap only")
    made = grade(MANY_FILES + "\n" + solution_source())
    assert made.status == "graded" and failing(made) == set(), made.message
    line = next(x for x in made.output.stdout.splitlines() if x.startswith("MADE"))
    assert "No space left on device" in line and int(line.split()[1]) <= SCRATCH_FILES, line
    looked = grade(LOOK + "\n" + solution_source())
    assert "FOUND 0 FILES" in looked.output.stdout, looked.output.stdout


def test_without_the_scratch_wrapper_bubblewrap_caps_the_size_alone(monkeypatch, tmp_path):
    """Where user namespaces of the grader's own are refused, the jail still starts, with
    bubblewrap's size-capped tmpfs."""
    from grader.sandbox import jail

    monkeypatch.setattr(jail, "_scratch_wrapper", lambda: None)
    line = jail.command(["/bin/sh", "-c", "df -k /tmp /dev/shm"], tmp_path,
                        jail.GRADER_PACKAGE, False, writable_root=False, scratch_mb=8)
    assert line[0].endswith("bwrap") and "--size" in line
    done = subprocess.run(line, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    sizes = [int(row.split()[1]) for row in done.stdout.splitlines()[1:]]
    assert sizes == [6 << 10, 2 << 10], done.stdout
