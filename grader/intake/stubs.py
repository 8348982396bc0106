"""Has the student started? A file's *code fingerprint*, compared with the stub's.

``grade build`` records the fingerprint of each stub (the ``.py`` and the notebook) in the
references' manifest, which travels with the students' copy. A student's file whose
fingerprint is the stub's has not been started: ``grade ci`` leaves it out (the first day of
term is green), and where an assignment folder holds both files, the one that was worked on
is graded whatever the clone's file times say.

The fingerprint is taken over the code the grader would run, not the file's bytes: a
Windows checkout (CRLF), an editor's byte-order mark, or Jupyter saving an unchanged notebook
with new metadata, outputs or a source stored as one string instead of a list of lines do not
make a stub look started.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from grader.intake.source_text import decode_source, normalize_newlines

MAX_FINGERPRINTED_BYTES = 4 << 20
"""Larger files are never a stub: they count as started (and are graded) unread."""


def fingerprint(path: Path) -> str | None:
    """The SHA-256 of the code in ``path`` (a ``.py`` file or a notebook), or ``None`` where
    it cannot be read as such (missing, too large, not a notebook): such a file is started."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_FINGERPRINTED_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    code = _notebook_code(data) if path.suffix == ".ipynb" else _python_code(data, path.name)
    return None if code is None else hashlib.sha256(code.encode("utf-8")).hexdigest()


def untouched(path: Path, recorded: Mapping[str, str]) -> bool:
    """Whether ``path`` is the stub of the same name as recorded (``recorded`` maps a stub's
    file name to its fingerprint)."""
    expected = recorded.get(path.name)
    return expected is not None and fingerprint(path) == expected


def _python_code(data: bytes, name: str) -> str | None:
    try:
        return decode_source(data, name)
    except SyntaxError:
        return None  # not importable: certainly not the stub


def _notebook_code(data: bytes) -> str | None:
    try:
        cells = json.loads(data.decode("utf-8-sig")).get("cells")
    except (UnicodeDecodeError, ValueError, AttributeError):
        return None
    if not isinstance(cells, list):
        return None
    sources = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(source, str):
            return None
        sources.append(normalize_newlines(source))
    return "\0".join(sources)
