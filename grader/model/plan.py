"""What a sandbox session is asked to run: a plan drawn from an assignment, as plain data.

The sandbox never sees the live :class:`~grader.model.assignments.Assignment` (its scenarios,
hints and judges are the grader's): it gets the check files' text to load in its own
process, the runs in the order to make them, and per check the time and resource limits.
Everything here is hashable and immutable, so one plan serves every submission of a batch.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Literal

from grader.model.limits import Limits

Scope = Literal["public", "all"]
"""Which checks: ``public`` (what ``grade check`` runs and students see) or ``all`` (with
the hidden ones, as a graded run has them)."""

SCOPES: tuple[Scope, ...] = ("public", "all")


@dataclass(frozen=True)
class RunKey:
    """Which run: a check on a device, optionally under a hint's patch (reference side only)."""

    check: str
    device: str
    hint: int | None = None


@dataclass(frozen=True)
class CheckSource:
    """The text of one checks file, as shipped to a child."""

    kind: str
    filename: str
    source: str


SEED_BITS = 63


def run_seed(seed: int, salt: int | None) -> int:
    """The seed of a check's ``rng`` in a run: the check's own seed (the one its recorded
    references were made with) without a salt; with one, a number drawn from both that a
    submission cannot work out without the salt. A graded run draws a secret salt, so that
    no submission can replay recorded or precomputed answers: it sees inputs that nobody
    recorded, and the reference is computed on the very same ones."""
    if salt is None:
        return seed
    digest = hashlib.sha256(f"grade-salt:{salt}:{seed}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - SEED_BITS)


@dataclass(frozen=True)
class CheckPlan:
    """What the sandbox knows of one check: how long a run may take, under which limits,
    and the seed its runs' ``rng`` starts from."""

    id: str
    time_limit_s: float
    limits: Limits
    seed: int


@dataclass(frozen=True)
class Plan:
    """The runs of one session and what a child needs to make them.

    ``key`` names the check files by content (with the assignment's name and the files'
    names, which the child compiles them under): a zygote that loaded them once is told
    the key only, and its later children inherit the loaded checks.
    """

    assignment: str
    key: str
    sources: tuple[CheckSource, ...]
    runs: tuple[RunKey, ...]
    checks: tuple[CheckPlan, ...]
    limits: Limits
    """The assignment's limits; a check's own overrides are in its :class:`CheckPlan`."""
    salt: int | None = None
    """The secret the seeds were drawn with (None: the checks' public seeds)."""

    @functools.cached_property
    def by_id(self) -> dict[str, CheckPlan]:
        return {c.id: c for c in self.checks}

    def with_runs(self, runs: tuple[RunKey, ...]) -> Plan:
        """The same checks with other runs (a subset, or the same in another order)."""
        return Plan(self.assignment, self.key, self.sources, runs, self.checks, self.limits,
                    self.salt)
