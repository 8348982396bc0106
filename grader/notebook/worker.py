"""The process behind a notebook's :class:`grader.notebook.Checker`: ``grade check``
kept warm.

The kernel starts it once (``python -m grader.notebook.worker``) and sends one request per
line on its stdin; it answers one line on stdout. It grades through :func:`grader.api.check`
(the same sandbox, limits, references and reports as ``grade check``), and the sandbox's
zygote stays warm between requests, so a second check of an exercise costs a fork and
the checks, not an interpreter and torch. Nothing of the kernel's namespace reaches it: it
grades a file.

A request: ``{"path": ..., "exercises": [...], "lang": ..., "out": ..., "sandbox": ...,
"course": ..., "assignment": ...}``; an answer: ``{"ok": true, "html": ..., "text": ...,
"score": ..., "max_score": ..., "passed": ..., "report": ...}`` or ``{"ok": false,
"error": "one line"}``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from grader.errors import GraderError


def answer(request: dict[str, Any]) -> dict[str, Any]:
    """One request graded: what the kernel displays, or why it could not be graded."""
    from grader import api
    from grader.reports.inline import render_inline
    from grader.reports.terminal import render_summary

    try:
        outcomes = api.check(
            Path(request["path"]), request.get("assignment"), Path(request["out"]),
            sandbox=request.get("sandbox", "auto"), lang=request.get("lang", "en"),
            exercises=tuple(request.get("exercises", ())), read_here=True,
            course=Path(request["course"]) if request.get("course") else None,
            cwd=Path(request["path"]).parent)
    except GraderError as exc:
        return {"ok": False, "error": exc.message}
    outcome = outcomes[0]
    source = request.get("source", "")
    return {"ok": True,
            "html": render_inline(outcome.result, outcome.tr, source),
            "text": render_summary(outcome.result, outcome.report_html, False, tr=outcome.tr),
            "score": outcome.result.score, "max_score": outcome.result.max_score,
            "passed": outcome.result.passed, "report": str(outcome.report_html)}


def serve(stdin: TextIO, stdout: TextIO) -> None:
    """Answer requests until stdin closes (the kernel ended or the checker was closed)."""
    for line in stdin:
        if not line.strip():
            continue
        try:
            reply = answer(json.loads(line))
        except Exception as exc:  # a grader bug: one line to the notebook, and carry on
            reply = {"ok": False,
                     "error": f"internal error: {type(exc).__name__}: {exc} (this is a bug "
                              "in grade; please report it)"}
        stdout.write(json.dumps(reply) + "\n")
        stdout.flush()


def main() -> None:
    # The replies own stdout: anything else printed (a warning) goes to stderr.
    channel = sys.stdout
    sys.stdout = sys.stderr
    _prestart(sys.argv[1] if len(sys.argv) > 1 else "auto")
    serve(sys.stdin, channel)


def _prestart(sandbox: str) -> None:
    """The sandbox's zygote, started while the kernel goes on: the first check finds it
    warm, or nearly."""
    import threading

    from grader.sandbox import jail, pool

    def start() -> None:
        try:
            pool.POOL.prepare(jail.choose_level(sandbox), True, 1, False)
        except Exception:  # the check itself starts one and says what is wrong
            pass

    threading.Thread(target=start, name="grade-prestart", daemon=True).start()


if __name__ == "__main__":
    main()
