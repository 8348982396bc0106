"""The command line as the README states it: outputs, schema and exit codes, with real children."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.cli import main
from grader.results import SCHEMA, SubmissionResult
from helpers import ASSIGNMENT_04, ROOT, SOLUTION_04, SUBMISSIONS_04

pytestmark = pytest.mark.slow  # real child processes and commands


CHECK_KEYS = {"id", "exercise", "device", "hidden", "status", "score", "max_score", "message"}


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=300)


def test_check_a_stub_folder_writes_contract_outputs_and_exits_1(tmp_path, capsys):
    code = main(["check", str(ASSIGNMENT_04), "--out", str(tmp_path)])
    assert code == 1
    printed = capsys.readouterr().out
    assert "not implemented yet" in printed
    assert "more hidden checks run when graded" in printed
    assert str(tmp_path / "04_custom_function" / "report.html") in printed
    data = json.loads((tmp_path / "04_custom_function" / "result.json").read_text())
    assert data["schema"] == SCHEMA and data["assignment"] == "04_custom_function"
    assert data["status"] == "graded" and data["error"] is None
    assert data["score"] == 0 and data["max_score"] > 0
    assert all(CHECK_KEYS <= set(c) for c in data["checks"])
    assert {c["status"] for c in data["checks"]} <= {"failed", "skipped"}
    assert SubmissionResult.from_dict(data).to_dict() == data
    html = (tmp_path / "04_custom_function" / "report.html").read_text()
    assert "not implemented yet" in html


def test_check_a_correct_file_with_assignment_name_exits_0(tmp_path):
    done = run_cli("check", str(SOLUTION_04), "--assignment", "04_custom_function",
                   "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "04_custom_function" / "result.json").read_text())
    assert data["score"] == data["max_score"] and data["submission"] == "04_custom_function"
    assert "Traceback" not in done.stdout + done.stderr


def test_default_out_is_reports_in_the_current_directory(tmp_path):
    course = tmp_path / "course"
    (course / "assignments").mkdir(parents=True)
    (course / "assignments" / "04_custom_function").symlink_to(ASSIGNMENT_04)
    (course / "solutions").symlink_to(ROOT / "solutions")
    done = run_cli("check", cwd=course)
    assert done.returncode == 1, done.stderr
    assert (course / "reports" / "04_custom_function" / "result.json").is_file()
    assert "Report: reports/04_custom_function/report.html" in done.stdout


def test_syntax_error_is_one_line_with_file_and_line(tmp_path):
    bad = tmp_path / "custom_function.py"
    bad.write_text("import torch\n\ndef relu_linear_grads(w, b, X, Y:\n    pass\n")
    done = run_cli("check", str(bad), "--assignment", "04_custom_function",
                   "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    assert "custom_function.py, line 3: SyntaxError" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    data = json.loads((tmp_path / "out" / "04_custom_function" / "result.json").read_text())
    assert data["status"] == "error" and "line 3" in data["error"]


@pytest.mark.parametrize("args, phrase", [
    (["check", "--assignment", "05_nope"], "no assignment named '05_nope' (known: "),
    (["check", "/no/such/path"], "does not exist"),
    (["check", str(SUBMISSIONS_04 / "bug_sum_loss.py")], "pass --assignment NAME"),
    (["check", "--no-such-option"], "No such option"),
])
def test_grader_problems_are_one_line_and_exit_2(args, phrase):
    done = run_cli(*args)
    assert done.returncode == 2
    assert phrase in done.stderr
    assert "Traceback" not in done.stderr
    if args[1] != "--no-such-option":
        assert len(done.stderr.strip().splitlines()) == 1


def test_broken_checks_file_is_a_grader_error(tmp_path):
    broken = tmp_path / "assignments" / "99_broken"
    (broken / "checks").mkdir(parents=True)
    (broken / "assignment.toml").write_text('module = "m"\nexercises = ["f"]\n')
    (broken / "checks" / "public.py").write_text("this is not python\n")
    (broken / "m.py").write_text("def f(): pass\n")
    done = run_cli("check", "--assignment", "99_broken", cwd=tmp_path)
    assert done.returncode == 2
    assert "cannot load checks" in done.stderr and "Traceback" not in done.stderr


def test_missing_reference_solution_is_a_grader_error(tmp_path):
    course = tmp_path / "course"
    (course / "assignments").mkdir(parents=True)
    shutil.copytree(ASSIGNMENT_04, course / "assignments" / "04_custom_function",
                    ignore=shutil.ignore_patterns("references"))
    done = run_cli("check", cwd=course)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "no reference results: no recorded references" in done.stderr
    assert "no solution at solutions/04_custom_function/custom_function.py" in done.stderr
    assert "grade build --assignment 04_custom_function" in done.stderr


def test_console_script_and_version():
    script = Path(sys.executable).parent / "grade"
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and "grade" in done.stdout


def test_a_hint_shared_by_several_failed_checks_is_printed_once_per_exercise(tmp_path, capsys):
    notes = ROOT / "tests" / "submissions" / "05_linear_regression" / "notes_code.py"
    code = main(["check", str(notes), "--assignment", "05_linear_regression",
                 "--out", str(tmp_path)])
    assert code == 1
    printed = capsys.readouterr().out
    train_step_hint = "Hint: train_step must take the learning rate"
    assert printed.count(train_step_hint) == 1
    lines = printed.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  ✗ train_step "))
    end = next(i for i, line in enumerate(lines) if line.startswith("  ✗ train_model "))
    failed = [line for line in lines[start + 1:end] if line.lstrip().startswith("✗")]
    hints = [line.strip() for line in lines[start + 1:end] if line.lstrip().startswith("Hint")]
    assert len(failed) == len(hints) >= 2
    assert hints[0].startswith(train_step_hint) and set(hints[1:]) == {"Hint: as above"}
    data = json.loads((tmp_path / "05_linear_regression" / "result.json").read_text())
    lost = [c for c in data["checks"] if c["exercise"] == "train_step" and c["device"] == "cpu"]
    assert all(train_step_hint in c["message"] for c in lost)  # result.json keeps every hint


# --- the course folder from anywhere, and batch ids --------------------------------------

def run_from(cwd: Path, *args: str, course_env: Path | None = None
             ) -> subprocess.CompletedProcess[str]:
    """``grade ARGS`` run in ``cwd`` with GRADE_COURSE set to ``course_env`` (else unset)."""
    env = {k: v for k, v in os.environ.items() if k != "GRADE_COURSE"}
    if course_env is not None:
        env["GRADE_COURSE"] = str(course_env)
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=300)


@pytest.mark.parametrize("args", [
    ["check", "--assignment", "04_custom_function"],
    ["ci", "--assignment", "04_custom_function"],
    ["build", "--assignment", "04_custom_function"],
    ["release", "--out", "students", "--assignment", "04_custom_function"],
    ["batch", ".", "--assignment", "04_custom_function", "--out", "graded"],
])
def test_outside_a_course_no_assignment_says_where_it_looked_and_how_to_point(tmp_path, args):
    done = run_from(tmp_path, *args)
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "no assignment named '04_custom_function'" in line
    assert str(tmp_path.resolve() / "assignments") in line
    assert "--course DIR" in line and "GRADE_COURSE" in line


def test_a_course_named_by_grade_course_is_where_assignments_are_looked_for(tmp_path):
    elsewhere = tmp_path / "other-course"
    (elsewhere / "assignments").mkdir(parents=True)
    done = run_from(tmp_path, "check", "--assignment", "04_custom_function",
                    course_env=elsewhere)
    assert done.returncode == 2
    assert str(elsewhere / "assignments") in done.stderr and "from GRADE_COURSE" in done.stderr
    missing = run_from(tmp_path, "check", "--course", "nowhere", "--assignment", "04_x")
    assert missing.returncode == 2
    assert missing.stderr.strip() == ("grade: --course nowhere: no such folder (it names the "
                                      "course folder, the one holding assignments/)")


@pytest.mark.parametrize("how", ["--course", "GRADE_COURSE"])
def test_check_from_another_folder_finds_the_course_by_course_or_grade_course(tmp_path, how):
    args = ["check", str(SOLUTION_04), "--assignment", "04_custom_function", "--out", "r"]
    if how == "--course":
        done = run_from(tmp_path, *args, "--course", str(ROOT))
    else:
        done = run_from(tmp_path, *args, course_env=ROOT)
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "r" / "04_custom_function" / "result.json").read_text())
    assert data["score"] == data["max_score"] > 0


def test_batch_with_course_gives_whole_name_ids_and_a_line_per_refused_entry(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    stub = ASSIGNMENT_04 / "custom_function.py"
    (subs / "hw4_alice.py").write_text(SOLUTION_04.read_text())
    (subs / "hw4_bob.py").write_text(stub.read_text())
    first, second = "carol_11_22_custom_function.py", "carol_LATE_11_23_custom_function.py"
    (subs / first).write_text(SOLUTION_04.read_text())
    (subs / second).write_text(SOLUTION_04.read_text())

    done = run_from(tmp_path, "batch", "subs", "--assignment", "04_custom_function", "--out",
                    "graded", "--workers", "1", "--course", str(ROOT))

    assert done.returncode == 1, done.stderr  # carol's id could not be graded
    assert "Traceback" not in done.stderr
    results = {sid: json.loads((tmp_path / "graded" / sid / "result.json").read_text())
               for sid in ("hw4_alice", "hw4_bob", "carol")}
    assert results["hw4_alice"]["score"] == results["hw4_alice"]["max_score"] > 0
    assert results["hw4_bob"]["status"] == "graded" and results["hw4_bob"]["score"] == 0
    assert results["carol"]["status"] == "error"
    refused = [line for line in done.stderr.splitlines() if line.startswith("not graded: ")]
    assert len(refused) == 2
    for this, other in ((first, second), (second, first)):
        assert any(line.startswith(f"not graded: {this}: ") and other in line
                   for line in refused)


def test_batch_with_grade_course_and_an_id_pattern_says_what_it_does_not_match(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "hw4_alice.py").write_text(SOLUTION_04.read_text())
    (subs / "scratch.py").write_text(SOLUTION_04.read_text())

    done = run_from(tmp_path, "batch", "subs", "--assignment", "04_custom_function", "--out",
                    "graded", "--workers", "1", "--id-pattern", r"^hw4_(?P<id>\w+)\.py$",
                    course_env=ROOT)

    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "graded").iterdir() if p.is_dir()) == ["alice"]
    assert r"not graded: scratch.py: does not match --id-pattern '^hw4_(?P<id>\w+)\.py$'" \
        in done.stderr.splitlines()
    bad = run_from(tmp_path, "batch", "subs", "--assignment", "04_custom_function", "--out",
                   "graded", "--id-pattern", "hw4_(", course_env=ROOT)
    assert bad.returncode == 2 and "not a regular expression" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_check_without_a_path_prints_one_line_per_assignment_and_details_with_v(tmp_path):
    """Over every assignment of the course: a line each (status, total, report) and the
    command's time; -v prints every failed check, as a single assignment does."""
    course = tmp_path / "course"
    names = ["02_views", "04_custom_function"]  # two are a course, and quick to grade
    for name in names:
        shutil.copytree(ROOT / "assignments" / name, course / "assignments" / name)
    short = run_cli("check", "--out", str(tmp_path / "short"), cwd=course)
    assert short.returncode == 1, short.stderr
    lines = short.stdout.strip().splitlines()
    assert [line.split()[1] for line in lines[:-1]] == names, short.stdout
    assert all(line.startswith("✗") and "checks failed" in line for line in lines[:-1])
    assert "Hint:" not in short.stdout and "not implemented yet" not in short.stdout
    assert lines[-1].startswith("(") and "grade check -v" in lines[-1]
    verbose = run_cli("check", "-v", "--out", str(tmp_path / "long"), cwd=course)
    assert verbose.returncode == 1
    assert "not implemented yet" in verbose.stdout
    assert all(f"{name} — " in verbose.stdout for name in names)


def test_the_time_printed_is_the_whole_commands(tmp_path):
    """Start-up included: at least the grading time result.json records, and about the
    time the command took."""
    import time

    began = time.monotonic()
    done = run_cli("check", str(ASSIGNMENT_04), "--out", str(tmp_path))
    took = time.monotonic() - began
    printed = float(done.stdout.strip().splitlines()[-1].rsplit("(", 1)[1].split()[0])
    result = SubmissionResult.from_json(
        (tmp_path / ASSIGNMENT_04.name / "result.json").read_text())
    assert result.duration_s < printed <= took
    assert printed > took / 2  # the interpreter's own start is all that is left out


def test_exercise_narrows_check_and_ci_to_the_exercises_named(tmp_path, capsys):
    """--exercise is repeatable; the score and the reports count those exercises alone, and
    say so; ci takes it too."""
    alice = ROOT / "examples" / "alice" / "custom_function.py"
    code = main(["check", str(alice), "-a", "04_custom_function", "--exercise", "MyReLU",
                 "-e", "relu_linear_grads", "--out", str(tmp_path / "check")])
    printed = capsys.readouterr().out
    assert code == 1
    record = json.loads((tmp_path / "check" / "04_custom_function" / "result.json").read_text())
    assert {c["exercise"] for c in record["checks"]} == {"MyReLU", "relu_linear_grads"}
    assert record["exercises"] == ["MyReLU", "relu_linear_grads"]
    assert record["max_score"] == 9  # 6 + 3 public points
    assert "only MyReLU, relu_linear_grads checked" in printed
    assert "MyLeakyReLU" not in printed
    code = main(["ci", str(alice), "-a", "04_custom_function", "-e", "MyLeakyReLU",
                 "--out", str(tmp_path / "ci")])
    assert code == 0  # alice's MyLeakyReLU is right
    summary = (tmp_path / "ci" / "summary.md").read_text()
    assert "MyLeakyReLU" in summary and "MyReLU " not in summary


def test_an_unknown_exercise_is_one_line_naming_the_ones_there_are(tmp_path):
    done = run_cli("check", str(ASSIGNMENT_04), "--exercise", "MyRelu", "--out", str(tmp_path))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("grade: 04_custom_function has no exercise 'MyRelu': choose from "
                           "MyReLU, MyLeakyReLU, relu_linear_grads\n")
    several = run_cli("check", "--exercise", "MyReLU", "--out", str(tmp_path))
    assert several.returncode == 2 and "--exercise needs one assignment" in several.stderr
