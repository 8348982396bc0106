"""Gradescope's results.json, from results built in memory and from a real grading."""

from __future__ import annotations

import copy
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from grader.course.gradescope import run_autograder_script, setup_script, write_autograder
from grader.course.wheel import wheel_name
from grader.errors import UsageError
from grader.model.assignments import load_assignment
from grader.reports.gradescope import (
    to_gradescope,
    validate_gradescope,
    write_gradescope,
)
from grader.results import SCHEMA, CheckResult, CheckStatus, Environment, SubmissionResult
from helpers import ASSIGNMENT_04, ROOT, SOLUTIONS, Grade

ALICE = ROOT / "examples" / "alice" / "custom_function.py"
NO_CUDA = "no CUDA device here"


def _check(check_id: str, device: str = "cpu", *, hidden: bool = False,
           status: CheckStatus = "passed", score: float = 1.0, max_score: float = 1.0,
           message: str = "", title: str = "", summary: str | None = None) -> CheckResult:
    """A check's result; its summary (the grader's own words) is its message unless given."""
    return CheckResult(id=check_id, exercise=check_id.split("/")[0], device=device,
                       hidden=hidden, status=status, score=score, max_score=max_score,
                       message=message, title=title,
                       summary=message if summary is None else summary)


def _graded(*, hidden_random_passes: bool = True) -> SubmissionResult:
    """Public checks first, hidden after, as grading lists them; one check ran on two
    devices, the others were skipped on cuda."""
    random_score = 1.0 if hidden_random_passes else 0.0
    checks = [
        _check("MyReLU/forward", title="forward gives input.clamp(min=0)"),
        _check("MyReLU/forward", "cuda", status="skipped", score=0, max_score=0,
               message=NO_CUDA, title="forward gives input.clamp(min=0)",
               summary="not run on this machine"),
        _check("MyReLU/grad_at_zero", status="failed", score=0,
               message="input.grad: 2 of 5 values differ\nHint: mask with `input > 0`",
               title="gradient at exactly 0 is 0"),
        _check("relu_linear_grads/notes", status="timeout", score=0, max_score=2,
               message="took longer than 10 s"),
        _check("MyReLU/devices", score=0.5, max_score=0.5, title="stays on its device"),
        _check("MyReLU/devices", "cuda", score=0.5, max_score=0.5,
               title="stays on its device"),
        _check("relu_linear_grads/random", hidden=True,
               status="passed" if hidden_random_passes else "failed",
               score=random_score, message="" if hidden_random_passes else "w.grad differs",
               title="a random batch",
               summary="" if hidden_random_passes else "the result differs"),
        _check("MyReLU/empty", hidden=True, status="error", score=0, max_score=0.5,
               message="IndexError: index 0 is out of bounds", title="an empty input",
               summary="the check did not finish"),
    ]
    return SubmissionResult(
        assignment="04_custom_function", submission="alice", status="graded",
        score=sum(c.score for c in checks), max_score=sum(c.max_score for c in checks),
        duration_s=2.2, checks=checks, title="Custom autograd Functions",
        exercises=["MyReLU", "MyLeakyReLU", "relu_linear_grads"],
        environment=Environment(grader_version="0.1.0", torch_version="2.13.0",
                                python_version="3.11.7", sandbox="strict"),
        notes=["cell 3 only ran its definitions"],
    )


def _error() -> SubmissionResult:
    message = "custom_function.py, line 1: SyntaxError: invalid syntax"
    checks = [
        _check("MyReLU/forward", status="error", score=0, message=message),
        _check("MyReLU/forward", "cuda", status="skipped", score=0, max_score=0,
               message=NO_CUDA),
        _check("MyReLU/hidden_shapes", hidden=True, status="error", score=0, max_score=2,
               message=message, summary="not run: the submission could not be loaded"),
    ]
    return SubmissionResult(
        assignment="04_custom_function", submission="bob", status="error", error=message,
        error_summary=message,  # a syntax error: the compiler's words
        score=0.0, max_score=3.0, duration_s=0.4, checks=checks,
        exercises=["MyReLU"],
    )


def test_one_test_per_check_and_device_that_ran_in_exercise_order() -> None:
    data = to_gradescope(_graded())
    assert [(t["number"], t["name"]) for t in data["tests"]] == [
        ("1.1", "MyReLU › forward gives input.clamp(min=0) [cpu]"),
        ("1.2", "MyReLU › gradient at exactly 0 is 0 [cpu]"),
        ("1.3", "MyReLU › stays on its device [cpu]"),
        ("1.4", "MyReLU › stays on its device [cuda]"),
        ("1.5", "MyReLU › an empty input [cpu]"),
        ("3.1", "relu_linear_grads › notes [cpu]"),  # no title: the check's own name
        ("3.2", "relu_linear_grads › a random batch [cpu]"),
    ]
    assert data["extra_data"]["skipped"] == 1
    assert "cuda checks skipped: not run on this machine" in data["output"]


def test_scores_statuses_and_messages() -> None:
    result = _graded()
    data = to_gradescope(result)
    tests = {t["extra_data"]["id"] + " " + t["extra_data"]["device"]: t for t in data["tests"]}
    assert data["score"] == result.score == 3.0
    assert sum(t["score"] for t in data["tests"]) == result.score
    assert sum(t["max_score"] for t in data["tests"]) == result.max_score
    assert tests["MyReLU/forward cpu"]["status"] == "passed"
    failed = tests["MyReLU/grad_at_zero cpu"]
    assert (failed["status"], failed["score"], failed["max_score"]) == ("failed", 0, 1)
    assert failed["output"] == "input.grad: 2 of 5 values differ\nHint: mask with `input > 0`"
    timeout, error = tests["relu_linear_grads/notes cpu"], tests["MyReLU/empty cpu"]
    assert (timeout["status"], timeout["output"]) == ("failed", "took longer than 10 s")
    assert timeout["extra_data"]["status"] == "timeout"
    assert (error["status"], error["extra_data"]["status"]) == ("failed", "error")
    # A hidden check in the grader's words: nothing the submission's process wrote.
    assert error["output"] == "the check did not finish"
    assert "IndexError" not in json.dumps(data)


def test_hidden_checks_wait_for_publication_public_ones_are_visible() -> None:
    data = to_gradescope(_graded())
    visibility = {t["extra_data"]["id"]: t["visibility"] for t in data["tests"]}
    assert visibility == {
        "MyReLU/forward": "visible", "MyReLU/grad_at_zero": "visible",
        "relu_linear_grads/notes": "visible", "MyReLU/devices": "visible",
        "relu_linear_grads/random": "after_published", "MyReLU/empty": "after_published",
    }
    assert data["stdout_visibility"] == "hidden"


def test_overview_reveals_nothing_of_hidden_outcomes() -> None:
    passes = to_gradescope(_graded(hidden_random_passes=True))
    fails = to_gradescope(_graded(hidden_random_passes=False))
    assert passes["score"] != fails["score"]
    assert passes["output"] == fails["output"]
    assert "Public checks: 2 / 5 points" in passes["output"]
    assert "Hidden checks: 1.5 points" in passes["output"]
    assert "cell 3 only ran its definitions" in passes["output"]


def test_error_submission_scores_zero_with_its_message_and_failed_tests() -> None:
    result = _error()
    data = to_gradescope(result)
    assert data["score"] == 0
    assert data["output"].splitlines()[0] == result.error
    assert [(t["name"], t["status"], t["score"]) for t in data["tests"]] == [
        ("MyReLU › forward [cpu]", "failed", 0),
        ("MyReLU › hidden_shapes [cpu]", "failed", 0),
    ]
    assert [t["output"] for t in data["tests"]] == [
        result.error, "not run: the submission could not be loaded"]


def test_a_graded_load_failure_shows_only_the_graders_words() -> None:
    """An exception at import could list what the child's stack holds (hidden checks'
    titles, code, inputs): a graded result shows its summary, result.json the message."""
    leak = "custom_function.py, line 3: RuntimeError: hidden: an empty input, shape (0, 4)"
    result = replace(_error(), error=leak, error_summary="the module raised an exception "
                     "while being imported (grade check shows which)")
    data = to_gradescope(result)
    assert "hidden:" not in json.dumps(data) and "shape (0, 4)" not in json.dumps(data)
    assert data["output"].startswith("the module raised an exception")
    assert json.loads(result.to_json())["error"] == leak
    assert data["extra_data"]["status"] == "error"
    validate_gradescope(data)


def test_top_level_fields() -> None:
    data = to_gradescope(_graded())
    assert data["execution_time"] == 3  # 2.2 s, rounded up to whole seconds
    assert data["extra_data"]["schema"] == SCHEMA
    assert data["extra_data"]["sandbox"] == "strict"
    assert data["extra_data"]["max_score"] == _graded().max_score
    assert to_gradescope(_error())["extra_data"]["sandbox"] is None


def test_written_file_round_trips_and_validates(tmp_path: Path) -> None:
    path = tmp_path / "out" / "alice" / "gradescope.json"
    write_gradescope(_graded(), path)
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert loaded == to_gradescope(_graded())
    validate_gradescope(loaded)
    assert [p.name for p in path.parent.iterdir()] == ["gradescope.json"]  # no temp file


ODD = ('quotes " and \', backslash \\ and \\n, tab\t, newline\n, NUL \x00, bell \x07, '
       'unicode ✓ › 𝛁, a lone surrogate \ud800, </pre><script>alert(1)</script>, {"x": 1}')


def test_odd_text_survives_json(tmp_path: Path) -> None:
    result = _graded()
    checks = [replace(c, message=ODD, summary=ODD, title=ODD) if c.status == "failed" else c
              for c in result.checks]
    result = replace(result, checks=checks, submission=ODD, notes=[ODD])
    path = tmp_path / "gradescope.json"
    write_gradescope(result, path)
    loaded = json.loads(path.read_bytes())
    failed = next(t for t in loaded["tests"] if t["extra_data"]["status"] == "failed")
    assert failed["output"] == ODD
    assert failed["name"] == f"MyReLU › {ODD} [cpu]"
    assert loaded["extra_data"]["submission"] == ODD
    assert ODD in loaded["output"]


def test_a_check_scoring_above_its_maximum_makes_no_document() -> None:
    result = _graded()
    bad = replace(result, checks=[replace(result.checks[0], score=2.0)])
    with pytest.raises(ValueError, match=r"tests\[0\].score 2.0 is above its max_score 1.0"):
        to_gradescope(bad)
    with pytest.raises(ValueError, match="score must be a finite number"):
        to_gradescope(replace(result, score=float("nan")))


def test_gradescope_documented_example_is_valid() -> None:
    validate_gradescope({
        "score": 44.0, "execution_time": 136, "output": "Text relevant to the submission",
        "output_format": "simple_format", "test_output_format": "text",
        "test_name_format": "text", "visibility": "after_due_date",
        "stdout_visibility": "visible", "extra_data": {},
        "tests": [{"score": 2.0, "max_score": 2.0, "status": "passed", "name": "Your name",
                   "name_format": "text", "number": "1.1", "output": "Giant string",
                   "output_format": "text", "tags": ["tag1", "tag2"],
                   "visibility": "visible", "extra_data": {}}],
        "leaderboard": [{"name": "Accuracy", "value": 0.926},
                        {"name": "Time", "value": 15.1, "order": "asc"},
                        {"name": "Stars", "value": "*****"}],
    })
    validate_gradescope({"tests": [{"score": 1, "max_score": 2}, {"score": 0}]})


def _set(path: str, value: object) -> Any:
    """A mutation of a valid document: set the value at ``tests.0.status``-like ``path``."""
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[last] = value
    return mutate


def _drop_scores(data: dict[str, Any]) -> None:
    """No top-level score, and one test without one."""
    del data["score"]
    del data["tests"][-1]["score"]


@pytest.mark.parametrize(("mutate", "message"), [
    (_set("grade", 1), "unknown key 'grade'"),
    (_set("tests.0.points", 1), r"unknown key 'tests\[0\].points'"),
    (_set("score", "4"), "score must be a finite number, got str"),
    (_set("score", True), "score must be a finite number, got bool"),
    (_set("score", float("inf")), "score must be a finite number"),
    (_set("execution_time", 2.5), "execution_time must be an integer, got float"),
    (_set("output", None), "output must be a string, got NoneType"),
    (_set("output_format", "rtf"), "output_format must be one of text, html, simple_format"),
    (_set("test_name_format", "markdown"), "test_name_format must be one of"),
    (_set("visibility", "public"), "visibility must be one of hidden, after_due_date, "
                                   "after_published, visible; got 'public'"),
    (_set("stdout_visibility", "always"), "stdout_visibility must be one of"),
    (_set("extra_data", []), "extra_data must be an object, got list"),
    (_set("extra_data", {"when": float("nan")}), "extra_data must hold only JSON values"),
    (_set("extra_data", {"path": Path("x")}), "extra_data must hold only JSON values"),
    (_set("tests", {}), "tests must be a list of objects, got dict"),
    (_set("tests", ["a test"]), "tests must be a list of objects, got list"),
    (_set("tests.0.status", "skipped"), r"tests\[0\].status must be one of passed, failed"),
    (_set("tests.0.max_score", "1"), r"tests\[0\].max_score must be a finite number"),
    (_set("tests.0.number", 1.1), r"tests\[0\].number must be a string, got float"),
    (_set("tests.0.tags", ["ok", 3]), r"tests\[0\].tags must be a list of strings"),
    (_set("tests.0.visibility", "later"), r"tests\[0\].visibility must be one of"),
    (_set("tests.0.name_format", "pdf"), r"tests\[0\].name_format must be one of"),
    (_set("tests.0.output_format", "pdf"), r"tests\[0\].output_format must be one of"),
    (_set("tests.0.extra_data", "x"), r"tests\[0\].extra_data must be an object"),
    (_set("tests.0.score", 1.5), r"tests\[0\].score 1.5 is above its max_score 1.0"),
    (_set("leaderboard", [{"name": "Accuracy"}]), r"leaderboard\[0\] lacks value"),
    (_set("leaderboard", [{"name": "Time", "value": 1, "order": "up"}]),
     r"leaderboard\[0\].order must be one of asc, desc"),
    (_set("leaderboard", [{"name": "Time", "value": None}]),
     r"leaderboard\[0\].value must be a finite number or a string"),
    (_drop_scores, "needs a top-level score, or a score on every test"),
])
def test_validation_rejects_each_broken_rule(mutate: Any, message: str) -> None:
    data = to_gradescope(_graded())
    validate_gradescope(copy.deepcopy(data))  # the document before the mutation is valid
    mutate(data)
    with pytest.raises(ValueError, match=message):
        validate_gradescope(data)


def test_validation_rejects_a_document_that_is_not_an_object() -> None:
    with pytest.raises(ValueError, match="must be an object, got list"):
        validate_gradescope([])  # type: ignore[arg-type]


def test_a_real_grading_exports_its_score_and_hides_hidden_checks(grade: Grade) -> None:
    result = grade(ALICE, scope="all")
    assert result.status == "graded" and 0 < result.score < result.max_score
    data = to_gradescope(result)
    validate_gradescope(json.loads(json.dumps(data)))
    assert data["score"] == result.score
    assert sum(t["score"] for t in data["tests"]) == pytest.approx(result.score)
    ran = [c for c in result.checks if c.status != "skipped"]
    assert len(data["tests"]) == len(ran)
    hidden = [t for t in data["tests"] if t["extra_data"]["hidden"]]
    assert hidden and all(t["visibility"] == "after_published" for t in hidden)
    assert all(t["visibility"] == "visible" for t in data["tests"] if t not in hidden)
    assert any(t["status"] == "failed" for t in hidden)  # alice's bug fails a hidden check


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("make", [run_autograder_script, setup_script])
def test_scripts_are_valid_bash(make: Any, tmp_path: Path) -> None:
    script = tmp_path / "script.sh"
    script.write_text(make("04_custom_function"))
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert script.read_text().startswith("#!/usr/bin/env bash\n")


def test_run_autograder_grades_the_submission_as_one_batch_entry() -> None:
    script = run_autograder_script("04_custom_function")
    lines = script.splitlines()
    assert 'root="${AUTOGRADER_ROOT:-/autograder}"' in lines
    assert 'export PATH="${GRADE_VENV:-$root/venv}/bin:$PATH"' in lines
    assert 'cp -R "$root/submission" "$work/subs/student"' in lines
    batch = ('grade batch "$work/subs" --assignment 04_custom_function --out "$work/out" '
             '--course "$root/source"')
    assert batch in lines
    copy_line = '    cp "$work/out/student/gradescope.json" "$root/results/results.json"'
    assert copy_line in lines
    assert lines.index(copy_line) > lines.index(batch)


def test_setup_installs_cpu_torch_bubblewrap_and_the_grader_from_its_wheel() -> None:
    lines = setup_script("04_custom_function", "torchgrade-9.9-py3-none-any.whl").splitlines()
    assert any("apt-get install" in line and "bubblewrap" in line for line in lines)
    assert any("pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
               in line for line in lines)
    assert ("/autograder/venv/bin/pip install /autograder/source/"
            "torchgrade-9.9-py3-none-any.whl") in lines
    assert f"/autograder/venv/bin/pip install /autograder/source/{wheel_name()}" in (
        setup_script("04_custom_function").splitlines())


@pytest.mark.parametrize("name", ["", "04; rm -rf /", "../04_custom_function", "$(id)",
                                  "a b", "-x"])
def test_scripts_refuse_what_is_not_an_assignment_name(name: str) -> None:
    for make in (run_autograder_script, setup_script):
        with pytest.raises(ValueError, match="not an assignment name"):
            make(name)


# The autograder zip: `grade gradescope NAME --out FILE.zip`, built and run as Gradescope does.

NAME = "04_custom_function"
WHEEL = wheel_name()


def _grade(*args: str, cwd: Path, env: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=600)


def _course(where: Path) -> Path:
    """A course folder of one assignment, 04, copied with its solution, holding what the zip
    must leave out: a mutants review (the real one), a cache and a compiled file."""
    course = where / "course"
    shutil.copytree(ASSIGNMENT_04, course / "assignments" / NAME,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copytree(SOLUTIONS / NAME, course / "solutions" / NAME,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    assert (course / "assignments" / NAME / "mutants-equivalent.toml").is_file()
    cache = course / "assignments" / NAME / "checks" / "__pycache__"
    cache.mkdir()
    (cache / "public.cpython-311.pyc").write_bytes(b"\0compiled")
    (course / "solutions" / NAME / "custom_function.pyc").write_bytes(b"\0compiled")
    return course


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(the zip, its course, what the command printed): made by the command line."""
    where = tmp_path_factory.mktemp("gradescope")
    course = _course(where)
    done = _grade("gradescope", NAME, "--course", str(course), cwd=where)
    assert done.returncode == 0, done.stderr
    return where / "autograder.zip", course, done.stdout


def _as_on_gradescope(archive: Path, where: Path) -> Path:
    """An autograder root laid out as Gradescope does: the zip unpacked into ``source/`` as
    unzip does (each file with the mode its entry records), alice's file in
    ``submission/``."""
    root = where / "autograder"
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            z.extract(info, root / "source")
            os.chmod(root / "source" / info.filename, (info.external_attr >> 16) & 0o777)
    (root / "submission").mkdir()
    shutil.copy(ALICE, root / "submission" / "custom_function.py")
    return root


def _run_autograder(root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The unpacked run_autograder, run from elsewhere with its root and venv moved."""
    return subprocess.run([str(root / "source" / "run_autograder")], cwd=root.parent,
                          env={**os.environ, "AUTOGRADER_ROOT": str(root),
                               "GRADE_VENV": sys.prefix, **env},
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_the_zip_holds_the_scripts_the_wheel_the_checks_and_the_solution(
        autograder: tuple[Path, Path, str]) -> None:
    archive, course, printed = autograder
    assert printed.count("\n") == 1 and printed.startswith("wrote autograder.zip (")
    assert f"setup.sh, run_autograder, {WHEEL}, assignments/{NAME}/ (" in printed
    with zipfile.ZipFile(archive) as z:
        infos = {i.filename: i for i in z.infolist()}
        own = course / "assignments" / NAME
        for rel in ("assignment.toml", "custom_function.py", "checks/public.py",
                    "checks/hidden.py", "references/manifest.json", "references/cpu.json"):
            assert z.read(f"assignments/{NAME}/{rel}") == (own / rel).read_bytes(), rel
        assert z.read(f"solutions/{NAME}/custom_function.py") == (
            course / "solutions" / NAME / "custom_function.py").read_bytes()
        setup = z.read("setup.sh").decode()
        with z.open(WHEEL) as raw, zipfile.ZipFile(raw) as wheel:
            packaged = wheel.namelist()
    assert f"/autograder/venv/bin/pip install /autograder/source/{WHEEL}" in setup
    assert "grader/cli.py" in packaged  # the grader alone: no course files in the wheel
    assert {n.split("/")[0] for n in packaged} == {"grader", f"{WHEEL.rsplit('-', 3)[0]}.dist-info"}
    names = set(infos)
    assert {n.split("/")[0] for n in names} == {"setup.sh", "run_autograder", WHEEL,
                                               "assignments", "solutions"}
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".toml"))
                and not n.endswith("assignment.toml")]  # no caches, no mutants review
    for name, info in infos.items():
        mode = info.external_attr >> 16
        assert stat.S_ISREG(mode), name
        expected = 0o755 if name in ("setup.sh", "run_autograder") else 0o644
        assert stat.S_IMODE(mode) == expected, (name, oct(mode))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_run_autograder_grades_a_submission_as_grade_batch_does(
        autograder: tuple[Path, Path, str], tmp_path: Path) -> None:
    """The zip unpacked as Gradescope does, the submission where Gradescope puts it, and
    run_autograder run with its root and venv moved; the grader that runs is the zip's
    wheel (put first on the path), the assignment the zip's (GRADE_COURSE points nowhere)."""
    archive, course, _ = autograder
    root = _as_on_gradescope(archive, tmp_path)
    wheel = tmp_path / "wheel"
    with zipfile.ZipFile(root / "source" / WHEEL) as z:
        z.extractall(wheel)
    env = {"PYTHONPATH": str(wheel), "GRADE_COURSE": str(tmp_path / "no-course-here")}
    where = subprocess.run([f"{sys.prefix}/bin/python", "-c",
                            "import grader; print(grader.__file__)"],
                           cwd=root / "source", env={**os.environ, **env},
                           capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()) == wheel / "grader" / "__init__.py"

    done = _run_autograder(root, **env)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    validate_gradescope(data)
    assert data["extra_data"]["submission"] == "student"
    hidden = [t for t in data["tests"] if t["extra_data"]["hidden"]]
    public = [t for t in data["tests"] if not t["extra_data"]["hidden"]]
    assert hidden and public
    assert all(t["visibility"] == "after_published" for t in hidden)
    assert all(t["visibility"] == "visible" for t in public)

    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(ALICE, subs / "alice.py")
    batch = _grade("batch", str(subs), "--assignment", NAME, "--out", str(tmp_path / "out"),
                   "--course", str(course), cwd=tmp_path)
    assert batch.returncode == 0, batch.stderr
    expected = json.loads((tmp_path / "out" / "alice" / "result.json").read_text())
    assert 0 < expected["score"] < expected["max_score"]
    assert data["score"] == expected["score"]
    assert data["extra_data"]["max_score"] == expected["max_score"]
    assert {(t["extra_data"]["id"], t["extra_data"]["device"], t["extra_data"]["status"])
            for t in data["tests"]} == {(c["id"], c["device"], c["status"])
                                        for c in expected["checks"] if c["status"] != "skipped"}


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_run_autograder_writes_no_results_when_grading_fails(
        autograder: tuple[Path, Path, str], tmp_path: Path) -> None:
    root = _as_on_gradescope(autograder[0], tmp_path)
    shutil.rmtree(root / "source" / "assignments")  # grade batch cannot find the assignment
    done = _run_autograder(root)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "no assignment named '04_custom_function'" in done.stderr
    assert "wrote no gradescope.json (exit status 2)" in done.stderr
    assert not (root / "results" / "results.json").exists()


@pytest.mark.slow
def test_an_unknown_assignment_is_one_line_and_exit_status_2(tmp_path: Path) -> None:
    done = _grade("gradescope", "99_nothing", "--course", str(ROOT), "--out", "a.zip",
                  cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("grade: no assignment named '99_nothing'")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stdout == "" and not (tmp_path / "a.zip").exists()


def test_stale_references_make_no_zip(tmp_path: Path) -> None:
    course = _course(tmp_path)
    public = course / "assignments" / NAME / "checks" / "public.py"
    public.write_text(public.read_text() + "\n# changed since the build\n")
    out = tmp_path / "autograder.zip"
    with pytest.raises(UsageError, match=r"^cannot make the autograder of 04_custom_function: "
                       r".*; run `grade build --assignment 04_custom_function` first$"):
        write_autograder(load_assignment(course / "assignments" / NAME), out)
    assert list(tmp_path.iterdir()) == [course]


def test_an_assignment_without_its_solution_makes_no_zip(tmp_path: Path) -> None:
    course = _course(tmp_path)
    shutil.rmtree(course / "solutions")
    with pytest.raises(UsageError, match="no reference solution at solutions/04_custom_"):
        write_autograder(load_assignment(course / "assignments" / NAME),
                         tmp_path / "autograder.zip")
    assert list(tmp_path.iterdir()) == [course]
