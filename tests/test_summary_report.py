"""The class view of ``grade batch`` (summary.html), rendered from in-memory results.

The class below is small enough to work out by hand: maximum 10 points over three checks,
``data_iter/batches`` (3 points, cpu), ``sgd_step/clears_gradients`` (3 points, split between
cpu and cuda where cuda ran) and the hidden ``sgd_step/matches_sgd`` (4 points, cpu).
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from grader.reports.summary import (
    SummaryRow,
    render_summary_page,
    report_href,
    write_summary_page,
)
from grader.results import CheckResult, SubmissionResult

PWN = "<script>window.__pwned=1</script>"
PWN_IN_MESSAGE = "RuntimeError: <script>window.__pwned=2</script>"
EVIL_ID = "<b>x</b>"
STALE = "w.grad still holds stale values"
CHROMIUM = Path("/usr/bin/chromium")


def _c(check_id: str, status: str, score: float, most: float, message: str = "",
       device: str = "cpu") -> CheckResult:
    return CheckResult(
        id=check_id, exercise=check_id.split("/")[0], device=device,
        hidden=check_id.endswith("matches_sgd"), status=status,  # type: ignore[arg-type]
        score=score, max_score=most, message=message,
    )


def _data(ok: bool = True) -> CheckResult:
    return _c("data_iter/batches", "passed" if ok else "failed", 3 if ok else 0, 3)


def _clears(ok: bool, message: str = "") -> list[CheckResult]:
    """clears_gradients on cpu only: cuda absent gives a skipped entry worth nothing."""
    return [
        _c("sgd_step/clears_gradients", "passed" if ok else "failed", 3 if ok else 0, 3,
           message),
        _c("sgd_step/clears_gradients", "skipped", 0, 0, "no CUDA device", device="cuda"),
    ]


def _matches(status: str = "passed", message: str = "") -> CheckResult:
    return _c("sgd_step/matches_sgd", status, 4 if status == "passed" else 0, 4, message)


def _result(sid: str, checks: list[CheckResult], duration: float,
            status: str = "graded", error: str | None = None) -> SubmissionResult:
    return SubmissionResult(
        assignment="05_linear_regression", submission=sid,
        status=status,  # type: ignore[arg-type]
        score=sum(c.score for c in checks), max_score=10, duration_s=duration,
        checks=checks, error=error, exercises=["data_iter", "sgd_step"],
    )


def _class() -> list[SummaryRow]:
    results = [
        _result("alice", [_data(), *_clears(True), _matches()], 1.0),  # 10
        _result("bob", [_data(), *_clears(False, f"{STALE}\nReset them with zero_()"),
                        _matches("failed", "step 2: w differs by up to 0.62")], 2.0),  # 3
        _result("carol", [_data(), *_clears(False, f"  {STALE}\nanother hint"),
                          _matches()], 1.5),  # 7
        _result("dave", [_data(), *_clears(False, STALE),
                         _matches("timeout", "timed out after 10 s")], 11.0),  # 3
        _result("erin", [_data(), *_clears(True), _matches()], 0.5),  # 10
        _result("frank", [  # 8.5: cuda ran and failed, so the check fails for frank
            _data(),
            _c("sgd_step/clears_gradients", "passed", 1.5, 1.5),
            _c("sgd_step/clears_gradients", "failed", 0, 1.5, PWN_IN_MESSAGE, device="cuda"),
            _matches(),
        ], 3.0),
        _result("gina", [_data(), *_clears(False, STALE), _matches()], 0.25),  # 7
        _result(EVIL_ID, [], 0.1, status="error", error=PWN),  # 0
    ]
    return [SummaryRow(r, report_href(r.submission)) for r in results]


def _section(page: str, element_id: str, tag: str) -> str:
    start = page.index(f'id="{element_id}"')
    return page[start:page.index(f"</{tag}>", start)]


def _labels(svg: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<text class="label"[^>]*>([^<]*)</text>', svg)]


def test_headline_counts_mean_and_median() -> None:
    page = render_summary_page("Linear regression", _class())
    counts = _section(page, "counts", "div")
    assert "7 graded" in counts and "1 error<" in counts and "1 timeout<" in counts
    assert "2 with full marks" in counts
    assert "8 submissions" in page
    # scores 10, 3, 7, 3, 10, 8.5, 7, 0: mean 48.5 / 8, median (7 + 7) / 2
    assert '<div class="big" id="mean">6.06 <small>/ 10</small></div>' in page
    assert '<span id="median">7</span>' in page


def test_histogram_has_ten_bins_with_their_counts() -> None:
    svg = _section(render_summary_page("Linear regression", _class()), "histogram", "svg")
    counts = [int(n) for n in re.findall(r'<g class="bin" data-count="(\d+)">', svg)]
    assert counts == [1, 0, 0, 2, 0, 0, 0, 2, 1, 2]
    labels = re.findall(r'<text class="axis"[^>]*>([^<]*)</text>', svg)
    assert labels[0] == "0–1" and labels[-1] == "9–10" and len(labels) == 10
    assert re.findall(r'<text class="count"[^>]*>(\d+)</text>', svg) == [str(n) for n in counts]
    # accessible text says the same as the bars
    assert "3–4 points: 2 submissions." in svg and "8–9 points: 1 submission." in svg
    assert 'role="img"' in svg


def test_check_rates_put_the_hardest_check_first() -> None:
    svg = _section(render_summary_page("Linear regression", _class()), "check-rates", "svg")
    assert _labels(svg) == [
        "sgd_step/clears_gradients", "sgd_step/matches_sgd", "data_iter/batches",
    ]
    pairs = re.findall(r'data-passed="(\d+)" data-counted="(\d+)"', svg)
    # a skipped cuda entry does not fail a check; frank's failed cuda entry does
    assert pairs == [("2", "7"), ("5", "7"), ("7", "7")]
    assert "29%" in svg and "71%" in svg and "100%" in svg
    assert "hidden" in svg  # matches_sgd is a hidden check


def test_exercise_rates_count_students_who_passed_every_check() -> None:
    svg = _section(render_summary_page("Linear regression", _class()),
                   "exercise-rates", "svg")
    assert _labels(svg) == ["data_iter", "sgd_step"]
    assert re.findall(r'data-passed="(\d+)" data-counted="(\d+)"', svg) == [
        ("7", "7"), ("2", "7"),
    ]


def test_frequent_failure_messages_with_counts_and_examples() -> None:
    table = _section(render_summary_page("Linear regression", _class()), "failures", "table")
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL)[1:]
    first = rows[0]
    assert '<td class="num">4</td>' in first and f'<td class="msg">{STALE}</td>' in first
    assert "Reset them" not in table  # only the first line is grouped and shown
    examples = re.findall(r'<a href="([^"]+)">([^<]+)</a>', first)
    assert examples == [("bob/report.html", "bob"), ("carol/report.html", "carol"),
                        ("dave/report.html", "dave")]
    assert "gina" not in first
    assert len(rows) == 4  # stale values, frank's cuda error, bob's step 2, dave's timeout
    assert "step 2: w differs by up to 0.62" in table and "timed out after 10 s" in table


def test_only_ten_messages_and_ten_slowest() -> None:
    rows = [
        SummaryRow(_result(f"s{n:02d}", [_matches("failed", f"message {n}")], float(n)),
                   report_href(f"s{n:02d}"))
        for n in range(12)
    ]
    page = render_summary_page("T", rows)
    failures = _section(page, "failures", "table")
    assert failures.count('<td class="msg">') == 10
    slowest = _section(page, "slowest", "table")
    assert re.findall(r">(s\d\d)</a>", slowest) == [f"s{n:02d}" for n in range(11, 1, -1)]
    assert len(re.findall(r"<tr>", _section(page, "students", "table"))) == 13


def test_errors_and_timeouts_are_listed_with_their_message() -> None:
    table = _section(render_summary_page("Linear regression", _class()), "problems", "table")
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in table
    assert "&lt;b&gt;x&lt;/b&gt;" in table
    assert "sgd_step/matches_sgd [cpu]: timed out after 10 s" in table
    # in the order of ids, where "<" comes before letters
    assert re.findall(r'<span class="pill s-(\w+)">', table) == ["error", "timeout"]


def test_students_table_links_every_report() -> None:
    table = _section(render_summary_page("Linear regression", _class()), "students", "table")
    links = re.findall(r'<a href="([^"]+)">report</a>', table)
    assert links == [
        "%3Cb%3Ex%3C%2Fb%3E/report.html", "alice/report.html", "bob/report.html",
        "carol/report.html", "dave/report.html", "erin/report.html", "frank/report.html",
        "gina/report.html",
    ]
    assert '<td class="num" data-sort="8.5">8.5 / 10</td>' in table
    assert '<td class="num" data-sort="11.0">11.00 s</td>' in table


def test_student_text_is_escaped_everywhere() -> None:
    page = render_summary_page("Linear regression", _class())
    assert page.lower().count("<script") == 1  # the page's own sorting code
    assert "__pwned" not in page.split("<script>")[1]
    assert EVIL_ID not in page
    assert "&lt;script&gt;window.__pwned=2&lt;/script&gt;" in page  # a failure message
    assert "&lt;b&gt;x&lt;/b&gt;" in page


def test_page_is_self_contained() -> None:
    page = render_summary_page("Linear regression", _class())
    assert "http://" not in page and "https://" not in page
    assert "<link" not in page and "@import" not in page and " src=" not in page


def test_report_links_must_be_relative() -> None:
    row = _class()[0]
    for href in ("https://example.org/alice.html", "javascript:alert(1)", "/etc/passwd"):
        with pytest.raises(ValueError, match="not a relative link"):
            render_summary_page("T", [SummaryRow(row.result, href)])


def test_report_href_quotes_the_id() -> None:
    assert report_href("alice") == "alice/report.html"
    assert report_href("a b#1") == "a%20b%231/report.html"


def test_no_submissions() -> None:
    page = render_summary_page("T", [])
    assert "no submissions" in page and "0 submissions" in page
    assert "No check failed." in page


def test_write_summary_page_writes_file(tmp_path: Path) -> None:
    target = tmp_path / "graded" / "summary.html"
    write_summary_page("Linear regression", _class(), target)
    assert target.read_text(encoding="utf-8") == render_summary_page("Linear regression",
                                                                     _class())
    assert [p.name for p in target.parent.iterdir()] == ["summary.html"]


@pytest.mark.slow
def test_page_in_a_real_browser(tmp_path: Path) -> None:
    """Charts show, the table sorts, the console stays clean and no student script runs."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    target = tmp_path / "summary.html"
    write_summary_page("Linear regression", _class(), target)
    shutil.copy(target, tmp_path / "copy.html")  # the page does not depend on its name
    problems: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto((tmp_path / "copy.html").as_uri())
            for chart in ("#histogram", "#exercise-rates", "#check-rates"):
                box = page.locator(chart).bounding_box()
                assert box is not None and box["width"] > 0 and box["height"] > 0, chart
            assert page.locator("#histogram rect.bar").count() == 5

            def column(n: int) -> list[str]:
                cells = page.locator(f"#students tbody tr td:nth-child({n})")
                return [str(v) for v in cells.evaluate_all(
                    "cells => cells.map(c => c.getAttribute('data-sort'))")]

            assert column(1)[:2] == [EVIL_ID, "alice"]
            page.click("#students th:nth-child(2) button")
            scores = [float(s) for s in column(2)]
            assert scores == sorted(scores) and scores[0] == 0 and scores[-1] == 10
            page.click("#students th:nth-child(2) button")
            assert [float(s) for s in column(2)] == sorted(scores, reverse=True)
            page.click("#students th:nth-child(4) button")
            assert column(1)[-1] == "dave"  # the slowest, ascending
            assert page.evaluate("typeof window.__pwned") == "undefined"
            assert page.locator("#students th:nth-child(4)").get_attribute("aria-sort") \
                == "ascending"
        finally:
            browser.close()
    assert problems == []
