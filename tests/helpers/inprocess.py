"""Executors for the fast tests: sessions without a child process.

:class:`InProcessExecutor` runs a session's scenarios in the test's own process, seeded as a
child seeds them, and passes each observation through the channel's codec, so the judging
stages see what they would see from a sandbox. It isolates nothing and enforces no limit:
it is for trusted code (the solutions, the one-bug overlays), never for a hostile case.
:class:`ScriptedExecutor` answers with observations a test wrote by hand.
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from grader.intake.source_text import decode_source
from grader.model.assignments import load_check_sources
from grader.model.authoring import CheckSpec
from grader.model.observations import Raised
from grader.model.plan import RunKey
from grader.sandbox.child import seeder
from grader.sandbox.codec import decode_value, encode_value
from grader.sandbox.outcomes import Observations, Observed, Outcome, RunFailure
from grader.sandbox.session import SessionJob
from grader.sandbox.supervisor import describe_load_error

SEEDED_GENERATOR = seeder()
_ONE_AT_A_TIME = threading.Lock()


@dataclass
class InProcessExecutor:
    """Runs sessions here; counts them, so a test can tell how often references ran."""

    calls: list[SessionJob] = field(default_factory=list)
    _specs: dict[str, dict[str, CheckSpec]] = field(default_factory=dict)

    def __call__(self, job: SessionJob) -> Observations:
        with _ONE_AT_A_TIME:  # scenarios seed the process's global generators
            return self._run(job)

    def _run(self, job: SessionJob) -> Observations:
        self.calls.append(job)
        if job.plan.key not in self._specs:
            self._specs[job.plan.key] = {s.id: s for s in load_check_sources(
                job.plan.sources, job.plan.assignment)}
        specs = self._specs[job.plan.key]
        try:
            module = _load(job)
        except BaseException as exc:  # what a child reports as load_failed
            return Observations(load_failure=describe_load_error(Raised.from_exception(exc)),
                                notes=job.module.notes)
        outcomes: dict[RunKey, Outcome] = {}
        cuda = torch.cuda.is_available()
        for key in job.plan.runs:
            if key.device == "cuda" and not cuda:
                outcomes[key] = RunFailure("skipped", "no CUDA device here")
                continue
            outcomes[key] = Observed(_observe(specs[key.check], key, module, cuda,
                                            job.plan.by_id[key.check].seed))
        return Observations(outcomes, notes=job.module.notes)


def _load(job: SessionJob) -> types.ModuleType:
    module = types.ModuleType(job.module.name)
    module.__file__ = str(job.module.source)
    if job.module.cells:
        for cell in job.module.cells:
            if cell.mode != "skip":
                exec(compile(cell.source, f"{job.module.display}, cell {cell.number}", "exec"),
                     module.__dict__)
    else:
        source = decode_source(job.module.source.read_bytes(), job.module.display)
        exec(compile(source, job.module.display, "exec"), module.__dict__)
    return module


def _observe(spec: CheckSpec, key: RunKey, module: types.ModuleType, cuda: bool,
             seed: int) -> Any:
    target = module
    if key.hint is not None:
        target = types.ModuleType(module.__name__)
        target.__dict__.update(module.__dict__)
        target.__dict__.update(dict(spec.hints[key.hint].patch or {}))
    try:
        value = spec.scenario(target, key.device, SEEDED_GENERATOR(seed, key.device, cuda))
    except (Exception, SystemExit) as exc:  # as a child observes what a scenario raised
        value = Raised.from_exception(exc)
    return decode_value(encode_value(value))


@dataclass
class ScriptedExecutor:
    """Answers each session with the observations ``script`` gives for its module's name
    (a value is an observation; a :class:`RunFailure` stands for itself); runs it lacks are
    missing, as from a child that died."""

    script: Mapping[str, Mapping[RunKey, Any]]
    load_failures: Mapping[str, str] = field(default_factory=dict)
    calls: list[SessionJob] = field(default_factory=list)
    transform: Callable[[Any], Any] = field(default=lambda value: decode_value(
        encode_value(value)))

    def __call__(self, job: SessionJob) -> Observations:
        self.calls.append(job)
        name = job.module.display
        if name in self.load_failures:
            return Observations(load_failure=self.load_failures[name])
        outcomes: dict[RunKey, Outcome] = {}
        for key, value in self.script[name].items():
            if key in job.plan.runs:
                outcomes[key] = value if isinstance(value, RunFailure) else Observed(
                    self.transform(value))
        return Observations(outcomes)
