"""A submission's Python source as text, read the way Python itself reads a file it imports.

The student's editor decides the bytes: Windows editors start a file with a UTF-8 byte-order
mark and end its lines with CRLF, old Mac ones with a lone CR, and a file may name its own
encoding in a PEP 263 coding line (``# -*- coding: latin-1 -*-``). Python imports all of
them, so the grader must too. Every place that reads a submission's source decodes it here
(the child that runs it, :mod:`grader.judging.static` that reviews it), so that the text
that is reviewed is the text that runs, with the same line numbers: a coding line such as
``utf-7`` can turn what looks like a comment into code, and the review must see that code.

A file Python would refuse to import (bytes that are not valid in its declared or default
encoding, an encoding Python does not know) raises :class:`SyntaxError` naming the student's
file and line, which the grader reports like any other syntax error: one line, no traceback.
"""

from __future__ import annotations

import codecs
import re
import tokenize

# PEP 263: a comment on line 1 or 2 (line 2 only after a blank or comment line 1).
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.ASCII)
_BLANK = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)", re.ASCII)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decode_source(data: bytes, filename: str) -> str:
    """The text of the Python source ``data`` (the bytes of ``filename``, the name students
    know it by): decoded by :func:`tokenize.detect_encoding`'s rules (a UTF-8 byte-order mark,
    else a PEP 263 coding line, else UTF-8), the mark left out and every line ending (CRLF,
    CR, LF) made ``\\n``. Raises :class:`SyntaxError` at the student's line when Python would
    not import it."""
    head = data.splitlines(keepends=True)[:2]
    cookie = _cookie(head)
    if data.startswith(_UTF16_BOMS):
        raise _refused("the file is saved as UTF-16, which Python does not read; save it as "
                       "UTF-8", filename, 1)
    try:
        encoding, _ = tokenize.detect_encoding(iter(head).__next__)
    except SyntaxError:
        encoding = _declared(data, cookie, filename)
    body = data
    if encoding == "utf-8-sig":
        encoding, body = "utf-8", data[len(codecs.BOM_UTF8):]
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        bad = body[exc.start:exc.start + 1]
        what = f"byte 0x{bad.hex()}" if bad else "the end of the file"
        declared = (f"{cookie[1]}, as its coding line declares" if cookie is not None
                    else "utf-8; save the file as UTF-8, or declare its encoding in a coding line "
                         "(# -*- coding: latin-1 -*-)")
        raise _refused(f"{what} is not valid {declared}", filename,
                       _line_at(body, exc.start)) from None
    except LookupError:  # a codec of bytes to bytes or text to text (rot13, hex, zlib)
        raise _refused(f"the coding line names '{encoding}', which is not an encoding of text; "
                       "remove the line or name one such as utf-8", filename,
                       cookie[0] if cookie is not None else 1) from None
    except Exception as exc:  # a codec that fails its own way
        raise _refused(f"the file cannot be decoded as {encoding} ({type(exc).__name__})",
                       filename, cookie[0] if cookie is not None else 1) from None
    text = normalize_newlines(text)
    if "\0" in text:
        raise _refused("the file holds a null byte; is it a Python file?", filename,
                       text.count("\n", 0, text.index("\0")) + 1)
    return text


def normalize_newlines(text: str) -> str:
    """``text`` with CRLF and lone CR line endings made ``\\n``, as Python's universal
    newlines read them (a notebook's cells hold whatever the editor saved)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def source_lines(text: str) -> list[str]:
    """``text`` split into lines as the compiler counts them (at ``\\n`` only, not at the
    form feeds and other breaks :meth:`str.splitlines` also splits at), each with its end:
    what :mod:`linecache` holds, so that a traceback quotes the line it names."""
    lines = text.split("\n")
    ended = [line + "\n" for line in lines[:-1]]
    return ended + [lines[-1]] if lines[-1] else ended


def _declared(data: bytes, cookie: tuple[int, str] | None, filename: str) -> str:
    """The encoding to read a file in that :func:`tokenize.detect_encoding` refused: its
    coding line's, where Python's own reader takes it (a first line that is not UTF-8 before
    it); utf-8 where there is none, so that the decoding says which byte is wrong."""
    if cookie is None:
        return "utf-8"
    line, name = cookie
    try:
        known = codecs.lookup(name).name
    except LookupError:
        raise _refused(f"the coding line names '{name}', an encoding Python does not know; "
                       "remove the line or name one such as utf-8", filename, line) from None
    if data.startswith(codecs.BOM_UTF8):
        if known != "utf-8":
            raise _refused(f"the file starts with a UTF-8 byte-order mark but its coding line "
                           f"says '{name}'; remove one of the two", filename, line)
        return "utf-8-sig"
    return name


def _cookie(head: list[bytes]) -> tuple[int, str] | None:
    """The line (1 or 2) of a PEP 263 coding line among the first two, and the name it
    gives."""
    for number, line in enumerate(head, start=1):
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8):]
        found = _COOKIE.match(line)
        if found:
            return number, found.group(1).decode("ascii")
        if not _BLANK.match(line):
            return None
    return None


def _line_at(data: bytes, position: int) -> int:
    """The line (from 1) holding byte ``position``, line endings counted as Python counts
    them: CRLF, CR and LF each end one line."""
    before = data[:position]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


def _refused(why: str, filename: str, line: int) -> SyntaxError:
    return SyntaxError(why, (filename, line, 1, None))
