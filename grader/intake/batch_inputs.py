"""Batch inputs: the SUBMISSIONS folder of ``grade batch`` → one path per student to grade.

This stage only finds and unpacks submissions; :func:`grader.intake.submissions.module_from_path`
later turns each prepared path into the module to grade. Every refusal is a value (a
:class:`Problem`, or a :class:`Prepared` with ``problem`` set), so one bad entry never stops
the batch.

Naming rules (what each entry of SUBMISSIONS is, and the id it gets)::

    alice/  zhang_san/                   a folder: its whole name ("alice", "zhang_san")
    alice.py  hw4_bob.ipynb  c.zip       a file: its name without the extension ("hw4_bob")
    custom_function.py                   refused: a file named like the stub names no student
    .hidden  __MACOSX*  __pycache__      skipped without a word
    notes.txt, alice.PY                  any other file: skipped, listed as ignored

except names (of files or folders; of a file, without its extension) in a known LMS export
shape, which carry the student's name or login (:data:`LMS_EXPORTS`, tried in this order)::

    Moodle      Alice Smith_4711_assignsubmission_file_hw4.py      "Alice Smith", as it is
    Blackboard  Homework 4_asmith_attempt_2024-03-01-23-59-59_hw4.py  "asmith"
    Canvas      zhangsan_LATE_123456_7890123_hw4.py                "zhangsan"

With an instructor's ``--id-pattern`` (:func:`compile_id_pattern`), its group ``id`` (or group
1) in the entry's whole name is the id instead, and an entry it does not match is refused.

Two entries with the same id (compared ignoring case, as some file systems do) are never
merged: both are refused, each named in a line of :attr:`Discovery.refused`, and the id gets
one problem naming them all; except that when every one of them carries a Blackboard attempt
time and one is the newest, that one is graded and the older attempts are left out, each with
its line. An id must be usable as a folder name: not empty, at most 128 characters, not
starting with ".", without "..", "/", "\\" or control characters, and none of the batch's own
output names.

A ``.zip`` is unpacked into ``WORKSPACE/<id>/``. It may hold the files at its root or inside
one top folder (folders that hold nothing but one folder are stepped through); in there, the
folder holding ``<module>.py`` or ``<module>.ipynb`` is graded (with the files beside it), or
else the single ``.py`` or ``.ipynb`` file it holds. Hidden files and ``__MACOSX`` inside are
left out. A zip is refused whole, before anything is written, when it has more than 500
members, more than 50 MiB uncompressed in all, a member over 1 MiB compressed more than 100:1
(a zip bomb), an absolute path, a ``..`` in a path, a symbolic link, a password, or a
compression other than stored or deflate. Bytes are counted again while unpacking, so a header
that lies about sizes cannot get past the limits; a zip refused part-way leaves nothing behind.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import struct
import time
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from grader.errors import UsageError

EntryKind = Literal["folder", "py", "ipynb", "zip"]

MAX_ZIP_MEMBERS = 500
MAX_ZIP_BYTES = 50 * 1024 * 1024
MAX_ZIP_RATIO = 100
ZIP_RATIO_FROM_BYTES = 1024 * 1024
MAX_ID_LENGTH = 128
# Names the batch writes beside the per-student folders in its output.
RESERVED_IDS = frozenset({"summary.html", "grades.csv", "gradebook.sqlite"})

_KINDS: dict[str, EntryKind] = {".py": "py", ".ipynb": "ipynb", ".zip": "zip"}
# Full Name_<participant>_assignsubmission_<plugin>_<original name>: the name is anchored by
# the number and the plugin's name after it, so a "_" inside it does no harm.
_MOODLE = re.compile(r"^(?P<id>.+?)_\d+_assignsubmission_(?P<plugin>[a-z]+)_(?P<rest>.*)$")
# <assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>[_<original name>]: the assignment may
# hold "_", so the username is the part right before "_attempt_", which has none.
_BLACKBOARD = re.compile(r"^.+_(?P<id>[^_]+)_attempt_(?P<stamp>\d{4}(?:-\d\d){5})"
                         r"(?:_(?P<rest>.+))?$")
# <login>[_LATE]_<user id>_<file id>_<original name>: the login is what comes before the first
# "_<digits>_<digits>_" (or "_LATE_" and those), so "zhang_san" stays whole.
_CANVAS = re.compile(r"^(?P<id>.+?)(?:_LATE)?_\d+_\d+_(?P<rest>.+)$")
LMS_EXPORTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Moodle", _MOODLE), ("Blackboard", _BLACKBOARD), ("Canvas", _CANVAS))
"""The LMS export names an id is taken from, tried in this order on the name (of a file,
without its extension)."""
_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f/\\]")
_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 1 << 16
# Compressions whose decompressors zipfile bounds per read; bzip2 and lzma it does not.
_COMPRESSIONS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
# What a damaged archive raises from inside zipfile and its decompressors.
_DAMAGED = (zipfile.BadZipFile, EOFError, zlib.error, struct.error, ValueError,
            NotImplementedError, RuntimeError)


@dataclass(frozen=True)
class Entry:
    """One submission found in SUBMISSIONS, not yet unpacked."""

    id: str
    source: Path
    kind: EntryKind


@dataclass(frozen=True)
class Problem:
    """An entry that cannot be graded, with the id it would have had when one is known."""

    id: str | None
    message: str


@dataclass(frozen=True)
class Discovery:
    """What SUBMISSIONS holds: entries to grade (sorted by id), files skipped, and problems."""

    entries: tuple[Entry, ...]
    ignored: tuple[Path, ...]
    problems: tuple[Problem, ...]
    refused: tuple[str, ...] = ()
    """One line per entry that is not graded, ``<entry name>: <why>``: what the instructor
    reads on the terminal (an id's problem is the one result that id gets; a line is per
    entry, so two entries with one id are two lines, each naming the other)."""


@dataclass(frozen=True)
class Prepared:
    """The path to hand to ``module_from_path``, or why there is none."""

    id: str
    path: Path | None
    problem: str | None


class _Refused(Exception):
    """A zip that will not be unpacked or graded; the message is for the instructor."""


def discover_entries(folder: Path, module: str,
                     id_pattern: re.Pattern[str] | None = None) -> Discovery:
    """The submissions in ``folder`` for the assignment whose stub is ``<module>.py``; with
    ``id_pattern`` (:func:`compile_id_pattern`), each id is what it finds in the entry's name
    instead of what the naming rules above give."""
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder of submissions")
    found: list[_Named] = []
    ignored: list[Path] = []
    problems: list[Problem] = []
    for item in sorted(folder.iterdir()):
        name = item.name
        if name.startswith((".", "__MACOSX")) or name == "__pycache__":
            continue
        kind: EntryKind | None = "folder" if item.is_dir() else None
        if kind is None and item.is_file():
            kind = _KINDS.get(item.suffix)
        if kind is None:
            if not _blackboard_receipt(item):
                ignored.append(item)
            continue
        named = _named(item, kind, module, id_pattern)
        if isinstance(named, str):
            problems.append(Problem(None, f"{name}: {named}"))
        else:
            found.append(named)
    refused = [p.message for p in problems]
    entries = _one_per_id(found, problems, refused)
    entries.sort(key=lambda e: e.id)
    return Discovery(tuple(entries), tuple(ignored), tuple(problems), tuple(sorted(refused)))


def compile_id_pattern(text: str) -> re.Pattern[str]:
    """``--id-pattern``: a Python regular expression searched in each entry's whole name
    (a file's with its extension, a folder's), whose group ``id``, or else its group 1, is
    the id; refused here, before anything is graded, when it cannot be one."""
    try:
        pattern = re.compile(text)
    except re.error as exc:
        raise UsageError(f"--id-pattern '{text}' is not a regular expression: {exc}") from None
    if "id" not in pattern.groupindex and pattern.groups < 1:
        raise UsageError(f"--id-pattern '{text}' has no group for the id: put (?P<id>...) or "
                         "(...) around the part of the name that is the id")
    return pattern


@dataclass(frozen=True)
class _Named:
    """An entry with its id, the LMS whose export shape gave it, and the attempt's time
    (``YYYY-MM-DD-HH-MM-SS``) where the name carries one."""

    entry: Entry
    lms: str | None = None
    stamp: str | None = None


def _named(item: Path, kind: EntryKind, module: str,
           pattern: re.Pattern[str] | None) -> _Named | str:
    """``item`` with its id, or why it has none (a line for the instructor)."""
    name = item.name
    stem = name if kind == "folder" else name[: -len(item.suffix)]
    lms = stamp = None
    if pattern is not None:
        match = pattern.search(name)
        if match is None:
            return f"does not match --id-pattern '{pattern.pattern}'"
        entry_id = match.group("id" if "id" in pattern.groupindex else 1) or ""
        if not entry_id:
            return (f"--id-pattern '{pattern.pattern}' matches it, but its id "
                    "group matched nothing")
    else:
        entry_id = stem
        for lms_name, shape in LMS_EXPORTS:
            if found := shape.match(stem):
                lms, entry_id, stamp = lms_name, found["id"], found.groupdict().get("stamp")
                plugin = found.groupdict().get("plugin")
                if plugin not in (None, "file"):
                    return f"a Moodle '{plugin}' submission, not a file"
                break
        if lms is None and kind != "folder" and stem == module:
            return ("no student id in the name (it is named like the stub): name it <id>.py, "
                    "<id>.ipynb or <id>.zip, or put it in a folder named by the id")
    problem = _id_problem(entry_id)
    if problem:
        return problem
    return _Named(Entry(entry_id, item, kind), lms, stamp)


def _one_per_id(found: list[_Named], problems: list[Problem], refused: list[str]
                ) -> list[Entry]:
    """The entries to grade, one per id (ignoring case). Of several entries with one id, the
    newest attempt is kept when every one of them has an attempt time and one is newest;
    otherwise none is, and the id gets a problem. Every entry left out gets a line."""
    by_id: dict[str, list[_Named]] = defaultdict(list)
    for named in found:
        by_id[named.entry.id.casefold()].append(named)
    entries: list[Entry] = []
    for same in by_id.values():
        kept = _newest(same)
        if kept is not None:
            entries.append(kept.entry)
            refused += [f"{n.entry.source.name}: an older attempt of "
                        f"'{kept.entry.id}' than {kept.entry.source.name}, which is graded"
                        for n in same if n is not kept]
            continue
        first = same[0].entry.id
        hint = ""
        if any(n.lms for n in same):
            hint = ("; several files of one submission go in one folder named by the id, and "
                    "--id-pattern can tell apart students of one name by the LMS's number")
        names = ", ".join(n.entry.source.name for n in same)
        problems.append(Problem(first, f"the same id '{first}' comes from {names} "
                                f"(ids are compared ignoring case): keep one of them{hint}"))
        for named in same:
            others = ", ".join(n.entry.source.name for n in same if n is not named)
            refused.append(f"{named.entry.source.name}: its id '{named.entry.id}' "
                           f"also comes from {others}{hint or '; keep one of them'}")
    return entries


def _newest(same: list[_Named]) -> _Named | None:
    """The one entry to grade of ``same`` (one id): the only one, or the newest attempt when
    each has an attempt time and no other has the newest's; else None."""
    if len(same) == 1:
        return same[0]
    stamps = [n.stamp for n in same]
    if None in stamps:
        return None
    newest = max(s for s in stamps if s is not None)
    kept = [n for n in same if n.stamp == newest]
    return kept[0] if len(kept) == 1 else None


def _blackboard_receipt(item: Path) -> bool:
    """Blackboard's ``<assignment>_<user>_attempt_<time>.txt``, written beside each attempt's
    files: what the LMS says about it, not the student's work; skipped without a word."""
    if item.suffix != ".txt" or not item.is_file():
        return False
    found = _BLACKBOARD.match(item.stem)
    return found is not None and found["rest"] is None


def prepare(entry: Entry, workspace: Path, module: str) -> Prepared:
    """The path to grade for ``entry``; a zip is unpacked afresh into ``workspace/<id>``."""
    if entry.kind != "zip":
        return Prepared(entry.id, entry.source, None)
    problem = _id_problem(entry.id)
    if problem:
        return Prepared(entry.id, None, f"{entry.source.name}: {problem}")
    dest = workspace / entry.id
    try:
        _remove(dest)
        dest.mkdir(parents=True)
        _unpack(entry.source, dest)
        return Prepared(entry.id, _locate(dest, module), None)
    except _Refused as exc:
        _remove(dest)
        return Prepared(entry.id, None, f"{entry.source.name}: {exc}")


def _id_problem(entry_id: str) -> str | None:
    """Why ``entry_id`` cannot name a folder of results, or None when it can."""
    if not entry_id:
        return ("no student id in the name: name it <id>.py, <id>.ipynb or <id>.zip, or put "
                "it in a folder named by the id")
    if (entry_id.startswith(".") or ".." in entry_id or _UNSAFE_CHARS.search(entry_id)
            or len(entry_id) > MAX_ID_LENGTH):
        return (f"the id {entry_id!r} cannot name a folder (at most {MAX_ID_LENGTH} "
                "characters, no leading '.', no '..', '/', '\\' or control characters)")
    if entry_id.casefold() in RESERVED_IDS:
        return f"the id '{entry_id}' is a name the batch uses for its own output"
    return None


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def _unpack(source: Path, dest: Path) -> None:
    """Check every member first, then stream each one in under a byte budget."""
    try:
        with zipfile.ZipFile(source) as archive:
            members = [(info, _member_parts(info)) for info in _checked(archive.infolist())]
            budget = MAX_ZIP_BYTES
            for info, parts in members:
                if parts is None:
                    continue
                target = dest.joinpath(*parts)
                if not target.resolve().is_relative_to(dest.resolve()):
                    raise _Refused(f"'{info.filename}' would land outside its folder")
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                budget -= _copy(archive, info, target, budget)
                _keep_mtime(target, info)
    except _Refused:
        raise
    except FileExistsError as exc:
        raise _Refused(f"a path appears twice in the zip ({exc.filename})") from exc
    except _DAMAGED as exc:
        raise _Refused(f"not a readable zip file ({exc})") from exc
    except OSError as exc:
        raise _Refused(f"could not unpack: {exc.strerror or exc}") from exc


def _checked(members: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """``members`` when every limit holds; the limits are on what the headers declare."""
    if len(members) > MAX_ZIP_MEMBERS:
        raise _Refused(f"too many files in the zip ({len(members)}; at most {MAX_ZIP_MEMBERS})")
    for info in members:
        if info.flag_bits & 0x1:
            raise _Refused(f"'{info.filename}' is password-protected")
        if info.compress_type not in _COMPRESSIONS:
            raise _Refused(f"'{info.filename}' uses an unsupported compression "
                           f"(method {info.compress_type}); zip it with stored or deflate")
        if (info.file_size > ZIP_RATIO_FROM_BYTES
                and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1)):
            raise _Refused(f"'{info.filename}' looks like a zip bomb (compressed more than "
                           f"{MAX_ZIP_RATIO}:1)")
    total = sum(info.file_size for info in members)
    if total > MAX_ZIP_BYTES:
        raise _Refused(f"too large unpacked ({total >> 20} MiB; at most "
                       f"{MAX_ZIP_BYTES >> 20} MiB)")
    return members


def _member_parts(info: zipfile.ZipInfo) -> list[str] | None:
    """The member's path as folder names under the target, or None to leave it out."""
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name) or "\x00" in name:
        raise _Refused(f"'{info.filename}' is an absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise _Refused(f"'{info.filename}' climbs out of its folder ('..')")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise _Refused(f"'{info.filename}' is a symbolic link")
    if not parts or any(p.startswith(".") or p == "__MACOSX" for p in parts):
        return None
    return parts


def _copy(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Stream one member into ``target``; the bytes it took, counted rather than trusted."""
    written = 0
    with archive.open(info) as src, target.open("xb") as out:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            if written > info.file_size:
                raise _Refused(f"'{info.filename}' holds more than its header declares")
            if written > budget:
                raise _Refused(f"too large unpacked (more than {MAX_ZIP_BYTES >> 20} MiB)")
            out.write(chunk)
    return written


def _keep_mtime(target: Path, info: zipfile.ZipInfo) -> None:
    """Keep the saved time: of a .py and a .ipynb, the one saved last is graded."""
    try:
        stamp = time.mktime((*info.date_time, 0, 0, -1))
        os.utime(target, (stamp, stamp))
    except (OverflowError, ValueError, OSError):
        pass  # an odd date in the header: the unpacking time stands


def _locate(dest: Path, module: str) -> Path:
    """The folder holding ``<module>.py``/``.ipynb``, or the single .py/.ipynb file."""
    root = dest
    while len(inside := list(root.iterdir())) == 1 and inside[0].is_dir():
        root = inside[0]
    if not inside:
        raise _Refused("the zip holds no files")
    if (root / f"{module}.py").is_file() or (root / f"{module}.ipynb").is_file():
        return root
    candidates = sorted(p for p in inside if p.is_file() and p.suffix in (".py", ".ipynb"))
    if len(candidates) == 1:
        return candidates[0]
    found = ", ".join(p.name for p in candidates) or "none"
    raise _Refused(f"no {module}.py or {module}.ipynb in the zip, and not a single .py or "
                   f".ipynb to grade instead (found: {found})")
