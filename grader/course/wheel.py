"""The grader as a wheel, made from the ``grader`` package that is running, for the students'
copy of a course to carry (``wheels/torchgrade-VERSION-py3-none-any.whl``).

Students install the grader from that file rather than by name: the copy then works on a
machine that cannot reach the package index, and it never depends on who owns a name there.

The wheel is assembled here with :mod:`zipfile` following the wheel format (the package's
files, then a ``.dist-info`` folder with ``METADATA``, ``WHEEL``, ``entry_points.txt`` and
``RECORD``) instead of asking a build backend for one. ``pip wheel`` or ``python -m build``
would need setuptools at release time, and with build isolation the network to fetch it; an
instructor releasing from an installed grader may have neither, nor the source tree. The
grader is pure Python, so nothing needs compiling. Entries are sorted and dated 1980-01-01,
so the same grader gives the same bytes: releasing again with an unchanged grader changes
nothing in the students' repository.

It holds only the ``grader`` package: solutions, checks and references are never inside
it (they are not part of the package), and the release's leak search need not read it.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

import grader
from grader import __version__
from grader.errors import UsageError

DISTRIBUTION = "torchgrade"
"""The grader's name on the package index (``grade`` there is another project's)."""
TAG = "py3-none-any"
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold
_SKIPPED_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
_KEPT_FIELDS = ("Summary", "Requires-Python", "Provides-Extra", "Requires-Dist")
_DEV_EXTRA = "dev"  # the source tree's test and lint tools: nothing a student's copy runs


def wheel_name(version: str = __version__) -> str:
    """The file name of the grader's wheel, e.g. ``torchgrade-0.1.0-py3-none-any.whl``."""
    return f"{DISTRIBUTION}-{version}-{TAG}.whl"


def build_wheel(dest: Path) -> Path:
    """Write the running grader's wheel into the folder ``dest`` and return its path.

    Dependencies, extras and the ``grade`` command come from the installed distribution's
    metadata, which pip wrote from ``pyproject.toml``; without it (a grader run from a bare
    source tree) there is nothing trustworthy to declare, so it is a clear refusal."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise UsageError(f"cannot build the grader's wheel: the {DISTRIBUTION} distribution is "
                         f"not installed (pip install -e . in the grader's source tree), or "
                         f"name one with --grader-requirement") from None
    info = f"{DISTRIBUTION}-{__version__}.dist-info"
    entries: list[tuple[str, bytes]] = []
    package = Path(grader.__file__).parent
    for path in _package_files(package):
        entries.append((f"grader/{path.relative_to(package).as_posix()}", path.read_bytes()))
    entries.append((f"{info}/METADATA", _metadata(dist).encode()))
    entries.append((f"{info}/WHEEL", _wheel_file().encode()))
    scripts = dist.read_text("entry_points.txt")
    if scripts:
        entries.append((f"{info}/entry_points.txt", scripts.encode()))
    record = f"{info}/RECORD"
    lines = [f"{name},sha256={_digest(data)},{len(data)}" for name, data in entries]
    entries.append((record, ("\n".join([*lines, f"{record},,"]) + "\n").encode()))
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / wheel_name()
    write_zip(target, [(name, data, 0o644) for name, data in entries])
    return target


def write_zip(target: Path, entries: Iterable[tuple[str, bytes, int]]) -> None:
    """Write ``(name, bytes, mode)`` entries, in the order given, to the zip ``target``:
    deflated, dated 1980-01-01, each with ``mode`` (Unix ``st_mode`` bits: permissions, and
    the file type where given) as its external attributes, so that the same entries give the
    same bytes."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, mode in entries:
            entry = zipfile.ZipInfo(name, _EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3  # Unix, on every system: unzip then applies the mode
            entry.external_attr = mode << 16
            archive.writestr(entry, data)


def _package_files(package: Path) -> Iterable[Path]:
    """The package's files as an install would have them: sources, templates, ``py.typed``;
    no caches, compiled files, hidden files or editor backups."""
    for path in sorted(package.rglob("*")):
        rel = path.relative_to(package)
        if any(part in _SKIPPED_DIRS or part.startswith(".") for part in rel.parts):
            continue
        if path.is_symlink() or not path.is_file():
            continue
        if path.suffix in (".pyc", ".pyo") or path.name.endswith("~"):
            continue
        yield path


def _metadata(dist: metadata.Distribution) -> str:
    """Core metadata (version 2.1): the name and version of this grader, and from the
    installed distribution what pip needs to install it: Python, dependencies, extras (but
    the developers' own)."""
    fields = [("Metadata-Version", "2.1"), ("Name", DISTRIBUTION), ("Version", __version__)]
    found = dist.metadata
    for key in _KEPT_FIELDS:
        for value in found.get_all(key) or ():
            if value != _DEV_EXTRA and f'extra == "{_DEV_EXTRA}"' not in value:
                fields.append((key, value))
    return "".join(f"{key}: {value}\n" for key, value in fields)


def _wheel_file() -> str:
    return (f"Wheel-Version: 1.0\nGenerator: {DISTRIBUTION} {__version__}\n"
            f"Root-Is-Purelib: true\nTag: {TAG}\n")


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
