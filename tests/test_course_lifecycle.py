"""The course life cycle: ``grade build`` records references, ``grade release`` writes the
students' copy, and ``grade check`` in that copy alone, with no solution on disk, gives the
verdicts that checking inside the course repository gives.

Everything runs on a temporary copy of a course made of two real assignments (01 and 04) and
their solutions, through the real command line where the contract is at stake."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from grader import api
from grader.i18n import read_catalogue
from grader.model.assignments import discover, load_assignment
from grader.references import store
from grader.references.resolve import cuda_here
from grader.results import SubmissionResult
from helpers import ASSIGNMENTS, ROOT, SOLUTIONS, SUBMISSIONS, on_solution

pytestmark = pytest.mark.slow  # real child processes and commands

COURSE = ("01_tensor_basics", "04_custom_function")
BUGS = {"01_tensor_basics": ("bug_join_wraps_dim.py", "bug_range_end_excluded.py"),
        "04_custom_function": ("bug_float32_mask.py", "bug_leaky_no_slope.py")}


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=600, env=env)


def make_course(where: Path, names: tuple[str, ...] = COURSE, references: bool = False) -> Path:
    for name in names:
        shutil.copytree(ASSIGNMENTS / name, where / "assignments" / name,
                        ignore=shutil.ignore_patterns("__pycache__", "references"))
        shutil.copytree(SOLUTIONS / name, where / "solutions" / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
        if references:
            shutil.copytree(ASSIGNMENTS / name / "references",
                            where / "assignments" / name / "references")
    return where


def submissions(where: Path) -> dict[str, Path]:
    """For each assignment: its solution, its untouched stub and two one-bug variants."""
    out = {}
    for name in COURSE:
        assignment = load_assignment(ASSIGNMENTS / name)
        module = f"{assignment.module}.py"
        sources = {"solution": (SOLUTIONS / name / module).read_text(),
                   "stub": assignment.stub.read_text()}
        for bug in BUGS[name]:
            sources[bug.removesuffix(".py")] = on_solution(SUBMISSIONS / name / bug)
        for label, source in sources.items():
            path = where / f"{name}-{label}" / module
            path.parent.mkdir(parents=True)
            path.write_text(source)
            out[f"{name}/{label}"] = path
    return out


def verdicts(result: SubmissionResult) -> list[tuple[Any, ...]]:
    return [(c.id, c.device, c.status, c.score, c.max_score, c.message) for c in result.checks]


@pytest.fixture(scope="module")
def lifecycle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A course checked before any build, then built, released, and deleted."""
    base = tmp_path_factory.mktemp("lifecycle")
    course = make_course(base / "course")
    work = submissions(base / "work")
    before = {}
    for key, path in work.items():
        name = key.split("/")[0]
        (outcome,) = api.check(path, name, base / "course-reports" / key, cwd=course)
        before[key] = outcome.result
    built = run_cli("build", cwd=course)
    released = run_cli("release", "--out", str(base / "release"), cwd=course)
    course_files = {p.relative_to(course): p.read_bytes()
                    for p in course.rglob("*") if p.is_file()}
    shutil.rmtree(course)  # from here on, no solution is on disk but the package's own
    return {"base": base, "work": work, "before": before, "built": built,
            "released": released, "course_files": course_files,
            "release": base / "release"}


def test_build_records_and_release_writes(lifecycle: dict[str, Any]) -> None:
    built, released = lifecycle["built"], lifecycle["released"]
    assert built.returncode == 0, built.stdout + built.stderr
    for name in COURSE:
        assert f"✓ {name}: solution" in built.stdout
        assert "stub 0/" in built.stdout and "notebook stub 0/" in built.stdout
    assert released.returncode == 0, released.stdout + released.stderr
    assert "released 2 assignment(s)" in released.stdout


def test_release_holds_what_students_need_and_nothing_secret(lifecycle: dict[str, Any]) -> None:
    release: Path = lifecycle["release"]
    files = {p.relative_to(release) for p in release.rglob("*") if p.is_file()}
    for name in COURSE:
        assignment = load_assignment(ASSIGNMENTS / name)
        folder = Path("assignments") / name
        for needed in ("README.md", "assignment.toml", "checks/public.py",
                       f"{assignment.module}.py", f"{assignment.module}.ipynb",
                       "references/manifest.json", "references/cpu.json"):
            assert folder / needed in files
        assert (release / folder / f"{assignment.module}.py").read_bytes() == \
            assignment.stub.read_bytes()
    assert not any(p.name == "hidden.py" or "solutions" in p.parts for p in files)
    # The instructor's review of the solution's mutants says what the solution computes.
    assert all((ASSIGNMENTS / name / "mutants-equivalent.toml").is_file() for name in COURSE)
    assert not any(p.name == "mutants-equivalent.toml" for p in files)
    # The Chinese catalogue travels with its public words only: a hidden check's title or
    # hint would tell what the hidden checks try.
    for name in COURSE:
        assignment = load_assignment(ASSIGNMENTS / name)
        released = read_catalogue(release / "assignments" / name / "locale" / "zh_CN.po")
        public = {t for c in assignment.public_checks() for t in (c.title, *(h.message for h
                                                                             in c.hints))}
        hidden = {t for c in assignment.hidden_checks() for t in (c.title, *(h.message for h
                                                                             in c.hints))}
        assert public <= set(released) and hidden - public
        assert not (hidden - public) & set(released)
    texts = {p: (release / p).read_text(errors="replace") for p in files}
    for name in COURSE:
        assignment = load_assignment(ASSIGNMENTS / name)
        public_ids = {c.id for c in assignment.public_checks()}
        hidden_only = {c.id for c in assignment.hidden_checks()} - public_ids
        hidden_source = (assignment.root / "checks" / "hidden.py").read_text()
        solution = assignment.solution.read_text() if assignment.solution else ""
        allowed = "\n".join([assignment.stub.read_text(), (assignment.root / "README.md")
                             .read_text(), (assignment.root / "checks/public.py").read_text()])
        distinctive = {line.strip() for line in (hidden_source + solution).splitlines()
                       if len(line.strip()) >= 30 and not line.strip().startswith("#")
                       and line.strip() not in allowed}
        assert hidden_only and distinctive
        for path, text in texts.items():
            if path.parts[0] == "assignments" and path.parts[1] != name:
                continue  # the other assignment's public files may share a line
            unescaped = text.replace('\\"', '"').replace("\\n", "\n")
            for check_id in hidden_only:
                assert f'"{check_id}"' not in text, (path, check_id)
            for line in distinctive:
                assert line not in unescaped, (path, line)


def test_check_from_the_release_alone_gives_the_course_verdicts(
        lifecycle: dict[str, Any]) -> None:
    release: Path = lifecycle["release"]
    assert not (release / "solutions").exists()
    for key, path in lifecycle["work"].items():
        name = key.split("/")[0]
        (outcome,) = api.check(path, name, lifecycle["base"] / "release-reports" / key,
                               cwd=release)
        before: SubmissionResult = lifecycle["before"][key]
        assert before.environment and before.environment.references == "computed"
        assert outcome.result.environment and outcome.result.environment.references == "recorded"
        assert verdicts(outcome.result) == verdicts(before), key
        assert outcome.result.score == before.score
    solution_score = lifecycle["before"]["04_custom_function/solution"]
    assert solution_score.score == solution_score.max_score > 0


def test_check_in_the_release_through_the_command_line(lifecycle: dict[str, Any]) -> None:
    release: Path = lifecycle["release"]
    stub = run_cli("check", "assignments/04_custom_function", cwd=release)
    assert stub.returncode == 1, stub.stderr
    assert "04_custom_function — 0 / " in stub.stdout
    solution = run_cli("check", str(lifecycle["work"]["04_custom_function/solution"]),
                       "--assignment", "04_custom_function", cwd=release)
    assert solution.returncode == 0, solution.stdout + solution.stderr
    result = json.loads((release / "reports/04_custom_function/result.json").read_text())
    assert result["environment"]["references"] == "recorded"
    assert result["score"] == result["max_score"]


def test_stale_references_stop_a_students_check(lifecycle: dict[str, Any],
                                                tmp_path: Path) -> None:
    copy = tmp_path / "release"
    shutil.copytree(lifecycle["release"], copy)
    public = copy / "assignments/04_custom_function/checks/public.py"
    public.write_text(public.read_text() + "\n# a changed check file\n")
    done = run_cli("check", "assignments/04_custom_function", cwd=copy)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "stale" in done.stderr and "checks/public.py changed" in done.stderr
    assert "grade build --assignment 04_custom_function" in done.stderr


def test_stale_references_in_the_course_are_noted_and_recomputed(tmp_path: Path) -> None:
    course = make_course(tmp_path / "course", ("04_custom_function",), references=True)
    stub = course / "assignments/04_custom_function/custom_function.py"
    fresh = api.check(stub, None, tmp_path / "r1", cwd=course)[0].result
    assert fresh.environment and fresh.environment.references == "recorded"
    assert not fresh.notes
    solution = course / "solutions/04_custom_function/custom_function.py"
    solution.write_text(solution.read_text() + "\n# edited after the build\n")
    stale = api.check(stub, None, tmp_path / "r2", cwd=course)[0].result
    assert stale.environment and stale.environment.references == "computed"
    assert any("stale" in n and "solutions/04_custom_function/custom_function.py changed" in n
               and "grade build --assignment 04_custom_function" in n for n in stale.notes)
    assert verdicts(stale) == verdicts(fresh)
    done = run_cli("check", "--assignment", "04_custom_function", cwd=course)
    assert "! The recorded references are stale" in done.stdout


@pytest.mark.parametrize("damage, phrase", [
    ("truncate", "cpu.json does not match its hash"),
    ("manifest", "manifest.json cannot be read"),
    ("schema", "is not a grade-references/1 manifest"),
    ("tensor", "bad run"),
    ("missing", "cpu.json is missing"),
])
def test_corrupt_references_are_a_grader_error(lifecycle: dict[str, Any], tmp_path: Path,
                                               damage: str, phrase: str) -> None:
    copy = tmp_path / "release"
    shutil.copytree(lifecycle["release"], copy)
    folder = copy / "assignments/04_custom_function/references"
    cpu, manifest = folder / "cpu.json", folder / "manifest.json"
    if damage == "truncate":
        cpu.write_bytes(cpu.read_bytes()[:200])
    elif damage == "manifest":
        manifest.write_text("{not json")
    elif damage == "schema":
        data = json.loads(manifest.read_text())
        data["schema"] = "grade-references/99"
        manifest.write_text(json.dumps(data))
    elif damage == "tensor":  # a tensor whose bytes do not fit its shape, re-hashed
        text = cpu.read_text().replace('"shape": [4, 5]', '"shape": [4, 6]', 1)
        assert text != cpu.read_text()
        cpu.write_text(text)
        data = json.loads(manifest.read_text())
        data["devices"]["cpu"]["sha256"] = hashlib.sha256(text.encode()).hexdigest()
        manifest.write_text(json.dumps(data))
    else:
        cpu.unlink()
    done = run_cli("check", "assignments/04_custom_function", cwd=copy)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "corrupt" in done.stderr and phrase in done.stderr, done.stderr


def to_crlf(folder: Path) -> list[Path]:
    """Every text file under ``folder`` given CRLF line endings, as Git for Windows checks
    text out (``core.autocrlf``); the files that changed."""
    changed = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and (path.suffix in (".py", ".json", ".md", ".toml", ".ipynb", ".yml")
                               or path.name.startswith(".git")):
            data = path.read_bytes()
            crlf = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            if crlf != data:
                path.write_bytes(crlf)
                changed.append(path)
    return changed


def verdicts_in(result: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(c["id"], c["device"], c["status"], c["score"], c["max_score"], c["message"])
            for c in result["checks"]]


def test_a_release_checked_out_with_crlf_line_endings_checks_alike(
        lifecycle: dict[str, Any], tmp_path: Path) -> None:
    """References and public checks with CRLF line endings are neither corrupt nor stale:
    the stub, its notebook and the solution (all with CRLF too) get the course's verdicts."""
    copy = tmp_path / "release"
    shutil.copytree(lifecycle["release"], copy)
    targets = {}
    for name in COURSE:
        module = f"{load_assignment(ASSIGNMENTS / name).module}.py"
        targets[f"{name}/stub"] = f"assignments/{name}/{module}"
        solution = copy / "work" / name / module
        solution.parent.mkdir(parents=True)
        shutil.copyfile(lifecycle["work"][f"{name}/solution"], solution)
        targets[f"{name}/solution"] = f"work/{name}/{module}"
    changed = {p.relative_to(copy) for p in to_crlf(copy)}
    for name in COURSE:
        for text in ("references/cpu.json", "references/manifest.json", "checks/public.py",
                     "assignment.toml", "README.md"):
            assert Path("assignments", name, text) in changed
    assert {Path(t) for t in targets.values()} <= changed
    for key, target in targets.items():
        name, label = key.split("/")
        out = tmp_path / "reports" / label
        done = run_cli("check", target, "--assignment", name, "--out", str(out), cwd=copy)
        assert done.returncode == (0 if label == "solution" else 1), done.stdout + done.stderr
        result = json.loads((out / name / "result.json").read_text())
        assert result["environment"]["references"] == "recorded", key
        assert verdicts_in(result) == verdicts(lifecycle["before"][key]), key
    notebook = "assignments/04_custom_function/custom_function.ipynb"
    assert Path(notebook) in changed
    done = run_cli("check", notebook, "--assignment", "04_custom_function", "--out",
                   str(tmp_path / "reports/notebook"), cwd=copy)
    assert done.returncode == 1, done.stdout + done.stderr
    result = json.loads((tmp_path / "reports/notebook/04_custom_function/result.json")
                        .read_text())
    assert result["environment"]["references"] == "recorded"
    assert [v[2:5] for v in verdicts_in(result)] == [
        v[2:5] for v in verdicts(lifecycle["before"]["04_custom_function/stub"])]


def test_the_release_keeps_references_byte_exact_in_a_crlf_clone(
        lifecycle: dict[str, Any], tmp_path: Path) -> None:
    """The release's .gitattributes: a clone with core.autocrlf converts the students' text
    but leaves the recorded references and the public checks as they were released."""
    release: Path = lifecycle["release"]
    assert (release / ".gitattributes").is_file()
    git = shutil.which("git")
    if git is None:
        pytest.skip("needs git")

    def run_git(*args: str, cwd: Path) -> None:
        done = subprocess.run(
            [git, "-c", "user.name=Course", "-c", "user.email=course@example.org",
             "-c", "commit.gpgsign=false", *args], cwd=cwd, capture_output=True, text=True,
            timeout=120)
        assert done.returncode == 0, done.stderr

    source = tmp_path / "release"
    shutil.copytree(release, source)
    run_git("init", "-q", cwd=source)
    run_git("add", "-A", cwd=source)
    run_git("commit", "-q", "-m", "release", cwd=source)
    clone = tmp_path / "clone"
    run_git("clone", "-q", "-c", "core.autocrlf=true", str(source), str(clone), cwd=tmp_path)
    assert b"\r\n" in (clone / "README.md").read_bytes()  # the clone converts text
    kept = [p.relative_to(source) for pattern in ("assignments/*/references/*",
                                                  "assignments/*/checks/public.py")
            for p in source.glob(pattern)]
    assert len(kept) == 3 * len(COURSE)
    for path in kept:
        assert (clone / path).read_bytes() == (source / path).read_bytes(), path


def test_hidden_checks_are_never_recorded() -> None:
    for root in discover(ASSIGNMENTS):
        assignment = load_assignment(root)
        hidden = {c.id for c in assignment.hidden_checks()}
        public = {c.id for c in assignment.public_checks()}
        for path in (root / "references").glob("*.json"):
            if path.name == "manifest.json":
                continue
            runs = [json.loads(line.rstrip(",")) for line in path.read_text().splitlines()
                    if line.startswith('{"check"')]
            recorded_ids = {r["check"] for r in runs}
            assert recorded_ids == public and not recorded_ids & (hidden - public)


def test_committed_references_are_fresh() -> None:
    """The course's own references match its checks and solutions: editing a check or a
    solution without `grade build` fails here, before students get stale references."""
    for root in discover(ASSIGNMENTS):
        found = store.load(load_assignment(root))
        assert found.state == "fresh", f"{root.name}: {found.reason}: run grade build"


def recorded_files(course: Path) -> dict[Path, bytes]:
    return {p.relative_to(course): p.read_bytes()
            for p in (course / "assignments").glob("*/references/*")}


def test_build_is_deterministic(tmp_path: Path) -> None:
    """Every assignment's references come out byte for byte the same from two builds:
    nothing in them depends on the machine or the time (06 measures a training's CPU time).
    Without a GPU the committed files are the other build (they were built so); with one,
    the course is built twice here."""
    names = tuple(root.name for root in discover(ASSIGNMENTS))
    course = make_course(tmp_path / "course", names)
    first = run_cli("build", cwd=course)
    assert first.returncode == 0, first.stdout + first.stderr
    once = recorded_files(course)
    assert {path.parts[1] for path in once} == set(names)
    if not cuda_here():
        assert {path.name for path in once} == {"manifest.json", "cpu.json"}
        committed = {path: (ROOT / path).read_bytes() for path in once}
        assert once == committed
    else:
        again = run_cli("build", cwd=course)
        assert again.returncode == 0, again.stdout + again.stderr
        assert recorded_files(course) == once


NOT_REPRODUCIBLE = """
import os as _os



class MyLeakyReLU(torch.autograd.Function):  # noqa: F811 - in place of the solution's
    @staticmethod
    def forward(ctx, input, negative_slope=0.01):
        ctx.save_for_backward(input)
        ctx.negative_slope = negative_slope
        jitter = _os.urandom(1)[0] * 1e-3  # differs between runs: not a reference
        return torch.where(input > 0, input, input * negative_slope) + jitter

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return torch.where(input > 0, grad_output, grad_output * ctx.negative_slope), None
"""


@pytest.mark.parametrize("change, phrase", [
    (NOT_REPRODUCIBLE, "the solution fails MyLeakyReLU/forward_values on cpu (failed)"),
    ("\ndef relu_linear_grads(w, b, X, Y):  # noqa: F811\n    raise NotImplementedError\n",
     "the solution is unfinished: it raises NotImplementedError in "
     "relu_linear_grads/dead_units (cpu), relu_linear_grads/fresh_leaf_copies (cpu)"),
    ("\nraise SystemExit(3)\n", "the reference solution cannot be loaded"),
])
def test_build_refuses_a_solution_that_loses_points(tmp_path: Path, change: str,
                                                    phrase: str) -> None:
    course = make_course(tmp_path / "course", ("04_custom_function",))
    solution = course / "solutions/04_custom_function/custom_function.py"
    solution.write_text(solution.read_text() + change)
    done = run_cli("build", cwd=course)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "✗ 04_custom_function" in done.stdout and "nothing recorded" in done.stdout
    assert phrase in done.stdout, done.stdout
    assert not (course / "assignments/04_custom_function/references").exists()
    assert "Traceback" not in done.stderr
    assert done.stderr == "grade: not recorded: 04_custom_function\n"


def test_build_refuses_a_stub_that_earns_points(tmp_path: Path) -> None:
    course = make_course(tmp_path / "course", ("04_custom_function",))
    stub = course / "assignments/04_custom_function/custom_function.py"
    stub.write_text((SOLUTIONS / "04_custom_function/custom_function.py").read_text())
    done = run_cli("build", "--assignment", "04_custom_function", cwd=course)
    assert done.returncode == 1
    assert "the untouched stub scores 1 on MyReLU/forward_values (cpu)" in done.stdout
    assert "points for nothing" in done.stdout
    assert not (course / "assignments/04_custom_function/references").exists()


def test_build_without_solutions_and_unknown_assignment(lifecycle: dict[str, Any]) -> None:
    done = run_cli("build", cwd=lifecycle["release"])
    assert done.returncode == 2
    assert "no solution at solutions/01_tensor_basics/tensor_basics.py" in done.stderr
    assert "course repository" in done.stderr and "Traceback" not in done.stderr
    unknown = run_cli("build", "--assignment", "07_nope", cwd=ROOT)
    assert unknown.returncode == 2 and "no assignment named '07_nope'" in unknown.stderr


def test_release_refuses_stale_references_and_foreign_folders(tmp_path: Path) -> None:
    course = make_course(tmp_path / "course", ("04_custom_function",), references=True)
    public = course / "assignments/04_custom_function/checks/public.py"
    original = public.read_text()
    public.write_text(original + "\n# changed\n")
    stale = run_cli("release", "--out", str(tmp_path / "out"), cwd=course)
    assert stale.returncode == 2 and "grade build --assignment 04_custom_function" in stale.stderr
    assert not (tmp_path / "out").exists()
    public.write_text(original)
    stub = course / "assignments/04_custom_function/custom_function.py"
    stub_text = stub.read_text()
    stub.write_text(stub_text.replace("raise NotImplementedError", "pass  # todo", 1))
    changed = run_cli("release", "--out", str(tmp_path / "out"), cwd=course)
    assert changed.returncode == 2 and "the stub (custom_function.py or .ipynb) changed" \
        in changed.stderr, changed.stderr  # students' CI would take it for started work
    assert not (tmp_path / "out").exists()
    stub.write_text(stub_text.replace("\n", "\r\n"))  # line endings alone: the same stub
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    refused = run_cli("release", "--out", str(busy), cwd=course)
    assert refused.returncode == 2 and "is not empty" in refused.stderr
    assert (busy / "notes.txt").read_text() == "mine"
    inside = run_cli("release", "--out", "assignments/04_custom_function/out", cwd=course)
    assert inside.returncode == 2 and "inside assignment" in inside.stderr
    first = run_cli("release", "--out", str(tmp_path / "out"), cwd=course)
    assert first.returncode == 0, first.stderr
    (tmp_path / "out/assignments/04_custom_function/leftover.txt").write_text("old")
    (tmp_path / "out/.git").mkdir()
    (tmp_path / "out/.git/HEAD").write_text("ref: refs/heads/main\n")
    again = run_cli("release", "--out", str(tmp_path / "out"), cwd=course)
    assert again.returncode == 0, again.stderr
    assert not (tmp_path / "out/assignments/04_custom_function/leftover.txt").exists()
    assert (tmp_path / "out/assignments/04_custom_function/checks/public.py").is_file()
    assert (tmp_path / "out/.git/HEAD").read_text() == "ref: refs/heads/main\n"


@pytest.mark.parametrize("planted", ["notes_solution.py", "data/answers.txt", "hints.ipynb"])
def test_release_refuses_a_planted_copy_of_the_solution(tmp_path: Path, planted: str) -> None:
    course = make_course(tmp_path / "course", ("04_custom_function",), references=True)
    solution = (course / "solutions/04_custom_function/custom_function.py").read_text()
    target = course / "assignments/04_custom_function" / planted
    target.parent.mkdir(parents=True, exist_ok=True)
    if planted.endswith(".ipynb"):
        cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                "source": solution.splitlines(keepends=True)}
        target.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                                      "nbformat_minor": 5}))
    else:
        target.write_text(solution)
    done = run_cli("release", "--out", str(tmp_path / "out"), cwd=course)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"refusing to release: assignments/04_custom_function/{planted} contains a line " \
           "of solutions/04_custom_function/custom_function.py" in done.stderr
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".grade-release")]


def test_release_ships_a_ci_workflow(lifecycle: dict[str, Any]) -> None:
    yaml = pytest.importorskip("yaml")
    release: Path = lifecycle["release"]
    workflow = yaml.safe_load((release / ".github/workflows/grade.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert set(triggers) == {"push", "pull_request"}
    steps = workflow["jobs"]["grade"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "--index-url https://download.pytorch.org/whl/cpu" in runs
    assert "pip install \"wheels/torchgrade-" in runs
    assert any(s.get("run") == "grade ci" for s in steps)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "reports/" and upload["if"] == "always()"
    job = workflow["jobs"]["grade"]
    assert job["runs-on"] == "${{ matrix.os }}"
    assert set(job["strategy"]["matrix"]["os"]) == {"ubuntu-latest", "macos-latest",
                                                    "windows-latest"}
    assert upload["with"]["name"] == "grade-reports-${{ matrix.os }}"
    readme = (release / "README.md").read_text()
    assert "grade check" in readme and "01_tensor_basics" in readme
    assert (release / ".gitignore").read_text().startswith("reports/")


def fake_cuda_recording(folder: Path) -> None:
    """A cuda.json as a GPU build would write it, made from cpu.json (the values are the
    same; only the device differs), and listed in the manifest."""
    text = (folder / "cpu.json").read_text().replace('"device": "cpu"', '"device": "cuda"')
    (folder / "cuda.json").write_text(text)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["devices"]["cuda"] = {"file": "cuda.json", "device_name": "A Test GPU",
                                   "sha256": hashlib.sha256(text.encode()).hexdigest()}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def test_cuda_references_kept_while_unchanged_and_their_points_go_to_the_cpu_here(
        tmp_path: Path) -> None:
    if cuda_here():
        pytest.skip("on a GPU machine the build records CUDA itself")
    course = make_course(tmp_path / "course", ("02_views",), references=True)
    folder = course / "assignments/02_views/references"
    fake_cuda_recording(folder)
    assignment = load_assignment(course / "assignments/02_views")
    found = store.load(assignment)
    assert found.state == "fresh" and found.cuda and found.observations is not None
    assert found.observations.cuda_device == "A Test GPU"
    # Without a GPU here, the student's CUDA runs are skipped and the points go to the CPU.
    stub_dir = course / "work"
    stub_dir.mkdir()
    (stub_dir / "views.py").write_text((SOLUTIONS / "02_views/views.py").read_text())
    (outcome,) = api.check(stub_dir / "views.py", "02_views", tmp_path / "r", cwd=course)
    result = outcome.result
    assert result.score == result.max_score > 0
    cuda = [c for c in result.checks if c.device == "cuda"]
    assert cuda and all(c.status == "skipped" and c.max_score == 0 for c in cuda)
    assert all(c.message == "no CUDA device here" for c in cuda)
    # A CPU-only rebuild keeps the CUDA recording while nothing changed ...
    assert run_cli("build", "--assignment", "02_views", cwd=course).returncode == 0
    assert (folder / "cuda.json").is_file()
    assert "cuda" in json.loads((folder / "manifest.json").read_text())["devices"]
    # ... and drops it once the checks change, since it no longer matches them.
    public = course / "assignments/02_views/checks/public.py"
    public.write_text(public.read_text() + "\n# changed\n")
    assert run_cli("build", "--assignment", "02_views", cwd=course).returncode == 0
    assert not (folder / "cuda.json").exists()
    assert set(json.loads((folder / "manifest.json").read_text())["devices"]) == {"cpu"}


@pytest.mark.cuda
def test_build_on_a_gpu_records_cuda_and_the_release_checks_on_cuda(tmp_path: Path) -> None:
    course = make_course(tmp_path / "course", ("04_custom_function",))
    built = run_cli("build", cwd=course)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "(cpu, cuda)" in built.stdout
    manifest = json.loads(
        (course / "assignments/04_custom_function/references/manifest.json").read_text())
    assert set(manifest["devices"]) == {"cpu", "cuda"} and manifest["devices"]["cuda"][
        "device_name"]
    released = run_cli("release", "--out", str(tmp_path / "release"), cwd=course)
    assert released.returncode == 0, released.stderr
    work = tmp_path / "work" / "custom_function.py"
    work.parent.mkdir()
    work.write_text(on_solution(SUBMISSIONS / "04_custom_function/bug_cpu_grad.py"))
    shutil.rmtree(course)
    (outcome,) = api.check(work, "04_custom_function", tmp_path / "r", cwd=tmp_path / "release")
    result = outcome.result
    assert result.environment and result.environment.references == "recorded"
    cuda = [c for c in result.checks if c.device == "cuda"]
    assert cuda and not any(c.status == "skipped" for c in cuda)
    assert any(c.status == "failed" for c in cuda)


def test_release_names_the_grader_requirement_students_install(tmp_path: Path) -> None:
    course = make_course(tmp_path / "course", ("04_custom_function",), references=True)
    spec = "torchgrade @ git+https://example.org/course/grade.git@v1"
    done = run_cli("release", "--out", str(tmp_path / "out"), "--grader-requirement", spec,
                   cwd=course)
    assert done.returncode == 0, done.stderr
    workflow = (tmp_path / "out/.github/workflows/grade.yml").read_text()
    readme = (tmp_path / "out/README.md").read_text()
    assert f'pip install "{spec}"' in workflow and f'pip install "{spec}"' in readme
    assert "wheels/" not in workflow and not (tmp_path / "out/wheels").exists()
