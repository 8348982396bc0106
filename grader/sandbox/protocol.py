"""The sandbox's two process boundaries, typed: what crosses them and in which order.

**The grader and a zygote** share a Unix socket (:mod:`grader.sandbox.pool` is the grader's
end, :mod:`grader.sandbox.zygote` the zygote's). The zygote says ``ready`` once; then the
grader sends one command at a time:

=========  ===========================================  =====================================
command    what the zygote does                          answer
=========  ===========================================  =====================================
``fork``   loads the job's check files if it has not     ``forked`` with the child's pid; later
           yet, forks a child for the job (three pipes   ``exited`` with its wait status
           travel with the message: stdout, stderr,
           observation channel)
``kill``   kills the child's session                     none
``reset``  kills every process the submission left       ``reset``
``warm``   runs what torch loads lazily, on the CPU      ``warm``
``stats``  reads peak memory                             ``stats``
=========  ===========================================  =====================================

**A child and the grader** share a pipe that only the child writes. In order: ``hello`` (the
child's word on CUDA, sent before the submission is imported), for a notebook ``cell`` and
``cell_failed`` frames while its cells run, then ``loaded`` (with a ``skipped`` for every
CUDA run of a child without CUDA) or ``load_failed``; then one ``observed`` or ``timeout``
per run, in the order the job gave them; then ``done``. No frame announces a run: the run
in flight is the first without an outcome. The grader trusts nothing here that the
submission could have written after ``hello``: :func:`parse_child_frame` checks every field's
type, and the session refuses any frame out of order.

Framing (a 4-byte length and a JSON body) is :mod:`grader.sandbox.wire`'s; the encoding of
observation values inside ``observed``, ``load_failed`` and ``cell_failed`` is
:mod:`grader.sandbox.codec`'s.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

from grader.sandbox.wire import WireError

# ---------------------------------------------------------------- grader ⇄ zygote


class SourceSpec(TypedDict):
    """One checks file: :class:`grader.model.plan.CheckSource` as data."""

    kind: str
    filename: str
    source: str


class CellSpec(TypedDict):
    """One notebook cell to run: :class:`grader.intake.notebooks.NotebookCell` as data."""

    number: int
    source: str
    mode: str
    dropped: int


TAMPERED_EXIT = 86
"""A child's exit status when it finds the grader's own code in its process replaced: it
sends nothing more, and the grader says so."""


class RunSpec(TypedDict):
    check: str
    device: str
    hint: int | None
    time_limit_s: float
    """The check's wall clock: the child's alarm; the grader's kill follows it."""
    seed: int
    """The seed of the run's ``rng`` (:func:`grader.model.plan.run_seed`)."""


class ChildJob(TypedDict):
    """Everything a child needs, and nothing it should not see."""

    assignment: str
    checks: str
    """The key of the check files (:attr:`grader.model.plan.Plan.key`)."""
    sources: list[SourceSpec] | None
    """The check files' text; None once the zygote has loaded them under ``checks``."""
    module: str
    path: str
    cells: list[CellSpec]
    display: str
    workdir: str
    scratch: NotRequired[str]
    """At the strict level: where in the jail's memory the child copies ``workdir`` (which
    it cannot write) and works; ``path`` is then read there."""
    environment: dict[str, str]
    limits: dict[str, float]
    allow_cuda: bool
    host: NotRequired[dict[str, bool]]
    """What the child's host offers (:meth:`grader.sandbox.host.Host.as_job`): which limits
    it can set, and how it stops a check that runs too long."""
    runs: list[RunSpec]


class Fork(TypedDict):
    kind: Literal["fork"]
    job: ChildJob


class Kill(TypedDict):
    kind: Literal["kill"]
    pid: int


class Reset(TypedDict):
    kind: Literal["reset"]


class Warm(TypedDict):
    kind: Literal["warm"]
    optimizers: bool
    """Also warm up ``torch.optim`` (see :meth:`grader.sandbox.child.Runtime.warm_up`)."""


class Stats(TypedDict):
    kind: Literal["stats"]


Command = Fork | Kill | Reset | Warm | Stats


class Ready(TypedDict):
    kind: Literal["ready"]
    pid: int


class Forked(TypedDict):
    kind: Literal["forked"]
    pid: int


class Exited(TypedDict):
    kind: Literal["exited"]
    pid: int
    status: int


class ResetDone(TypedDict):
    kind: Literal["reset"]


class WarmDone(TypedDict):
    kind: Literal["warm"]


class StatsReply(TypedDict):
    kind: Literal["stats"]
    zygote_peak_kib: int
    child_peak_kib: int


Reply = Ready | Forked | Exited | ResetDone | WarmDone | StatsReply
ReplyKind = Literal["ready", "forked", "exited", "reset", "warm", "stats"]

# ---------------------------------------------------------------- child → grader


class Hello(TypedDict):
    kind: Literal["hello"]
    cuda: str | None
    """The CUDA device's name, or None for a child without CUDA."""


class Loaded(TypedDict):
    kind: Literal["loaded"]


class LoadFailed(TypedDict):
    kind: Literal["load_failed"]
    error: Any
    """A ``raised`` value in the codec's wire form."""


class CellStarted(TypedDict):
    kind: Literal["cell"]
    cell: int


class CellFailed(TypedDict):
    kind: Literal["cell_failed"]
    cell: int
    timeout: NotRequired[bool]
    error: NotRequired[Any]


class Skipped(TypedDict):
    kind: Literal["skipped"]
    check: str
    device: str
    hint: int | None
    reason: str


class ObservedFrame(TypedDict):
    kind: Literal["observed"]
    check: str
    device: str
    hint: int | None
    value: Any
    """The observation in the codec's wire form."""
    duration_s: float


class TimedOut(TypedDict):
    kind: Literal["timeout"]
    check: str
    device: str
    hint: int | None
    duration_s: float


class Done(TypedDict):
    kind: Literal["done"]


ChildFrame = (Hello | Loaded | LoadFailed | CellStarted | CellFailed | Skipped | ObservedFrame
              | TimedOut | Done)
ChildFrameKind = Literal["hello", "loaded", "load_failed", "cell", "cell_failed", "skipped",
                         "observed", "timeout", "done"]

_RUN_FIELDS = {"check": str, "device": str}
_FIELDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "hello": {"cuda": (str, type(None))},
    "loaded": {},
    "load_failed": {"error": dict},
    "cell": {"cell": int},
    "cell_failed": {"cell": int},
    "skipped": {**_RUN_FIELDS, "reason": str},
    "observed": {**_RUN_FIELDS, "duration_s": (int, float)},
    "timeout": {**_RUN_FIELDS, "duration_s": (int, float)},
    "done": {},
}


def parse_child_frame(message: dict[str, Any]) -> ChildFrame:
    """``message`` (a frame a child wrote) as a typed frame, or :class:`WireError` when a
    field is missing or of the wrong type. Values inside are checked by the codec later."""
    kind = message.get("kind")
    fields = _FIELDS.get(kind) if isinstance(kind, str) else None
    if fields is None:
        raise WireError(f"unknown frame kind {str(kind)[:40]!r}")
    for name, types in fields.items():
        value = message.get(name)
        if name not in message or not isinstance(value, types) or isinstance(value, bool):
            raise WireError(f"{kind} frame: bad or missing {name!r}")
    if "check" in fields:
        if "hint" not in message:
            raise WireError(f"{kind} frame: missing 'hint'")
        hint = message["hint"]
        if hint is not None and (type(hint) is not int or hint < 0):
            raise WireError(f"{kind} frame: bad 'hint'")
    if kind == "observed" and "value" not in message:
        raise WireError("observed frame without a value")
    if kind == "cell_failed" and not isinstance(message.get("timeout", False), bool):
        raise WireError("cell_failed frame: bad 'timeout'")
    return message  # type: ignore[return-value]  # checked field by field above
