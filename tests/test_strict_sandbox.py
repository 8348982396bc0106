"""The strict sandbox level (bubblewrap): what a submission cannot see or do there.

Each test grades a hostile variant of the correct solution and asserts the side effect it
tried is absent. They skip, with the reason, where bubblewrap cannot run; CI installs it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT, SOLUTION_04, failing, solution_source
from grader.jail import choose_level, strict_problem

pytestmark = pytest.mark.skipif(strict_problem() is not None,
                                reason=f"strict sandbox unavailable: {strict_problem()}")


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


def test_solutions_hidden_checks_and_the_repository_are_not_visible(strict):
    secret = [str(SOLUTION_04), str(ROOT / "assignments" / "04_custom_function" / "checks")]
    result = strict(f"""
import os
for path in {secret!r}:
    try:
        print(path, "VISIBLE", os.listdir(path) if os.path.isdir(path) else open(path).read()[:30])
    except OSError as exc:
        print(path, "HIDDEN", type(exc).__name__)
try:
    print("REPOSITORY", sorted(os.listdir({str(ROOT)!r})))
except OSError:
    print("REPOSITORY", [])
""")
    out = result.output.stdout
    assert "VISIBLE" not in out and out.count("HIDDEN") == 2, out
    # A virtual environment inside the repository is bound (read-only), nothing else of it.
    listing = next(line for line in out.splitlines() if line.startswith("REPOSITORY"))
    assert not any(name in listing for name in ("solutions", "assignments", "tests", "grader",
                                                "README.md")), listing


def test_no_network_not_even_the_hosts_loopback(strict):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        result = strict(f"""
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
    print("NET-OPEN")
except OSError as exc:
    print("NET-BLOCKED", exc)
""")
    assert "NET-BLOCKED" in result.output.stdout, result.output.stdout


def test_files_written_outside_the_work_dir_do_not_exist_afterwards(strict, tmp_path):
    targets = [tmp_path / "result.json", ROOT / "reports" / "forged.json", Path("/tmp/forged")]
    strict(f"""
for path in {[str(t) for t in targets]!r}:
    try:
        with open(path, "w") as f:
            f.write("{{}}")
    except OSError:
        pass
""")
    assert not any(t.exists() for t in targets)


def test_a_daemon_does_not_outlive_the_submission(strict):
    marker = f"{time.time_ns() % 10**9}.25"
    strict(f"""
import os, subprocess
if os.fork() == 0:
    os.setsid()
    subprocess.Popen(["sleep", "{marker}"], start_new_session=True)
    os._exit(0)
""")
    time.sleep(0.5)
    alive = subprocess.run(["pgrep", "-f", f"sleep {marker}"], capture_output=True, text=True)
    assert alive.stdout.strip() == "", f"left behind: {alive.stdout}"


def test_grader_environment_is_not_passed_in(strict, monkeypatch):
    monkeypatch.setenv("GRADE_TEST_TOKEN", "s3cr3t")
    result = strict("import os\nprint('TOKEN', os.environ.get('GRADE_TEST_TOKEN'))")
    assert "TOKEN None" in result.output.stdout


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


def test_a_file_written_beside_the_work_dir_does_not_reach_the_host(strict):
    name = f"forged-{time.time_ns()}.json"
    strict(f"open('../{name}', 'w').write('{{}}')")
    assert not (Path(tempfile.gettempdir()) / name).exists()
