"""`grade batch`: a real class of mixed submissions, graded through the library and the CLI,
killed and resumed, changed and regraded, and on a real Dask LocalCluster."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader import api
from grader.intake.submissions import module_from_path
from grader.judging.pipeline import Grading
from grader.model.assignments import load_assignment
from grader.results import SubmissionResult
from grader.sandbox.jail import choose_level
from helpers import ASSIGNMENT_04, ASSIGNMENTS, ROOT, SOLUTION_04, SUBMISSIONS_04, on_solution

pytestmark = pytest.mark.slow  # real child processes and commands


STUB = ASSIGNMENT_04 / "custom_function.py"
HOSTILE = ROOT / "tests" / "hostile"


def bases() -> dict[str, str]:
    """Programs the class is made of, by name."""
    return {
        "correct": SOLUTION_04.read_text(),
        "two_bugs": (ROOT / "examples" / "alice" / "custom_function.py").read_text(),
        "stub": STUB.read_text(),
        "notes_relu": on_solution(SUBMISSIONS_04 / "bug_notes_relu.py"),
    }


def as_notebook(source: str) -> str:
    cells = [new_markdown_cell("My submission")]
    cells += [new_code_cell(part) for part in source.split("\n\n\n")]
    return nbformat.writes(new_notebook(cells=cells))


def write_entry(folder: Path, name: str, form: str, source: str) -> str:
    """One entry of ``form`` holding ``source``; returns the id the batch should give it."""
    if form == "py":
        (folder / f"{name}.py").write_text(source)
    elif form == "lms":
        (folder / f"{name}_4711_1234_custom_function.py").write_text(source)
    elif form == "folder":
        (folder / name).mkdir()
        (folder / name / "custom_function.py").write_text(source)
        (folder / name / "notes.txt").write_text("my notes")
    elif form == "zip":
        with zipfile.ZipFile(folder / f"{name}.zip", "w") as z:
            z.writestr(f"{name}-work/custom_function.py", source)
    elif form == "ipynb":
        (folder / f"{name}.ipynb").write_text(as_notebook(source))
    return name


def hostile(case: str) -> str:
    return SOLUTION_04.read_text() + "\n\n" + (HOSTILE / case).read_text()


def make_class(folder: Path) -> dict[str, tuple[str, str]]:
    """Thirty-odd submissions; returns id -> (what it is, expected kind of outcome)."""
    folder.mkdir(parents=True, exist_ok=True)
    expected: dict[str, tuple[str, str]] = {}
    for base, source in bases().items():
        for form in ("py", "lms", "folder", "zip", "ipynb"):
            sid = write_entry(folder, f"{base.replace('_', '')}{form}", form, source)
            expected[sid] = (base, "same as base")
    (folder / "syntaxerr.py").write_text("import torch\n\ndef relu_linear_grads(w, b:\n")
    (folder / "badnotebook.ipynb").write_text('{"cells": [')
    with zipfile.ZipFile(folder / "traversal.zip", "w") as z:
        z.writestr("../custom_function.py", SOLUTION_04.read_text())
    with zipfile.ZipFile(folder / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("custom_function.py", "#" * (60 << 20))
    for sid in ("syntaxerr", "badnotebook", "traversal", "bomb"):
        expected[sid] = ("broken", "error")
    for case in ("sys_exit_at_import.py", "os_exit_in_a_check.py", "fork_bomb.py",
                 "patch_comparisons.py", "print_fake_results.py", "malicious_reduce.py"):
        sid = case.removesuffix(".py").replace("_", "")
        source = string_template(hostile(case))
        (folder / f"{sid}.py").write_text(source)
        expected[sid] = ("hostile", "error" if case == "sys_exit_at_import.py" else "graded")
    (folder / "twin.py").write_text(SOLUTION_04.read_text())
    (folder / "twin.zip").write_bytes((folder / "correctzip.zip").read_bytes())
    expected["twin"] = ("duplicate", "error")
    (folder / "README.txt").write_text("not a submission")
    return expected


def string_template(source: str) -> str:
    import string

    return string.Template(source).safe_substitute(tag=f"{time.time_ns() % 10**9}.5",
                                                   marker="/nonexistent/marker")


def comparable(result: SubmissionResult) -> dict:
    data = result.to_dict()
    for key in ("submission", "duration_s"):
        data.pop(key)
    data["checks"] = [{k: v for k, v in c.items() if k != "duration_s"} for c in data["checks"]]
    data["notes"] = [n for n in data["notes"] if "converted" not in n]
    return data


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("class")
    expected = make_class(tmp / "submissions")
    report = api.batch(tmp / "submissions", "04_custom_function", tmp / "out", cwd=ROOT,
                       workers=2)
    return tmp, expected, report


def test_a_class_of_mixed_submissions_gets_the_right_results(graded_class, tmp_path):
    """Each entry's result is what grading its program directly gives, on the batch's own
    secret inputs (its salt)."""
    tmp, expected, report = graded_class
    results = {r.submission: r for r in report.results}
    assert set(results) == set(expected)
    assert len(results) >= 30 and report.graded_now == len(results)
    salted = Grading(choose_level("auto"), salt=report.salt)
    assignment = load_assignment(ASSIGNMENT_04)

    def grade(source: str, scope: str) -> SubmissionResult:
        path = tmp_path / "custom_function.py"
        path.write_text(source)
        return salted.grade(assignment, module_from_path(path, assignment), "direct",
                            scope)  # type: ignore[arg-type]

    direct = {name: grade(source, scope="all") for name, source in bases().items()}
    assert direct["correct"].score == direct["correct"].max_score > 0
    assert direct["stub"].score == 0
    assert 0 < direct["notes_relu"].score < direct["notes_relu"].max_score
    for sid, (base, outcome) in expected.items():
        result = results[sid]
        if outcome == "same as base":
            assert comparable(result) == comparable(direct[base]), sid
        else:
            assert result.status == outcome, (sid, result.error)
    assert "zip bomb" in results["bomb"].error
    assert "twin.py" in results["twin"].error and "twin.zip" in results["twin"].error
    assert results["patchcomparisons"].score < results["correctpy"].score
    assert any("README.txt" in w for w in report.warnings)


def test_each_student_gets_result_report_and_gradescope_files_and_the_class_gets_csv(
        graded_class):
    tmp, expected, report = graded_class
    out = tmp / "out"
    for sid in expected:
        result = SubmissionResult.from_json((out / sid / "result.json").read_text())
        assert result.submission == sid
        assert (out / sid / "report.html").read_text().count(sid) >= 1
        gradescope = json.loads((out / sid / "gradescope.json").read_text())
        assert gradescope["score"] == result.score
    lines = (out / "grades.csv").read_text().splitlines()
    assert lines[0] == "id,score,max_score,status,MyReLU,MyLeakyReLU,relu_linear_grads,review"
    assert len(lines) == 1 + len(expected)
    row = next(line for line in lines if line.startswith("correctpy,"))
    assert row.split(",")[1] == row.split(",")[2]
    summary = (out / "summary.html").read_text()
    assert 'href="correctpy/report.html"' in summary


def test_a_second_run_grades_only_what_changed(graded_class):
    tmp, expected, first = graded_class
    subs = tmp / "submissions"
    (subs / "stubpy.py").write_text(SOLUTION_04.read_text())  # the stub became a solution
    again = api.batch(subs, "04_custom_function", tmp / "out", cwd=ROOT, workers=2)
    assert again.graded_now == 1 and again.reused == len(expected) - 1
    results = {r.submission: r for r in again.results}
    assert results["stubpy"].score == results["stubpy"].max_score
    rows = _rows(tmp / "out")
    runs = {sid: run for sid, run in rows}
    assert len(set(runs.values())) == 2 and list(runs.values()).count(runs["stubpy"]) == 1
    assert sorted(runs) == sorted(expected)


def test_each_run_draws_a_salt_the_gradebook_keeps_and_salt_regrades_exactly(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    (subs / "ada.py").write_text(on_solution(SUBMISSIONS_04 / "bug_leaky_no_slope.py"))
    first = api.batch(subs, "04_custom_function", out, cwd=ROOT, workers=1)
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        assert db.execute("SELECT salt FROM submissions").fetchall() == [(str(first.salt),)]
    again = api.batch(subs, "04_custom_function", out, cwd=ROOT, workers=1, regrade=True,
                      salt=first.salt)
    other = api.batch(subs, "04_custom_function", out, cwd=ROOT, workers=1, regrade=True,
                      salt=first.salt + 1)
    assert comparable(again.results[0]) == comparable(first.results[0])
    messages = [{(c.id, c.device): c.message for c in r.results[0].checks if c.hidden}
                for r in (first, other)]
    assert messages[0] != messages[1]  # other secret inputs, other values in the messages
    statuses = [{(c.id, c.device): c.status for c in r.results[0].checks} for r in (first, other)]
    assert statuses[0] == statuses[1], {k: (v, statuses[1].get(k))
                                        for k, v in statuses[0].items() if statuses[1].get(k) != v}
    assert first.results[0].score == other.results[0].score


def _rows(out: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        return db.execute("SELECT id, run FROM submissions ORDER BY id").fetchall()


def _rows_so_far(out: Path) -> list[tuple[str, str]]:
    """Rows while the batch runs: the file exists a moment before its tables do."""
    if not (out / "gradebook.sqlite").exists():
        return []
    try:
        return _rows(out)
    except sqlite3.OperationalError:
        return []


def _small_class(folder: Path, n: int) -> None:
    folder.mkdir(parents=True)
    sources = list(bases().values())
    for i in range(n):
        (folder / f"s{i:02d}.py").write_text(sources[i % len(sources)] + f"\n# {i}\n")


def _cli(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "grader", "batch", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, **kwargs)


@pytest.mark.slow
def test_a_batch_killed_midway_resumes_and_grades_each_submission_exactly_once(tmp_path):
    n = 48  # enough that a kill after the 4th result lands midway, however fast the grading
    _small_class(tmp_path / "subs", n)
    out = tmp_path / "out"
    # One salt for the killed run, the resumed one and the clean one: their graded inputs,
    # and so their messages, are then the same (each run draws its own otherwise).
    salt = ("--salt", "4242")
    proc = _cli(str(tmp_path / "subs"), "--assignment", "04_custom_function", "--out", str(out),
                "--workers", "2", *salt)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if len(_rows_so_far(out)) >= 4:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = dict(_rows(out))
    assert 4 <= len(before) < n
    done = _cli(str(tmp_path / "subs"), "--assignment", "04_custom_function", "--out", str(out),
                "--workers", "2", *salt)
    stdout, stderr = done.communicate(timeout=300)
    assert done.returncode == 0, stderr
    assert f"done: {n} graded, {len(before)} unchanged since the last run" in stdout
    # Not a terminal: one log line per submission graded in this run, no progress bar.
    logged = [line for line in stderr.splitlines() if line.startswith("[")]
    assert len(logged) == n - len(before) and "█" not in stderr
    assert logged[-1].startswith(f"[{n - len(before)}/{n - len(before)}] s")
    after = dict(_rows(out))
    assert sorted(after) == [f"s{i:02d}" for i in range(n)]
    assert all(after[sid] == run for sid, run in before.items())  # not graded again
    clean = api.batch(tmp_path / "subs", "04_custom_function", tmp_path / "clean", cwd=ROOT,
                      workers=2, salt=4242)
    resumed = {r.submission: comparable(r) for r in
               (SubmissionResult.from_json((out / sid / "result.json").read_text())
                for sid in after)}
    assert resumed == {r.submission: comparable(r) for r in clean.results}


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_results_as_local_workers(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    _small_class(tmp_path / "subs", 6)
    local = api.batch(tmp_path / "subs", "04_custom_function", tmp_path / "local", cwd=ROOT,
                      workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = api.batch(tmp_path / "subs", "04_custom_function", tmp_path / "dask",
                           cwd=ROOT, dask=cluster.scheduler_address, salt=local.salt)
    assert remote.graded_now == 6
    assert [comparable(r) for r in remote.results] == [comparable(r) for r in local.results]


def test_cli_reports_problems_in_one_line_with_exit_status_2(tmp_path):
    done = _cli(str(tmp_path / "missing"), "--assignment", "04_custom_function", "--out",
                str(tmp_path / "out"))
    stdout, stderr = done.communicate(timeout=60)
    assert done.returncode == 2
    assert stderr.strip().count("\n") == 0 and "is not a folder of submissions" in stderr


EVIL = "<script>window.__pwned=1</script>"


@contextmanager
def browser_page(problems: list[str]) -> Iterator[Any]:
    """A page of Debian's chromium, headless, driven by Playwright (never a browser of its
    own download); console errors and page errors go to ``problems``."""
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip(f"{chromium} not installed")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            yield page
        finally:
            browser.close()


def test_a_student_report_opens_in_a_browser_with_student_text_escaped(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    anchor = "        (input,) = ctx.saved_tensors\n        return grad_output.masked_fill"
    assert SOLUTION_04.read_text().count(anchor) == 1
    (subs / "mallory.py").write_text(f"print({EVIL!r})\n" + SOLUTION_04.read_text().replace(
        anchor, f"        raise ValueError({EVIL!r})\n{anchor}"))
    report = api.batch(subs, "04_custom_function", tmp_path / "out", cwd=ROOT, workers=1)
    (result,) = report.results
    assert any(EVIL in c.message for c in result.checks)  # the instructor's record
    page_file = tmp_path / "out" / "mallory" / "report.html"
    assert EVIL not in page_file.read_text()
    # The graded report shows checks in the grader's own words; `grade check` shows the
    # public checks' messages, the student's text among them, escaped.
    (checked,) = api.check(subs / "mallory.py", "04_custom_function", tmp_path / "check",
                           cwd=ROOT)
    assert any(EVIL in c.message for c in checked.result.checks)
    assert EVIL not in checked.report_html.read_text()
    problems: list[str] = []
    with browser_page(problems) as page:
        page.goto(page_file.as_uri())
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert "ValueError" not in page.locator("body").inner_text()
        page.goto(checked.report_html.as_uri())
        bars = page.locator(".bars .track")
        assert bars.count() == 3
        for i in range(3):
            box = bars.nth(i).bounding_box()
            assert box is not None and box["width"] > 0 and box["height"] > 0
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert EVIL in page.locator("body").inner_text()  # shown as text, not run
        page.goto((tmp_path / "out" / "summary.html").as_uri())
        assert page.locator("#histogram").bounding_box() is not None
        assert page.evaluate("typeof window.__pwned") == "undefined"
    assert problems == []


def test_the_chinese_report_and_the_notebook_display_in_a_browser(tmp_path):
    """report.html in Chinese and the notebook checker's inline display, as a browser shows
    them: laid out (bars with a size), in the language asked for, a student's text inert."""
    from grader.notebook import Checker

    work = tmp_path / "04_custom_function"
    shutil.copytree(ASSIGNMENTS / "04_custom_function", work,
                    ignore=shutil.ignore_patterns("mutants-equivalent.toml"))
    notebook = work / "custom_function.ipynb"
    text = notebook.read_text()
    assert text.count("raise NotImplementedError") >= 3
    notebook.write_text(text.replace("raise NotImplementedError",
                                     f"raise ValueError({EVIL!r})  #", 1))
    (checked,) = api.check(notebook, None, tmp_path / "check", cwd=tmp_path, lang="zh_CN")
    checker = Checker(notebook, lang="zh_CN")
    try:
        shown = checker.check("MyReLU")
    finally:
        checker.close()
    # A notebook's output area: the fragment inside a page of the front end's own.
    cell = tmp_path / "cell.html"
    cell.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
                    f"<div class='output_area'>{shown.html}</div></body></html>",
                    encoding="utf-8")
    problems: list[str] = []
    with browser_page(problems) as page:
        page.goto(checked.report_html.as_uri())
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        body = page.locator("body").inner_text()
        assert "尚未实现" in body and "通过 0 项" in body, body[:400]
        assert EVIL in body and page.evaluate("typeof window.__pwned") == "undefined"
        bars = page.locator(".bars .track")
        assert bars.count() == 3 and all(bars.nth(i).bounding_box()["width"] > 0
                                         for i in range(3))
        page.goto(cell.as_uri())
        fragment = page.locator(".grade-feedback")
        assert fragment.get_attribute("lang") == "zh-CN"
        inline = fragment.inner_text()
        assert "MyReLU" in inline and "MyLeakyReLU" not in inline
        assert "最后保存的 custom_function.ipynb" in inline and "0 / 6" in inline
        assert EVIL in inline and page.evaluate("typeof window.__pwned") == "undefined"
        track = page.locator(".grade-exercise div div").first.bounding_box()
        assert track is not None and track["width"] > 50 and track["height"] > 0
    assert problems == []


def test_batch_reports_leave_out_output_printed_while_hidden_checks_ran(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    anchor = "        (input,) = ctx.saved_tensors\n"
    assert SOLUTION_04.read_text().count(anchor) == 2  # MyReLU's and MyLeakyReLU's backward
    (subs / "eve.py").write_text(SOLUTION_04.read_text().replace(
        anchor, anchor + "        print('EVE-SEES', input.shape.numel())\n"))
    report = api.batch(subs, "04_custom_function", tmp_path / "out", cwd=ROOT, workers=1)
    (result,) = report.results
    assert any(c.hidden for c in result.checks) and "EVE-SEES" in result.output.stdout
    page = (tmp_path / "out" / "eve" / "report.html").read_text()
    assert "EVE-SEES" not in page and "Left out of this report" in page
    assert "EVE-SEES" not in (tmp_path / "out" / "eve" / "gradescope.json").read_text()
    assert "EVE-SEES" in (tmp_path / "out" / "eve" / "result.json").read_text()
