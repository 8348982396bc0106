"""What a student reads in Chinese: the terminal summary, the Markdown summary and
report.html rendered with a zh_CN :class:`~grader.i18n.Translator`, the catalogue that holds
their words, and English output unchanged by the translator. In memory, no subprocess."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from grader.i18n import ENGLISH, EXTRACT_KEYWORDS, Translator, translator
from grader.reports import GRADED_NOTE, LOAD_FAILED
from grader.reports.html import render_report, write_report
from grader.reports.markdown import summary_markdown, write_summary
from grader.reports.terminal import render_line, render_summary
from grader.results import (
    CapturedOutput,
    CheckResult,
    Environment,
    ExecutedCell,
    NotebookRun,
    SubmissionResult,
    TensorDiff,
)
from grader.sandbox.jail import BASIC_WARNING

REPORTS = Path(__file__).resolve().parents[1] / "grader" / "reports"
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")

# The words of the fake result, as an assignment's catalogue would hold them: the result's
# own text is not what these tests are about, so that it translates whole and leaves
# `misses` to the grader's words alone.
ASSIGNMENT = {
    "Custom autograd Functions": "自定义 autograd 函数",
    "forward matches torch.relu": "前向结果与 torch.relu 一致",
    "backward gradient": "反向梯度",
    "not implemented yet": "尚未实现",
    "use ctx.save_for_backward": "使用 ctx.save_for_backward",
    "Hint: {hint}": "提示：{hint}",
    "no CUDA device": "没有 CUDA 设备",
}
HINT = "Hint: use ctx.save_for_backward"


def zh() -> Translator:
    return translator("zh_CN", more=[ASSIGNMENT])


def _check(**overrides: object) -> CheckResult:
    base = CheckResult(id="relu_forward", exercise="MyReLU", device="cpu", hidden=False,
                       status="passed", score=2.0, max_score=2.0,
                       title="forward matches torch.relu")
    return replace(base, **overrides)  # type: ignore[arg-type]


def _failing(**overrides: object) -> SubmissionResult:
    message = f"not implemented yet\n{HINT}"
    base = SubmissionResult(
        assignment="04_custom_function", submission="alice", status="graded", score=2.0,
        max_score=9.0, duration_s=1.234, title="Custom autograd Functions",
        exercises=["MyReLU", "MyLeakyReLU"],
        checks=[
            _check(),
            _check(id="leaky_backward", exercise="MyLeakyReLU", status="failed", score=0.0,
                   max_score=3.0, title="backward gradient", message=message,
                   diff=TensorDiff(path="grad[0]", expected=[["1", "0.01"]], got=[["1", "9"]],
                                   mismatched=[[0, 1]], truncated=True),
                   series={"loss": [3.0, 2.0, 1.0]}),
            _check(id="leaky_forward", exercise="MyLeakyReLU", status="error", score=0.0,
                   max_score=3.0, title="", message=message),
            _check(id="leaky_slow", exercise="MyLeakyReLU", status="timeout", score=0.0,
                   max_score=1.0, title="", message=""),
            _check(id="relu_cuda", device="cuda", status="skipped", score=0.0, max_score=0.0,
                   message="no CUDA device"),
        ],
        hidden_checks_not_run=2,
        output=CapturedOutput(stdout="hello\n" * 10, stdout_bytes=600, truncated=True),
        environment=Environment(grader_version="0.1.0", torch_version="2.3.0",
                                python_version="3.11.9", sandbox="basic", host="linux"),
        notebook=NotebookRun([ExecutedCell(1, "print('hi')", [])]),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def _graded_with_hidden() -> SubmissionResult:
    """A graded run: checks shown by their summaries, with the graded-run note."""
    checks = [replace(c, hidden=c.id == "leaky_forward",
                      summary=f"failed\n{HINT}" if c.status in ("failed", "error") else "")
              for c in _failing().checks]
    return _failing(checks=checks, hidden_checks_not_run=0)


# (a) the catalogue


def _extracted() -> dict[str, str]:
    """Every message of the student's renderers, as Babel extracts it: msgid -> where."""
    found: dict[str, str] = {}
    sources = [("python", path) for path in sorted(REPORTS.glob("*.py"))]
    sources.append(("jinja2", REPORTS / "templates" / "report.html.j2"))
    for method, path in sources:
        for lineno, message, _comments, _context in extract_from_file(
                method, str(path), keywords=EXTRACT_KEYWORDS):
            assert isinstance(message, str), (path, lineno, message)
            found.setdefault(message, f"{path.name}:{lineno}")
    return found


def test_every_report_message_has_a_chinese_translation() -> None:
    extracted = _extracted()
    # what the renderers say is found at all (an extractor that reads nothing passes nothing)
    for msgid in ("{n} checks failed", "Failing checks:", "Your submission could not be graded.",
                  "{n} hidden checks also run at grading time; this is not your final grade.",
                  "Hint: as above", "passed", LOAD_FAILED, GRADED_NOTE):
        assert msgid in extracted
    entries = translator("zh_CN").entries
    missing = {m: where for m, where in extracted.items() if m not in entries}
    assert not missing, f"no zh_CN translation for {missing}"
    for msgid in [*extracted, BASIC_WARNING]:
        translation = entries[msgid]
        assert CJK.search(translation), (msgid, translation)
        assert sorted(PLACEHOLDER.findall(translation)) == sorted(PLACEHOLDER.findall(msgid))
        # Chinese punctuation outside code: "，" "：" "；" rather than ", " ": " "; "
        prose = re.sub(r"`[^`]*`|<code>.*?</code>", "", translation)
        assert not re.search(r"[,:;](\s|$)", prose), (msgid, translation)


# (b) Chinese renderings: the grader's words all translated


def test_terminal_summary_in_chinese() -> None:
    tr = zh()
    text = render_summary(_failing(), Path("out/report.html"), color=False, tr=tr)
    assert tr.misses == set()
    assert "04_custom_function — 2 / 9 （仅公开检查；正式评分时还会运行 2 项隐藏检查）" in text
    assert "✗ 反向梯度 [cpu]  尚未实现" in text
    # the hint is found by its English start, printed once in Chinese, then "as above"
    assert text.count("提示：使用 ctx.save_for_backward") == 1
    assert "        提示：同上" in text
    assert "⧗ leaky_slow [cpu]  超时" in text
    assert "· 已跳过 cuda 检查：没有 CUDA 设备" in text
    assert f"· {translator('zh_CN').entries[BASIC_WARNING]}" in text
    assert text.endswith("报告：out/report.html   （1.2 秒）")
    assert "Hint" not in text and "Report" not in text and "checks" not in text


def test_terminal_line_and_error_in_chinese() -> None:
    tr = zh()
    line = render_line(_failing(), None, color=False, tr=tr)
    assert line == "✗ 04_custom_function — 2 / 9  3 项检查未通过"
    error = _failing(status="error", error=LOAD_FAILED)
    assert "无法评分：提交的代码无法加载" in render_line(error, None, color=False, tr=tr)
    assert "  ✗ 无法评分：提交的代码无法加载" in render_summary(error, None, False, tr=tr)
    assert tr.misses == set()


def test_markdown_summary_in_chinese(tmp_path: Path) -> None:
    tr = zh()
    text = summary_markdown([_failing()], not_started=["05_linear_regression"], tr=tr)
    assert tr.misses == set()
    assert text.startswith("## 评分：2 / 9 ❌\n")
    assert "| 作业 | 得分 | 状态 |" in text and "| 练习 | 得分 | 状态 |" in text
    assert "| ❌ 4 项检查中有 3 项未通过 |" in text
    assert "| 05\\_linear\\_regression | – | ⏸️ 未开始（模板文件未改动，不评分） |" in text
    assert "| MyReLU | 2 / 2 | ✅ 通过 |" in text
    assert "\n未通过的检查：\n" in text
    # the two checks that say the same thing (with the same hint) are one line
    assert ("- **反向梯度** (leaky\\_backward, cpu, 未通过), **leaky\\_forward** "
            "(leaky\\_forward, cpu, 出错): 尚未实现 — 提示：使用 ctx.save\\_for\\_backward"
            ) in text
    assert "- **leaky\\_slow** (leaky\\_slow, cpu, 超时): 超时" in text
    assert "Hint" not in text and "checks" not in text
    assert summary_markdown([], tr=tr).startswith("## 评分：还没有开始任何作业 ✅")
    error = summary_markdown([_failing(status="error", error=LOAD_FAILED)], tr=tr)
    assert "**无法评分：** 提交的代码无法加载" in error and "| ❌ 无法评分 |" in error
    assert write_summary([_failing()], tmp_path / "s.md", tr=zh()) == \
        (tmp_path / "s.md").read_text(encoding="utf-8") == summary_markdown([_failing()], tr=zh())
    assert tr.misses == set()


def test_html_report_in_chinese(tmp_path: Path) -> None:
    tr = zh()
    page = render_report(_failing(), tr=tr)
    assert tr.misses == set()
    assert '<html lang="zh-CN">' in page
    for label in ("提交 <span", "作业 <span", '<span class="pill s-graded">已评分</span>',
                  "4 项检查中通过 1 项", '<div class="muted">分</div>',
                  "正式评分时还会运行 2 项隐藏检查；这不是你的最终成绩。",
                  "✓ 通过", "✗ 未通过", '<span class="pill s-error">出错</span>', "⏱ 超时",
                  "<figcaption>期望值 <code>", "<figcaption>实际值 <code>",
                  "1 个不同的元素以红色标出", "（已截取：差异最大处附近的部分）",
                  "纵轴从 3（顶部）到 1（底部），共 3 步", "loss（最终值 1）",
                  "已跳过 cuda 检查：没有 CUDA 设备", "你的笔记本（从头到尾运行）", "单元格 1",
                  "你的程序的输出", "已截断", "600 字节，仅显示前 60 个字符",
                  "沙箱：basic，运行于 linux", "CUDA：无", "评分用时",
                  "<pre>尚未实现\n提示：使用 ctx.save_for_backward</pre>"):
        assert label in page, label
    body = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    for english in ("checks passed", ">points<", "expected", "Your program", "skipped",
                    "graded in", "Your notebook", "hidden check"):
        assert english not in body, english
    write_report(_failing(), tmp_path / "report.html", tr=zh())
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == page


def test_html_error_and_graded_run_in_chinese() -> None:
    tr = zh()
    error = render_report(_failing(status="error", error=LOAD_FAILED, checks=[]), tr=tr)
    assert "<strong>你的提交无法评分。</strong>" in error
    assert "<pre>提交的代码无法加载</pre>" in error and "出错</span>" in error
    graded = render_report(_graded_with_hidden(), tr=tr)
    assert translator("zh_CN").entries[GRADED_NOTE] in graded
    assert '<span class="tag">隐藏</span>' in graded
    assert "本报告不包含这部分" in graded and "<code>grade check</code>" in graded
    assert tr.misses == set()
    markdown = summary_markdown([_graded_with_hidden()], tr=tr)
    terminal = render_summary(_graded_with_hidden(), None, False, tr=tr)
    assert "提示：同上" in terminal and "未通过的检查：" in markdown
    assert tr.misses == set()


@pytest.mark.parametrize("tr", [ENGLISH, zh()], ids=["en", "zh_CN"])
def test_values_in_translated_words_are_escaped(tr: Translator) -> None:
    evil = "<script>alert(1)</script>"
    environment = Environment(grader_version="0.1.0", torch_version="2.3.0",
                              python_version="3.11.9", sandbox="basic", host=evil)
    result = _failing(checks=[_check(id="relu_cuda", device="cuda", status="skipped",
                                     score=0.0, max_score=0.0, message=evil)],
                      environment=environment)
    page = render_report(result, tr=tr)
    assert "<script>" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2


# English unchanged


def test_english_is_the_default_and_unchanged() -> None:
    results = [_failing(), _graded_with_hidden(), _failing(status="error", error="boom")]
    for result in results:
        for color in (False, True):
            assert render_summary(result, Path("r.html"), color, tr=ENGLISH) == \
                render_summary(result, Path("r.html"), color) == \
                render_summary(result, Path("r.html"), color, tr=translator("en"))
            assert render_line(result, None, color, tr=translator("en")) == \
                render_line(result, None, color)
        assert render_report(result, tr=translator("en")) == render_report(result)
    assert summary_markdown(results, ["x"], tr=translator("en")) == \
        summary_markdown(results, ["x"])
    assert not CJK.search(render_summary(_failing(), None, False)
                          + summary_markdown(results) + render_report(_failing()))


def test_english_terminal_summary_reads_as_before() -> None:
    result = _failing(environment=None, notebook=None)
    assert render_summary(result, Path("out/report.html"), False, wall_s=3.21) == "\n".join([
        "04_custom_function — 2 / 9 on public checks (2 more hidden checks run when graded)",
        "  ✓ MyReLU       2 / 2",
        "  ✗ MyLeakyReLU  0 / 7",
        "      ✗ backward gradient [cpu]  not implemented yet",
        f"        {HINT}",
        "      ✗ leaky_forward [cpu]  not implemented yet",
        "        Hint: as above",
        "      ⧗ leaky_slow [cpu]  timeout",
        "  · cuda checks skipped: no CUDA device",
        "Report: out/report.html   (3.2 s)",
    ])
    assert render_line(result, None, False) == "✗ 04_custom_function — 2 / 9  3 checks failed"


def test_english_markdown_and_html_read_as_before() -> None:
    text = summary_markdown([_failing()], ["05_x"])
    assert text.startswith("## grade: 2 / 9 ❌\n\n| Assignment | Points | Status |\n")
    assert "| 05\\_x | – | ⏸️ not started (the stub is untouched; not graded) |" in text
    assert "| MyLeakyReLU | 0 / 7 | ❌ 3 of 3 checks failed |" in text
    assert ("- **backward gradient** (leaky\\_backward, cpu, failed), **leaky\\_forward** "
            "(leaky\\_forward, cpu, error): not implemented yet — "
            "Hint: use ctx.save\\_for\\_backward") in text
    page = render_report(_failing())
    assert '<html lang="en">' in page
    for label in ("submission <span", "1 of 4 checks passed", "2 hidden checks also run",
                  "<figcaption>expected <code>", "1 differing cell shown in red",
                  "cuda checks skipped: no CUDA device", "Your program's output",
                  "600 bytes, showing the first 60 characters", "sandbox: basic on linux",
                  "CUDA: none", "graded in 1.23 s", "cell 1"):
        assert label in page, label
    one = render_report(_failing(hidden_checks_not_run=1))
    assert "1 hidden check also run at grading time;" in one
