"""The student's HTML report, rendered from in-memory results."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from grader.reports.html import format_points, render_report, write_report
from grader.results import (
    CapturedOutput,
    CheckResult,
    Environment,
    SubmissionResult,
    TensorDiff,
)

EVIL = "<script>alert(1)</script>"


def _check(**overrides: object) -> CheckResult:
    base = CheckResult(
        id="relu_forward", exercise="MyReLU", device="cpu", hidden=False, status="passed",
        score=2.0, max_score=2.0, title="forward matches torch.relu",
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def _result(**overrides: object) -> SubmissionResult:
    base = SubmissionResult(
        assignment="04_custom_function",
        submission="alice",
        status="graded",
        score=7.5,
        max_score=13.0,
        duration_s=1.234,
        title="Custom autograd Functions",
        exercises=["MyReLU", "MyLeakyReLU"],
        checks=[
            _check(),
            _check(
                id="leaky_backward", exercise="MyLeakyReLU", status="failed", score=0.0,
                max_score=3.0, title="backward gradient",
                message="2 of 6 values differ; largest difference 0.99\nsecond line",
                diff=TensorDiff(
                    path="grad[0]",
                    expected=[["1", "0.01", "1"], ["0.01", "1", "1"]],
                    got=[["1", "MISMATCH_A", "1"], ["0.01", "1", "MISMATCH_B"]],
                    mismatched=[[0, 1], [1, 2]],
                    truncated=True,
                ),
            ),
            _check(id="relu_cuda", device="cuda", status="skipped", score=0.0,
                   max_score=0.0, message="no CUDA device"),
        ],
        hidden_checks_not_run=4,
        output=CapturedOutput(stdout="hello\n", stderr="warn\n", stdout_bytes=6,
                              stderr_bytes=5),
        environment=Environment(grader_version="0.1.0", torch_version="2.3.0",
                                python_version="3.11.9", sandbox="strict"),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def test_failing_check_shows_diff_with_highlighted_cells() -> None:
    page = render_report(_result())
    assert '<td class="bad">MISMATCH_A</td>' in page
    assert '<td class="bad">MISMATCH_B</td>' in page
    # the expected side marks the same cells, and only those
    assert '<td class="bad">0.01</td>' in page
    assert page.count('<td class="bad">') == 4
    assert "truncated" in page
    assert "second line" in page and "<pre>2 of 6 values differ" in page


def test_header_scores_hidden_note_and_footer() -> None:
    page = render_report(_result())
    assert "7.5 <small>/ 13</small>" in page
    assert "13.0" not in page
    assert "4 hidden checks also run at grading time; this is not your final grade" in page
    assert "cuda checks skipped: no CUDA device" in page
    assert "torch 2.3.0" in page and "sandbox: strict" in page and "CUDA: none" in page
    assert "width: 100.0%" in page  # MyReLU: 2 of 2
    assert "width: 0.0%" in page  # MyLeakyReLU: 0 of 3


@pytest.mark.parametrize(("value", "text"), [
    (7.5, "7.5"), (13.0, "13"), (1 / 3, "0.33"), (0.0, "0"), (2.005, "2"), (-0.001, "0"),
])
def test_points_formatting(value: float, text: str) -> None:
    assert format_points(value) == text


def test_student_text_is_escaped() -> None:
    result = _result(
        submission=EVIL,
        checks=[_check(status="failed", score=0.0, message=EVIL, title=EVIL,
                       diff=TensorDiff("", [["1"]], [[EVIL]], [[0, 0]]))],
        output=CapturedOutput(stdout=EVIL, stderr=EVIL, stdout_bytes=25, stderr_bytes=25),
    )
    page = render_report(result)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("&lt;script&gt;") >= 5


def test_page_is_self_contained() -> None:
    page = render_report(_result(checks=[
        _check(series={"student": [3.0, 2.0, 1.0], "reference": [3.0, 1.5, 0.5]}),
    ]))
    assert "<polyline" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "http://" not in page and "https://" not in page
    assert "<link" not in page and "@import" not in page


def test_error_result_shows_error() -> None:
    result = _result(status="error", score=0.0, checks=[],
                     error="custom_function.py, line 12: '(' was never closed")
    page = render_report(result)
    assert "could not be graded" in page
    assert "custom_function.py, line 12: &#39;(&#39; was never closed" in page


def test_write_report_writes_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.html"
    result = _result()
    write_report(result, target)
    assert target.read_text(encoding="utf-8") == render_report(result)
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]


def test_output_is_shown_for_public_checks_only() -> None:
    public = render_report(_result(output=CapturedOutput(
        stdout="PRINTED-ON-PUBLIC\n", stdout_bytes=18)))
    assert "PRINTED-ON-PUBLIC" in public and "Left out of this report" not in public
    graded = _result(checks=[*_result().checks, _check(id="hidden_shapes", hidden=True)],
                     hidden_checks_not_run=0,
                     output=CapturedOutput(stdout="x = tensor([HIDDEN-INPUT])\n",
                                           stdout_bytes=27))
    html = render_report(graded)
    assert "HIDDEN-INPUT" not in html
    assert "Left out of this report: hidden checks ran in the same process" in html
