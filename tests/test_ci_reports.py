"""``grade ci``: JUnit XML read back with a real JUnit library, a Markdown summary rendered by a
real Markdown parser, ``$GITHUB_STEP_SUMMARY`` appended to, and the contract's exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from grader import api
from grader.reports import format_points
from grader.results import CheckResult, SubmissionResult
from helpers import ROOT, SOLUTION_04, SUBMISSIONS_04, on_solution

pytestmark = pytest.mark.slow  # real child processes and commands


junitparser = pytest.importorskip("junitparser")
markdown_it = pytest.importorskip("markdown_it")

# A submission whose failure messages carry what a job summary and an XML file must survive:
# table pipes, markup, backticks, an escape sequence and a NUL.
HOSTILE_MESSAGE = '''

class MyLeakyReLU(torch.autograd.Function):  # noqa: F811 - in place of the solution's
    @staticmethod
    def forward(ctx, input, negative_slope=0.01):
        raise ValueError("a | b <script>alert(1)</script> `tick` *star* \\x1b[31m red \\x00 nul")

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, None
'''


def run_ci(*args: str, cwd: Path = ROOT, step_summary: Path | None = None
           ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    if step_summary is not None:
        env["GITHUB_STEP_SUMMARY"] = str(step_summary)
    return subprocess.run([sys.executable, "-m", "grader", "ci", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=600, env=env)


def expected_kind(status: str) -> type | None:
    return {"failed": junitparser.Failure, "error": junitparser.Error,
            "timeout": junitparser.Error, "skipped": junitparser.Skipped}.get(status)


def assert_junit_matches(path: Path, results: list[SubmissionResult]) -> None:
    """One test case per check: its verdict the worst of its devices' (an error or time-out
    over a failure over a pass; skipped only when no device ran it), each device's status a
    property of the case."""
    xml = junitparser.JUnitXml.fromfile(str(path))
    raw = {(suite.get("name"), case.get("name")): case
           for suite in ET.parse(path).getroot() for case in suite.iter("testcase")}
    suites = list(xml)
    assert [s.name for s in suites] == [r.assignment for r in results]
    for suite, result in zip(suites, results, strict=True):
        cases = {case.name: case for case in suite}
        runs: dict[str, list[CheckResult]] = {}
        for check in result.checks:
            runs.setdefault(check.id, []).append(check)
        assert len(cases) == len(runs) == suite.tests
        counts = {"failures": 0, "errors": 0, "skipped": 0}
        for check_id, checks in runs.items():
            case = cases[check_id]
            assert case.classname == f"{result.assignment}.{checks[0].exercise}"
            statuses = {c.status for c in checks}
            verdict = next((s for s in ("error", "timeout", "failed", "passed") if s in statuses),
                           "skipped")
            kinds = [type(r) for r in case.result]
            want = expected_kind(verdict)
            assert kinds == ([want] if want else []), (check_id, statuses, kinds)
            if want is not None:
                counts[{junitparser.Failure: "failures", junitparser.Error: "errors",
                        junitparser.Skipped: "skipped"}[want]] += 1
                assert case.result[0].message
            props = {p.get("name"): p.get("value")
                     for p in raw[(result.assignment, check_id)].iter("property")}
            assert set(props) == {c.device for c in checks}
            for c in checks:
                assert props[c.device].split(":")[0] == c.status
        assert (suite.failures, suite.errors, suite.skipped) == (
            counts["failures"], counts["errors"], counts["skipped"])
        props = {p.name: p.value for p in suite.properties()}
        assert props["score"] == format_points(result.score)
        assert props["max_score"] == format_points(result.max_score)


class Tables(HTMLParser):
    """The tables and list items of rendered HTML, as text; and every tag seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.items: list[str] = []
        self.tags: set[str] = set()
        self._cell: list[str] | None = None
        self._item: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.add(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "li":
            self._item = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "li" and self._item is not None:
            self.items.append("".join(self._item).strip())
            self._item = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._item is not None:
            self._item.append(data)


def rendered(markdown: str) -> Tables:
    html = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    parser = Tables()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def hostile_ci(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("ci")
    work = base / "work" / "custom_function.py"
    work.parent.mkdir()
    work.write_text(on_solution(SUBMISSIONS_04 / "bug_float32_mask.py") + HOSTILE_MESSAGE)
    step = base / "step_summary.md"
    step.write_text("# earlier step\n\n")
    done = run_ci(str(work), "--assignment", "04_custom_function", "--out", str(base / "out"),
                  step_summary=step)
    result = SubmissionResult.from_json(
        (base / "out/04_custom_function/result.json").read_text())
    return {"done": done, "out": base / "out", "step": step, "result": result}


def test_ci_exits_1_and_writes_every_report(hostile_ci: dict[str, Any]) -> None:
    done, out = hostile_ci["done"], hostile_ci["out"]
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and done.stderr == ""
    assert "04_custom_function — " in done.stdout  # the same summary as grade check
    assert "appended to $GITHUB_STEP_SUMMARY" in done.stdout
    for name in ("junit.xml", "summary.md", "04_custom_function/result.json",
                 "04_custom_function/report.html"):
        assert (out / name).is_file(), name


def test_junit_xml_parses_and_matches_the_result(hostile_ci: dict[str, Any]) -> None:
    result = hostile_ci["result"]
    assert {c.status for c in result.checks} >= {"passed", "failed", "skipped"}
    assert_junit_matches(hostile_ci["out"] / "junit.xml", [result])
    text = (hostile_ci["out"] / "junit.xml").read_text()
    assert "\x00" not in text and "\x1b" not in text and "<script>" not in text
    xml = junitparser.JUnitXml.fromfile(str(hostile_ci["out"] / "junit.xml"))
    messages = [r.message for s in xml for c in s for r in c.result]
    assert any("a | b <script>alert(1)</script>" in m for m in messages)


def test_markdown_summary_renders_a_correct_table(hostile_ci: dict[str, Any]) -> None:
    result: SubmissionResult = hostile_ci["result"]
    markdown = (hostile_ci["out"] / "summary.md").read_text()
    html = rendered(markdown)
    overview, table = html.tables
    assert overview == [["Assignment", "Points", "Status"], [
        result.assignment, f"{format_points(result.score)} / {format_points(result.max_score)}",
        f"❌ {sum(c.status in ('failed', 'error', 'timeout') for c in result.checks)} of "
        f"{sum(c.status != 'skipped' for c in result.checks)} checks failed"]]
    assert table[0] == ["Exercise", "Points", "Status"]
    rows = table[1:]
    scores = result.exercise_scores()
    assert [r[0] for r in rows] == list(scores)
    for row in rows:
        got, most = scores[row[0]]
        assert row[1] == f"{format_points(got)} / {format_points(most)}"
        ran = [c for c in result.checks if c.exercise == row[0] and c.status != "skipped"]
        bad = [c for c in ran if c.status != "passed"]
        assert row[2] == (f"❌ {len(bad)} of {len(ran)} checks failed" if bad else "✅ passed")
    failing = [c for c in result.checks if c.status in ("failed", "error", "timeout")]
    # Each failing check is named in one item; checks that say the same are one item.
    assert failing and all(sum(f"({c.id}, {c.device}," in i for i in html.items) == 1
                           for c in failing)
    said = [i.split("): ", 1)[-1] for i in html.items]
    assert len(said) == len(set(said)) < len(failing)
    assert not html.tags & {"script", "em", "code"}
    hostile = [i for i in html.items if "MyLeakyReLU/forward_values" in i]
    assert hostile and "a | b <script>alert(1)</script> `tick` *star*" in hostile[0]
    head = f"grade: {format_points(result.score)} / {format_points(result.max_score)} ❌"
    assert head in markdown.splitlines()[0]


def test_step_summary_is_appended(hostile_ci: dict[str, Any]) -> None:
    step = hostile_ci["step"].read_text()
    summary = (hostile_ci["out"] / "summary.md").read_text()
    assert step.startswith("# earlier step\n\n") and step.endswith(summary + "\n")


def test_ci_on_every_assignment_passes_for_solutions(tmp_path: Path) -> None:
    """The course's own solutions in a student layout: exit 0, one suite per assignment,
    no failure anywhere."""
    course = tmp_path / "course"
    for root in sorted((ROOT / "assignments").iterdir()):
        (course / "assignments" / root.name).mkdir(parents=True)
        for name in ("assignment.toml", "README.md"):
            (course / "assignments" / root.name / name).write_bytes((root / name).read_bytes())
        (course / "assignments" / root.name / "checks").mkdir()
        (course / "assignments" / root.name / "checks/public.py").write_bytes(
            (root / "checks/public.py").read_bytes())
        refs = course / "assignments" / root.name / "references"
        refs.mkdir()
        for ref in (root / "references").iterdir():
            (refs / ref.name).write_bytes(ref.read_bytes())
        (solution,) = (ROOT / "solutions" / root.name).glob("*.py")
        (course / "assignments" / root.name / solution.name).write_bytes(solution.read_bytes())
    done = run_ci("--out", "ci", cwd=course)
    assert done.returncode == 0, done.stdout + done.stderr
    results = [SubmissionResult.from_json(p.read_text())
               for p in sorted((course / "ci").glob("*/result.json"))]
    assert len(results) == 6 and all(r.score == r.max_score for r in results)
    assert_junit_matches(course / "ci/junit.xml", results)
    xml = junitparser.JUnitXml.fromfile(str(course / "ci/junit.xml"))
    assert xml.failures == 0 and xml.errors == 0
    assert xml.tests == sum(len({c.id for c in r.checks}) for r in results)
    tables = rendered((course / "ci/summary.md").read_text()).tables
    assert len(tables) == 7 and len(tables[0]) == 7  # the overview, then one per assignment
    assert all(row[2] in ("✅ passed", "⏭️ skipped") for t in tables for row in t[1:])


def test_ci_api_without_step_summary(tmp_path: Path) -> None:
    outcome = api.ci(SOLUTION_04, "04_custom_function", tmp_path / "out", cwd=ROOT)
    assert outcome.step_summary is None
    assert outcome.outcomes[0].result.passed
    assert outcome.junit_xml.is_file() and outcome.summary_md.is_file()
    data = json.loads((tmp_path / "out/04_custom_function/result.json").read_text())
    assert data["environment"]["references"] == "recorded"


def test_ci_bad_arguments_are_one_line(tmp_path: Path) -> None:
    done = run_ci("nowhere.py", "--assignment", "04_custom_function", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "does not exist" in done.stderr
    unwritable = tmp_path / "file"
    unwritable.write_text("x")
    done = run_ci(str(SOLUTION_04), "-a", "04_custom_function", "--out", str(unwritable))
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr


def students_copy(where: Path) -> Path:
    """The course as students get it: stubs, notebooks, READMEs, public checks and the
    recorded references, no solution."""
    for root in sorted((ROOT / "assignments").iterdir()):
        dest = where / "assignments" / root.name
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if not path.is_file() or "__pycache__" in rel.parts or rel == Path("checks/hidden.py"):
                continue
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).write_bytes(path.read_bytes())
    return where


def resave_as_an_editor_would(notebook: Path) -> None:
    """An unchanged notebook saved again: each source as one string, new metadata and
    outputs, other indentation, CRLF line endings."""
    data = json.loads(notebook.read_text())
    for cell in data["cells"]:
        cell["source"] = "".join(cell["source"]) if isinstance(cell["source"], list) \
            else cell["source"]
        cell.setdefault("metadata", {})["collapsed"] = False
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "ran\n"}]
            cell["execution_count"] = 3
    data["metadata"]["language_info"] = {"name": "python", "version": "3.11.7"}
    notebook.write_bytes(json.dumps(data, indent=4).replace("\n", "\r\n").encode())


def test_ci_is_green_until_a_student_starts_and_then_grades_only_what_was_started(
        tmp_path: Path) -> None:
    copy = students_copy(tmp_path / "copy")
    first = copy / "assignments/01_tensor_basics/tensor_basics.py"
    first.write_bytes(b"\xef\xbb\xbf" + first.read_bytes().replace(b"\n", b"\r\n"))
    resave_as_an_editor_would(copy / "assignments/02_views/views.ipynb")
    step = tmp_path / "step.md"
    done = run_ci("--out", "ci", cwd=copy, step_summary=step)
    assert done.returncode == 0, done.stdout + done.stderr
    names = sorted(p.name for p in (ROOT / "assignments").iterdir())
    for name in names:
        assert f"· {name}: not started (the stub is untouched; not graded)" in done.stdout
    assert not list((copy / "ci").glob("*/result.json"))
    xml = junitparser.JUnitXml.fromfile(str(copy / "ci/junit.xml"))
    assert (xml.tests, xml.skipped, xml.failures, xml.errors) == (6, 6, 0, 0)
    tables = rendered((copy / "ci/summary.md").read_text()).tables
    assert [row[0] for row in tables[0][1:]] == names
    assert all(row[2].startswith("⏸️ not started") for row in tables[0][1:])
    assert "no assignment started yet" in step.read_text()

    # One exercise of 04 started (with a bug), in the .py; 05 started in its notebook while
    # its .py, untouched, was saved later (a fresh clone's file times say nothing).
    module = copy / "assignments/04_custom_function/custom_function.py"
    module.write_text(on_solution(SUBMISSIONS_04 / "bug_leaky_no_slope.py"))
    notebook = copy / "assignments/05_linear_regression/linear_regression.ipynb"
    data = json.loads(notebook.read_text())
    code = (ROOT / "solutions/05_linear_regression/linear_regression.py").read_text()
    cells = [c for c in data["cells"] if c["cell_type"] == "code"
             and "graded" in c["metadata"].get("tags", [])]  # not the checker's cells
    cells[0]["source"] = code
    for cell in cells[1:]:
        cell["source"] = ""
    notebook.write_text(json.dumps(data))
    stub = copy / "assignments/05_linear_regression/linear_regression.py"
    os.utime(stub, (notebook.stat().st_mtime + 60,) * 2)
    done = run_ci("--out", "ci2", cwd=copy)
    assert done.returncode == 1, done.stdout + done.stderr
    graded = sorted(p.parent.name for p in (copy / "ci2").glob("*/result.json"))
    assert graded == ["04_custom_function", "05_linear_regression"]
    assert all(f"· {n}: not started" in done.stdout for n in names if n not in graded)
    assert "04_custom_function: not started" not in done.stdout
    result = SubmissionResult.from_json(
        (copy / "ci2/05_linear_regression/result.json").read_text())
    assert result.score == result.max_score
    assert "graded linear_regression.ipynb: linear_regression.py is the untouched stub" \
        in result.notes
    leaky = SubmissionResult.from_json((copy / "ci2/04_custom_function/result.json").read_text())
    assert 0 < leaky.score < leaky.max_score
    xml = junitparser.JUnitXml.fromfile(str(copy / "ci2/junit.xml"))
    assert xml.skipped >= 4 and xml.failures > 0
