"""Chinese and English: the language chosen, the catalogues complete, the curriculum's words
translated, and a failing 04 rendered in both languages with no string left untranslated."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from grader import Hint, check
from grader.course.translations import assignment_strings, update_catalogue
from grader.i18n import EXTRACT_KEYWORDS, Translator, choose, parse, translator
from grader.model.assignments import discover, load_assignment
from grader.model.authoring import collecting
from grader.reports.html import render_report
from grader.reports.inline import render_inline
from grader.reports.markdown import summary_markdown
from grader.reports.terminal import render_summary
from grader.results import SubmissionResult
from helpers import ASSIGNMENTS, ROOT, SUBMISSIONS, on_solution

GRADER = ROOT / "grader"
TEMPLATES = ("report.html.j2", "inline.html.j2")


def grader_messages() -> set[str]:
    """Every message the grader's source marks for translation, read by Babel's extractor."""
    found: set[str] = set()
    for path in sorted(GRADER.rglob("*.py")):
        for _, message, _, _ in extract_from_file("python", str(path),
                                                  keywords=EXTRACT_KEYWORDS):
            found.add(message[0] if isinstance(message, tuple) else message)
    for name in TEMPLATES:
        path = GRADER / "reports" / "templates" / name
        for _, message, _, _ in extract_from_file("jinja2", str(path),
                                                  keywords=EXTRACT_KEYWORDS):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


# --- the language chosen ---------------------------------------------------------------------

@pytest.mark.parametrize("option, env, expected", [
    ("zh", {"GRADE_LANG": "en"}, "zh_CN"),              # --lang first
    (None, {"GRADE_LANG": "zh-CN", "LANG": "en_US.UTF-8"}, "zh_CN"),  # then GRADE_LANG
    (None, {"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US"}, "zh_CN"),      # then the locale
    (None, {"LC_MESSAGES": "zh_TW.UTF-8"}, "zh_CN"),
    (None, {"LANG": "fr_FR.UTF-8"}, "en"),              # no catalogue for it: English
    (None, {"LANG": "C.UTF-8"}, "en"),
    (None, {}, "en"),
])
def test_the_language_comes_from_the_option_then_grade_lang_then_the_locale(option, env,
                                                                            expected):
    assert choose(option, env) == expected


def test_an_unknown_language_asked_for_is_refused_in_one_line():
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        parse("fr")
    done = subprocess.run([sys.executable, "-m", "grader", "check", "--lang", "fr"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 2 and "unknown language 'fr'" in done.stderr
    assert "Traceback" not in done.stderr


def test_error_lines_come_in_the_language_chosen(tmp_path):
    done = subprocess.run([sys.executable, "-m", "grader", "check", str(tmp_path / "nope.py"),
                           "--lang", "zh_CN"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip() == f"grade：{tmp_path / 'nope.py'} 不存在"


# --- the translator --------------------------------------------------------------------------

def test_a_message_is_translated_through_its_template_keeping_values_and_code():
    tr = Translator("zh_CN", {
        "expected shape {expected}, got {got}": "形状应为 {expected}，实际为 {got}",
        "{path}: {message}": "{path}：{message}",
        "raised {exception}": "抛出了异常 {exception}",
        "Hint: {hint}": "提示：{hint}",
        "use `x.view`": "请用 `x.view`",
    })
    assert tr.text("y › [0]: expected shape [3, 4], got [4, 3]\n"
                   "  a line with nothing it knows\nHint: use `x.view`") == (
        "y › [0]：形状应为 [3, 4]，实际为 [4, 3]\n"
        "  a line with nothing it knows\n提示：请用 `x.view`")
    assert tr.misses == {"a line with nothing it knows"}
    # what an exception said is quoted as it was, never translated
    assert tr.text("raised ValueError: use `x.view`") == "抛出了异常 ValueError: use `x.view`"


def test_a_line_the_catalogue_cannot_read_whole_stays_english_and_is_a_miss():
    tr = Translator("zh_CN", {"{path}: {message}": "{path}：{message}",
                              "Hint: {hint}": "提示：{hint}"})
    line = "backward returns grad_output unchanged: zero it where input is negative"
    assert tr.text(line) == line and line in tr.misses
    tr.text("Hint: mask with input > 0 before you return it")  # a hint it lacks
    assert "Hint: mask with input > 0 before you return it" in tr.misses


def test_english_is_the_record_and_needs_no_catalogue():
    tr = translator("en")
    assert tr.text("expected shape [3], got [4]") == "expected shape [3], got [4]"
    assert tr("{n} of {m} checks passed", n=1, m=2) == "1 of 2 checks passed"


# --- the catalogues are complete -------------------------------------------------------------

def test_every_message_the_grader_marks_has_a_chinese_translation():
    messages = grader_messages()
    assert len(messages) > 100  # the extractor found the grader's words
    entries = translator("zh_CN").entries
    missing = sorted(m for m in messages if m not in entries)
    assert not missing, missing


def test_the_catalogues_keep_every_placeholder_of_their_messages():
    pattern = re.compile(r"\{(\w+)\}")
    files = [*sorted((GRADER / "locale").rglob("*.po")), *sorted(ASSIGNMENTS.glob("*/locale/*.po"))]
    assert len(files) >= 10
    for path in files:
        with path.open("rb") as f:
            for message in read_po(f):
                if message.id and message.string:
                    assert set(pattern.findall(str(message.id))) == set(
                        pattern.findall(str(message.string))), (path.name, message.id)


@pytest.mark.parametrize("root", discover(ASSIGNMENTS), ids=lambda p: p.name)
def test_every_assignment_of_the_curriculum_speaks_chinese(root):
    """Its title, each check title and hint, and its contracts' reasons have a translation
    (grade translate would add nothing)."""
    assignment = load_assignment(root)
    chinese = assignment.translations("zh_CN")
    strings = assignment_strings(assignment)
    assert strings and not [s for s in strings if not chinese.get(s)]


def test_titles_and_hints_can_be_given_in_both_languages_in_a_check_file():
    with collecting() as declared:
        @check("f", title={"en": "f doubles", "zh": "f 加倍"}, hints=[
            Hint({"en": "multiply by 2", "zh": "乘以 2"}, when=lambda got: True)])
        def doubles(m, device, rng):
            return m.f(1)
    (spec,) = declared
    assert spec.title == "f doubles" and spec.hints[0].message == "multiply by 2"
    assert set(spec.translations) == {("zh_CN", "f doubles", "f 加倍"),
                                      ("zh_CN", "multiply by 2", "乘以 2")}
    with pytest.raises(ValueError, match="English under 'en'"):
        Hint({"zh": "乘以 2"}, when=lambda got: True)
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        Hint({"en": "x", "fr": "y"}, when=lambda got: True)


def test_grade_translate_adds_new_strings_and_keeps_manual_entries(tmp_path):
    root = tmp_path / "04_custom_function"
    shutil.copytree(ASSIGNMENTS / "04_custom_function", root)
    checks = root / "checks" / "public.py"
    checks.write_text(checks.read_text().replace('"""forward gives input.clamp(min=0)',
                                                 '"""forward gives input.clamp(min=0), anew'))
    outcome = update_catalogue(load_assignment(root), "zh_CN")
    assert outcome.added == 1
    assert outcome.untranslated == ("forward gives input.clamp(min=0), anew",)
    text = (root / "locale" / "zh_CN.po").read_text()
    assert '#~ msgid "forward gives input.clamp(min=0)"' in text  # kept, as obsolete
    assert "#, manual" in text  # judges' templates written by hand are kept
    again = update_catalogue(load_assignment(root), "zh_CN")
    assert again.added == 0 and (root / "locale" / "zh_CN.po").read_text() == text


# --- a failing 04, rendered in both languages ------------------------------------------------

class _Visible(HTMLParser):
    """The text a reader sees, outside code, preformatted code and style."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("style", "code", "title"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "code", "title"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


ENGLISH_WORDS = re.compile(r"\b[A-Za-z]{3,}(?: [a-z]{2,}){2,}\b")
"""Three English words in a row: prose. Code, ids and torch's names are single words, or
inside backticks."""


def _prose(text: str) -> list[str]:
    text = re.sub(r"`[^`]*`", "", text)
    return ENGLISH_WORDS.findall(text)


@pytest.fixture(scope="module")
def failing_04(tmp_path_factory) -> list[SubmissionResult]:
    """04's one-bug variants (and its stub) graded, public and hidden checks."""
    from grader.intake.submissions import module_from_path
    from grader.judging.pipeline import Grading
    from grader.sandbox.jail import choose_level

    assignment = load_assignment(ASSIGNMENTS / "04_custom_function")
    grading = Grading(choose_level("auto"))
    folder = tmp_path_factory.mktemp("zh04")
    results = []
    for overlay in sorted((SUBMISSIONS / "04_custom_function").glob("*.py")):
        path = folder / overlay.stem / "custom_function.py"
        path.parent.mkdir()
        path.write_text(on_solution(overlay))
        module = module_from_path(path, assignment)
        results.append(grading.grade(assignment, module, overlay.stem, "all"))
        results.append(grading.grade(assignment, module, overlay.stem, "public"))
    results.append(grading.grade(assignment, module_from_path(assignment.stub, assignment),
                                 "stub", "public"))
    assert sum(not r.passed for r in results) >= 20
    return results


def test_a_failing_04_renders_in_chinese_with_no_string_left_in_english(failing_04):
    assignment = load_assignment(ASSIGNMENTS / "04_custom_function")
    tr = translator("zh_CN", [assignment.translations("zh_CN")])
    pages = []
    for result in failing_04:
        pages.append(render_summary(result, Path("report.html"), False, 1.0, tr=tr))
        for html in (render_report(result, tr=tr), render_inline(result, tr, "")):
            visible = _Visible()
            visible.feed(html)
            pages.append("".join(visible.text))
    pages.append(summary_markdown(failing_04[:6], ["05_linear_regression"], tr=tr))
    assert not tr.misses, sorted(tr.misses)
    # What torch or the submission raised is quoted as it was said, never translated.
    quoted = {q for r in failing_04 for c in r.checks
              for q in re.findall(r"\w+Error: ([^\n(]+)", c.message)}
    leftovers = sorted({p for page in pages for p in _prose(page)
                        if not any(p in q for q in quoted)})
    assert not leftovers, leftovers
    assert any("提示：" in page for page in pages) and any("尚未实现" in page for page in pages)


def test_the_same_failing_04_renders_in_english_as_recorded(failing_04):
    tr = translator("en")
    for result in failing_04[:6]:
        text = render_summary(result, None, False, 1.0, tr=tr)
        assert text == render_summary(result, None, False, 1.0)
        assert not re.search(r"[\u4e00-\u9fff]", text + render_report(result, tr=tr))


def test_result_json_stays_english_whatever_the_language(tmp_path):
    source = SUBMISSIONS / "04_custom_function" / "bug_notes_relu.py"
    work = tmp_path / "custom_function.py"
    work.write_text(on_solution(source))
    records = {}
    for lang in ("en", "zh_CN"):
        done = subprocess.run([sys.executable, "-m", "grader", "check", str(work), "-a",
                               "04_custom_function", "--lang", lang, "--out",
                               str(tmp_path / lang)], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 1, done.stderr
        record = json.loads((tmp_path / lang / "04_custom_function" / "result.json").read_text())
        records[lang] = [(c["id"], c["status"], c["message"]) for c in record["checks"]]
        report = (tmp_path / lang / "04_custom_function" / "report.html").read_text()
        assert ('lang="zh-CN"' in report) == (lang == "zh_CN")
        assert ("提示：" in done.stdout) == (lang == "zh_CN")
    assert records["en"] == records["zh_CN"]
    assert not re.search(r"[\u4e00-\u9fff]", json.dumps(records["zh_CN"], ensure_ascii=False))
