"""Recorded references: the solution's observations of the public checks, kept as files.

``grade build`` writes them next to each assignment so that ``grade check`` needs no
solutions (a student's copy has none) and starts no reference run (which is most of the
time a single check takes)::

    assignments/04_custom_function/references/
        manifest.json   format, the hashes of checks/public.py and of the solution, and per
                        device the file, its hash and the device's name
        cpu.json        one entry per public run (check, device, hint): what the solution
                        returned, or why it produced nothing (a device that was absent)
        cuda.json       the same on CUDA, when ``grade build`` ran where CUDA was present

Only public checks are recorded: the files ship to students, and a hidden check's inputs
must not. Values are stored with the private channel's encoding (:mod:`grader.sandbox.wire`) and
read back through its validating decoder, so a reference file is data, never code: nothing
is unpickled, every tensor is checked against its shape and dtype, and sizes are bounded.

A reference is *stale* when the public checks or the solution changed since it was
recorded (the solution's hash is compared only where the solution is on disk, as it is in
the course repository); *corrupt* when it cannot be read or does not match its manifest.
The files are written deterministically (no times, sorted runs), so rebuilding unchanged
checks and solutions leaves them byte for byte the same and a course repository's history
shows only real changes.

Hashes are taken over content that a checkout's line-ending conversion does not change: a
reference file's bytes with CRLF read as LF (:func:`_lf_endings`), and the public
checks' text as Python reads it (universal newlines). A copy checked out on Windows with
CRLF line endings is therefore neither corrupt nor stale; ``grade release`` also writes a
``.gitattributes`` that keeps these files byte-exact in Git.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import torch

from grader import __version__
from grader.errors import ReferenceFailure
from grader.intake.stubs import fingerprint
from grader.model.assignments import Assignment
from grader.model.authoring import DEVICES
from grader.model.observations import Raised
from grader.model.plan import RunKey
from grader.results import write_atomic
from grader.sandbox.codec import decode_value, encode_value
from grader.sandbox.outcomes import Observations, Observed, Outcome, RunFailure
from grader.sandbox.wire import WireError

SCHEMA = "grade-references/1"
FOLDER = "references"
MANIFEST = "manifest.json"
MAX_FILE_BYTES = 64 * 1024 * 1024


def folder(assignment: Assignment) -> Path:
    return assignment.root / FOLDER


@dataclass(frozen=True)
class Recorded:
    """What an assignment's ``references/`` folder holds, and whether it can be used."""

    state: Literal["fresh", "stale", "missing"]
    reason: str
    """Why it is stale or missing, for a person, e.g. "checks/public.py changed since ..."."""
    observations: Observations | None = None
    cuda: bool = False
    """Whether CUDA runs were recorded (``grade build`` ran where a GPU was present)."""


def rebuild_hint(assignment: Assignment) -> str:
    return f"run `grade build --assignment {assignment.name}` in the course repository"


def load(assignment: Assignment) -> Recorded:
    """The recorded public references of ``assignment``, with their freshness.

    Raises :class:`ReferenceFailure` for a corrupt folder: that is never the student's
    fault and never silently ignored.
    """
    where = folder(assignment)
    manifest_path = where / MANIFEST
    if not manifest_path.is_file():
        return Recorded("missing", f"{assignment.name} has no recorded references "
                                   f"({FOLDER}/{MANIFEST})")
    manifest = _read_json(manifest_path, assignment)
    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
        found = manifest.get("schema") if isinstance(manifest, dict) else None
        raise _corrupt(assignment, f"{MANIFEST} is not a {SCHEMA} manifest"
                       + (f" (it says {str(found)[:40]!r})" if found else ""))
    if manifest.get("assignment") != assignment.name:
        raise _corrupt(assignment, f"{MANIFEST} belongs to {str(manifest.get('assignment'))!r}")
    if manifest.get("checks_sha256") != assignment.source_sha256("public"):
        return Recorded("stale", "checks/public.py changed since the references were recorded")
    solution = assignment.solution_sha256
    if solution is not None and manifest.get("solution_sha256") != solution:
        return Recorded("stale", f"solutions/{assignment.name}/{assignment.module}.py changed "
                                 "since the references were recorded")
    if solution is not None and manifest.get("stubs_sha256") != stub_fingerprints(assignment):
        return Recorded("stale", f"the stub ({assignment.module}.py or .ipynb) changed since the "
                                 "references were recorded (students' CI tells an untouched "
                                 "stub by it)")
    devices = manifest.get("devices")
    if not isinstance(devices, dict) or "cpu" not in devices:
        raise _corrupt(assignment, f"{MANIFEST} lists no CPU references")
    outcomes: dict[RunKey, Outcome] = {}
    cuda_device = None
    for device in DEVICES:
        entry = devices.get(device)
        if entry is None:
            continue
        if not isinstance(entry, dict) or entry.get("file") != f"{device}.json":
            raise _corrupt(assignment, f"{MANIFEST}: bad entry for {device}")
        path = where / entry["file"]
        if not path.is_file():
            raise _corrupt(assignment, f"{entry['file']} is missing")
        raw = path.read_bytes()
        if len(raw) > MAX_FILE_BYTES:
            raise _corrupt(assignment, f"{entry['file']} is larger than "
                                       f"{MAX_FILE_BYTES // 2**20} MiB")
        raw = _lf_endings(raw)
        if hashlib.sha256(raw).hexdigest() != entry.get("sha256"):
            raise _corrupt(assignment, f"{entry['file']} does not match its hash in {MANIFEST}")
        outcomes.update(_decode_runs(raw, device, assignment))
        if device == "cuda" and isinstance(entry.get("device_name"), str):
            cuda_device = entry["device_name"][:200]
    cuda = any(k.device == "cuda" for k in outcomes)
    _cover(outcomes, assignment)
    return Recorded("fresh", "", Observations(outcomes, cuda_device=cuda_device, recorded=True),
                    cuda)


def _lf_endings(raw: bytes) -> bytes:
    """``raw`` with its line endings made LF, the form its hash was recorded over.

    A reference file is text, and Git for Windows (``core.autocrlf``) checks text out with
    CRLF line endings: hashed as checked out, every reference of such a copy would read as
    corrupt. The recorded JSON holds no carriage return of its own (JSON escapes one inside
    a string as ``\\r``), so this changes nothing else and any changed value still shows.
    """
    return raw.replace(b"\r\n", b"\n")


def _cover(outcomes: dict[RunKey, Outcome], assignment: Assignment) -> None:
    """Every public run must have a recorded outcome; a device never recorded is skipped
    with a reason, so that grading on a GPU machine with CPU-only references says why."""
    cuda_recorded = any(k.device == "cuda" for k in outcomes)
    for spec in assignment.public_checks():
        for device in spec.devices:
            key = RunKey(spec.id, device)
            if key in outcomes:
                continue
            if device == "cuda" and not cuda_recorded:
                outcomes[key] = RunFailure(
                    "skipped", "no CUDA references were recorded for this assignment "
                               "(grade build ran without a GPU)")
            else:
                raise _corrupt(assignment, f"no recorded outcome for {spec.id} on {device}")


def _decode_runs(raw: bytes, device: str, assignment: Assignment) -> dict[RunKey, Outcome]:
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise _corrupt(assignment, f"{device}.json is not JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA \
            or document.get("device") != device or not isinstance(document.get("runs"), list):
        raise _corrupt(assignment, f"{device}.json is not a {SCHEMA} file for {device}")
    out: dict[RunKey, Outcome] = {}
    for run in document["runs"]:
        try:
            key, outcome = _decode_run(run, device)
        except (WireError, KeyError, TypeError, ValueError) as exc:
            raise _corrupt(assignment, f"{device}.json: bad run: {exc}") from None
        out[key] = outcome
    return out


def _decode_run(run: Any, device: str) -> tuple[RunKey, Outcome]:
    check, hint = run["check"], run["hint"]
    if not isinstance(check, str) or not (hint is None or type(hint) is int):
        raise ValueError("bad key")
    key = RunKey(check, device, hint)
    if "failure" in run:
        status, message = run["failure"], run["message"]
        if status not in ("error", "timeout", "skipped") or not isinstance(message, str):
            raise ValueError("bad failure")
        return key, RunFailure(status, message[:2000])
    return key, Observed(decode_value(run["value"]))


def write(assignment: Assignment, solution: Observations, cuda_present: bool) -> list[Path]:
    """Record the public runs of ``solution`` (its observations, public and hidden alike)
    and return the files written. Hidden checks' runs are left out here, whatever it
    holds, because these files are released to students.

    Without CUDA, a ``cuda.json`` recorded earlier is kept only while the checks and the
    solution it was recorded from are unchanged; otherwise it goes, and the manifest no
    longer lists it.
    """
    where = folder(assignment)
    where.mkdir(parents=True, exist_ok=True)
    public = {c.id for c in assignment.public_checks()}
    checks_sha, solution_sha = assignment.source_sha256("public"), assignment.solution_sha256
    previous = _previous_manifest(where)
    unchanged = (previous.get("checks_sha256") == checks_sha
                 and previous.get("solution_sha256") == solution_sha)
    devices: dict[str, Any] = {}
    written = []
    for device in DEVICES:
        if device == "cuda" and not cuda_present:
            old = previous.get("devices", {}).get("cuda") if unchanged else None
            if isinstance(old, dict) and (where / "cuda.json").is_file():
                devices["cuda"] = old
            else:
                (where / "cuda.json").unlink(missing_ok=True)
            continue
        runs = sorted(((k, v) for k, v in solution.outcomes.items()
                       if k.device == device and k.check in public),
                      key=lambda kv: (kv[0].check, -1 if kv[0].hint is None else kv[0].hint))
        body = _encode_runs(device, runs)
        path = where / f"{device}.json"
        write_atomic(path, body)
        written.append(path)
        entry: dict[str, Any] = {"file": path.name,
                                 "sha256": hashlib.sha256(body.encode("utf-8")).hexdigest()}
        if device == "cuda":
            entry["device_name"] = solution.cuda_device
        devices[device] = entry
    manifest = {
        "schema": SCHEMA,
        "assignment": assignment.name,
        "checks_sha256": checks_sha,
        "solution_sha256": solution_sha,
        "stubs_sha256": stub_fingerprints(assignment),
        "grader_version": __version__,
        "torch_version": torch.__version__.split("+")[0],
        "devices": devices,
    }
    write_atomic(where / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    written.append(where / MANIFEST)
    return written


def stub_fingerprints(assignment: Assignment) -> dict[str, str]:
    """The code fingerprints of the assignment's stubs as they are in its folder now
    (:mod:`grader.intake.stubs`), by file name."""
    found = {}
    for path in (assignment.stub, assignment.stub.with_suffix(".ipynb")):
        digest = fingerprint(path)
        if digest is not None:
            found[path.name] = digest
    return found


def recorded_stubs(assignment: Assignment) -> dict[str, str]:
    """The stubs' fingerprints recorded by ``grade build``; empty where there are none or the
    manifest cannot be read (every file then counts as started). Read once per version of
    the manifest: a batch asks for every submission."""
    path = folder(assignment) / MANIFEST
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return {}
    return dict(_recorded_stubs(str(path), stamp))


@functools.lru_cache(maxsize=64)
def _recorded_stubs(path: str, stamp: int) -> tuple[tuple[str, str], ...]:
    try:
        stubs = json.loads(Path(path).read_bytes())["stubs_sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return ()
    if not isinstance(stubs, dict):
        return ()
    return tuple((k, v) for k, v in stubs.items() if isinstance(k, str) and isinstance(v, str))


def _encode_runs(device: str, runs: list[tuple[RunKey, Outcome]]) -> str:
    lines = []
    for key, outcome in runs:
        run: dict[str, Any] = {"check": key.check, "hint": key.hint}
        if isinstance(outcome, Observed):
            run["value"] = encode_value(_portable(outcome.value))
        else:
            run.update(failure=outcome.status, message=outcome.message)
        lines.append(json.dumps(run, allow_nan=False))
    head = json.dumps({"schema": SCHEMA, "device": device})[:-1]
    return head + ', "runs": [\n' + ",\n".join(lines) + "\n]}\n"


def _portable(value: Any) -> Any:
    """``value`` without the tracebacks of exceptions the solution raised: their frames hold
    the solution's source lines and the course machine's paths, and comparisons use only an
    exception's type and message."""
    if type(value) is Raised:
        return replace(value, frames=())
    if type(value) in (list, tuple):
        return type(value)(_portable(v) for v in value)
    if type(value) is dict:
        return {k: _portable(v) for k, v in value.items()}
    return value


def _previous_manifest(where: Path) -> dict[str, Any]:
    try:
        data = json.loads((where / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _read_json(path: Path, assignment: Assignment) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise _corrupt(assignment, f"{path.name} cannot be read: {exc}") from None


def _corrupt(assignment: Assignment, what: str) -> ReferenceFailure:
    return ReferenceFailure(f"{assignment.name}: the recorded references are corrupt: {what}; "
                            f"{rebuild_hint(assignment)}")
