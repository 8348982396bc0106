"""The result of a check inside a notebook: an HTML fragment a front end shows under the
cell (JupyterLab, Notebook, VS Code, Colab).

The fragment holds no script and no external resource (front ends sanitise or block them),
and its style is inline and scoped to its own classes, so the notebook's look is not
touched. It shows what report.html shows for the exercises checked: each exercise's bar,
each check with its message and hints, the tensor diff table, in the student's language.
"""

from __future__ import annotations

from grader.i18n import ENGLISH, Translator
from grader.reports import for_students, localize
from grader.reports.html import _environment, _exercises
from grader.results import SubmissionResult

TEMPLATE = "inline.html.j2"


def render_inline(result: SubmissionResult, tr: Translator = ENGLISH, source: str = "") -> str:
    """``result`` as a fragment; ``source`` says what was graded (the saved file, or the
    kernel's cells) and why."""
    shown = localize(for_students(result), tr)
    return _environment().get_template(TEMPLATE).render(
        result=shown, exercises=_exercises(shown), source=source, _=tr,
        lang="zh-CN" if tr.lang == "zh_CN" else "en",
        checks_passed=sum(c.status == "passed" for c in shown.checks),
        checks_counted=sum(c.status != "skipped" for c in shown.checks))
