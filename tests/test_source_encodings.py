"""Sources read as Python reads them: a byte-order mark, a PEP 263 coding line, CRLF and lone
CR line endings are accepted wherever a submission's Python comes in (a .py file, a notebook's
cells, a .py inside a zip), and a file Python would refuse to import is the student's error,
naming their file and line."""

from __future__ import annotations

import codecs
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from nbformat import writes
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.intake.source_text import decode_source, normalize_newlines, source_lines
from grader.intake.submissions import ModuleUnderTest
from grader.judging.static import examine
from grader.model.assignments import Assignment
from helpers import ROOT, SOLUTION_04

SOLUTION = SOLUTION_04.read_text(encoding="utf-8")
LATIN_1_HEADER = "# -*- coding: latin-1 -*-\n# café, naïve, señor\n"


def saved_as(how: str) -> bytes:
    """The reference solution's bytes as an editor of one kind would save them."""
    if how == "bom":
        return codecs.BOM_UTF8 + SOLUTION.encode("utf-8")
    if how == "latin-1":
        return (LATIN_1_HEADER + SOLUTION).encode("latin-1")
    if how == "crlf":
        return SOLUTION.replace("\n", "\r\n").encode("utf-8")
    if how == "cr":
        return SOLUTION.replace("\n", "\r").encode("utf-8")
    raise ValueError(how)


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=600)


def assert_students_one_line_error(message: str | None, line: int) -> None:
    assert message is not None
    assert message.startswith(f"custom_function.py, line {line}: "), message
    assert "\n" not in message and "Traceback" not in message
    assert "child.py" not in message and "grader" not in message and str(ROOT) not in message


# --- decoding, in this process ------------------------------------------------------------

@pytest.mark.parametrize("how", ["bom", "latin-1", "crlf", "cr"])
def test_every_saved_form_decodes_to_the_text_python_runs(how: str) -> None:
    text = decode_source(saved_as(how), "custom_function.py")
    expected = LATIN_1_HEADER + SOLUTION if how == "latin-1" else SOLUTION
    assert text == expected
    assert compile(text, "custom_function.py", "exec")


def test_mixed_line_endings_each_count_as_one_line() -> None:
    statements = ["a = 1", "b = 2", "c = 3", "d = 4"]
    saved = "\r\n".join(statements[:2]) + "\r" + "\n".join(statements[2:])
    assert decode_source(saved.encode(), "m.py").split("\n") == statements
    assert normalize_newlines(saved).split("\n") == statements


def test_lines_are_cut_where_the_compiler_counts_them() -> None:
    """A form feed (old style sheets put one between sections) is not a line break: the
    line a traceback names is the line it quotes."""
    text = "x = 1\n\x0c\ndef f():\x0c\n    return 1 / 0\n"
    lines = source_lines(text)
    assert "".join(lines) == text
    namespace: dict[str, object] = {}
    exec(compile(text, "m.py", "exec"), namespace)
    with pytest.raises(ZeroDivisionError) as raised:
        namespace["f"]()  # type: ignore[operator]
    assert lines[raised.traceback[-1].lineno].strip() == "return 1 / 0"


@pytest.mark.parametrize("data, line, phrase", [
    (b"# coding: utf-8\nx = 1\ny = '\xff'\n", 3, "not valid utf-8"),
    (b"x = 1\r\ny = 2\r\nz = '\xe9'\r\n", 3, "not valid utf-8"),
    (b"x = 1\ry = 2\rz = '\xe9'\r", 3, "not valid utf-8"),
    (b"# coding: no-such-codec\nx = 1\n", 1, "no-such-codec"),
    (b"#!/usr/bin/env python\n# -*- coding: no-such-codec -*-\nx = 1\n", 2, "no-such-codec"),
    (b"# coding: rot13\nx = 1\n", 1, "rot13"),
    (codecs.BOM_UTF8 + b"# coding: latin-1\nx = 1\n", 1, "byte-order mark"),
    (codecs.BOM_UTF16_LE + "x = 1\n".encode("utf-16-le"), 1, "UTF-16"),
    (b"x = 1\ny = 2\0\n", 2, "null byte"),
])
def test_a_file_python_would_refuse_is_a_syntax_error_at_the_students_line(
        data: bytes, line: int, phrase: str) -> None:
    with pytest.raises(SyntaxError) as raised:
        decode_source(data, "custom_function.py")
    assert raised.value.filename == "custom_function.py" and raised.value.lineno == line
    assert phrase in str(raised.value)
    assert str(raised.value).endswith(f"(custom_function.py, line {line})")


def test_the_static_review_reads_the_lines_the_child_runs(
        custom_function: Assignment, tmp_path: Path) -> None:
    """Line numbers agree with the compiler's, whatever the encoding and line endings; and
    what a coding line turns into code (utf-7 decodes ``+AAo-`` to a line break) is reviewed
    as the code it is, not as the comment it looks like."""
    body = "x = 1\r\nimport ctypes\r\n"
    path = tmp_path / "custom_function.py"
    path.write_bytes(LATIN_1_HEADER.replace("\n", "\r\n").encode("latin-1") + body.encode())
    module = ModuleUnderTest(custom_function.module, path, path.name)
    flags = [f for f in examine(custom_function, module).flags if f.rule == "ctypes"]
    assert [(f.file, f.line) for f in flags] == [("custom_function.py", 4)]
    assert "\r" not in flags[0].code

    path.write_bytes(b"# coding: utf-7\n# nothing here +AAo-import ctypes\n")
    flags = [f for f in examine(custom_function, module).flags if f.rule == "ctypes"]
    assert [f.line for f in flags] == [3]


def test_the_static_review_of_an_undecodable_file_finds_nothing_and_does_not_raise(
        custom_function: Assignment, tmp_path: Path) -> None:
    path = tmp_path / "custom_function.py"
    path.write_bytes(b"# coding: no-such-codec\nimport ctypes\n")
    module = ModuleUnderTest(custom_function.module, path, path.name)
    assert examine(custom_function, module).flags == ()


# --- graded in real children --------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("how", ["bom", "latin-1", "crlf", "cr"])
def test_a_correct_solution_saved_any_way_python_reads_scores_full_marks(
        grade, tmp_path: Path, how: str) -> None:
    path = tmp_path / "custom_function.py"
    path.write_bytes(saved_as(how))
    result = grade(path)
    assert result.status == "graded", result.error
    assert result.score == result.max_score > 0


@pytest.mark.slow
@pytest.mark.parametrize("data, line", [
    (b"# -*- coding: utf-8 -*-\nimport torch\nNAME = '\xe9t\xe9'\n", 3),
    (b"# coding: no-such-codec\nimport torch\n", 1),
])
def test_an_undecodable_file_is_the_students_error_naming_file_and_line(
        grade, tmp_path: Path, data: bytes, line: int) -> None:
    path = tmp_path / "custom_function.py"
    path.write_bytes(data + SOLUTION.encode("ascii", errors="replace"))
    result = grade(path)
    assert result.status == "error" and result.score == 0
    assert_students_one_line_error(result.error, line)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["bom", "latin-1"])
def test_grade_check_gives_full_marks_to_a_bom_or_latin_1_file(tmp_path: Path, how: str) -> None:
    path = tmp_path / "custom_function.py"
    path.write_bytes(saved_as(how))
    done = run_cli("check", str(path), "--assignment", "04_custom_function",
                   "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((tmp_path / "out" / "04_custom_function" / "result.json").read_text())
    assert data["status"] == "graded" and data["score"] == data["max_score"] > 0


@pytest.mark.slow
def test_grade_check_of_invalid_bytes_prints_one_line_naming_the_students_line(
        tmp_path: Path) -> None:
    path = tmp_path / "custom_function.py"
    path.write_bytes(b"# coding: utf-8\nimport torch\n\n# caf\xe9\n" + SOLUTION.encode())
    done = run_cli("check", str(path), "--assignment", "04_custom_function",
                   "--out", str(tmp_path / "out"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "custom_function.py, line 4: SyntaxError" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert "child.py" not in done.stdout + done.stderr
    data = json.loads((tmp_path / "out" / "04_custom_function" / "result.json").read_text())
    assert data["status"] == "error"
    assert_students_one_line_error(data["error"], 4)


@pytest.mark.slow
def test_grade_batch_gives_full_marks_to_a_bom_crlf_notebook_and_a_zipped_bom_file(
        tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    crlf = SOLUTION.replace("\n", "\r\n")
    notebook = new_notebook(cells=[new_markdown_cell("My work.\r\n"), new_code_cell(crlf)])
    (subs / "alice.ipynb").write_bytes(codecs.BOM_UTF8 + writes(notebook).encode("utf-8"))
    with zipfile.ZipFile(subs / "bob.zip", "w") as archive:
        archive.writestr("hw4/custom_function.py", saved_as("bom"))

    done = run_cli("batch", str(subs), "--assignment", "04_custom_function",
                   "--out", str(tmp_path / "graded"), "--workers", "1")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for sid in ("alice", "bob"):
        data = json.loads((tmp_path / "graded" / sid / "result.json").read_text())
        assert data["status"] == "graded", (sid, data["error"])
        assert data["score"] == data["max_score"] > 0, sid
