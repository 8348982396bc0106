"""Reference observations: the solution run through the very same sandbox as students.

Computed once per assignment digest and scope in a process and shared by every submission
graded by it, or, for the public checks, read from the files ``grade build`` recorded
(:mod:`grader.references.store`). Each check's hint patches are observed here too, so that a
student's wrong answer can be matched against known wrong answers.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import replace

import torch

from grader.errors import ReferenceFailure
from grader.intake.submissions import solution_module
from grader.model.assignments import Assignment
from grader.model.plan import Scope
from grader.references import store
from grader.sandbox.jail import Level
from grader.sandbox.outcomes import Observations
from grader.sandbox.session import Executor, SessionJob, run_session


class ReferenceCache:
    """Reference observations resolved in this process, by assignment digest and scope,
    for one salt (see :func:`grader.model.plan.run_seed`).

    Safe to share between threads: the first to ask for a reference resolves it, the others
    wait for that one instead of running the solution again.
    """

    def __init__(self, level: Level, executor: Executor = run_session,
                 salt: int | None = None) -> None:
        self.level, self.executor, self.salt = level, executor, salt
        self._found: dict[tuple[str, Scope], Future[Observations]] = {}
        self._lock = threading.Lock()

    def cached(self, assignment: Assignment, scope: Scope) -> Observations | None:
        """The reference if it was resolved already, else None (nothing is run)."""
        future = self._found.get((assignment.digest(scope), scope))
        if future is None or not future.done() or future.exception() is not None:
            return None
        return future.result()

    def get(self, assignment: Assignment, scope: Scope) -> Observations:
        """The reference of ``assignment`` for ``scope``, resolved on first use; raises
        :class:`ReferenceFailure` (again, for every caller) when it cannot be had."""
        key = (assignment.digest(scope), scope)
        with self._lock:
            future = self._found.get(key)
            mine = future is None
            if future is None:
                future = self._found[key] = Future()
        if mine:
            try:
                future.set_result(resolve_reference(assignment, scope, self.level,
                                                    self.executor, self.salt))
            except BaseException as exc:
                future.set_exception(exc)
        return future.result()


def resolve_reference(assignment: Assignment, scope: Scope, level: Level,
                      executor: Executor = run_session, salt: int | None = None
                      ) -> Observations:
    """Recorded references where they are fresh (public checks on their public seeds only:
    hidden checks and salted runs are never recorded), else the solution run now; without
    either, a clear refusal.

    CPU-only recordings on a machine with a GPU are used in a student's copy (its CUDA
    checks are skipped, saying why); in the course repository, where the solution can run,
    the solution runs so that the CUDA checks run too.

    In the course repository a stale recording does not stop a check: the solution is run
    and the result carries a note saying the recording needs rebuilding. In a student's
    copy, which has no solution, stale references stop it: grading against them would
    judge the new checks with the old answers.
    """
    if scope == "all" or salt is not None:
        return compute_reference(assignment, scope, level, executor, salt)
    found = store.load(assignment)
    if found.observations is not None and (found.cuda or assignment.solution is None
                                           or not cuda_here()):
        return found.observations
    if assignment.solution is not None:
        computed = compute_reference(assignment, scope, level, executor)
        if found.state == "stale":
            note = (f"The recorded references are stale ({found.reason}); these results used "
                    f"the solution instead: {store.rebuild_hint(assignment)}.")
            computed = replace(computed, notes=(*computed.notes, note))
        return computed
    if found.state == "stale":
        raise ReferenceFailure(
            f"{assignment.name}: the recorded references are stale: {found.reason}; "
            f"{store.rebuild_hint(assignment)} (students: get the updated assignment "
            "from your course)")
    raise ReferenceFailure(
        f"{assignment.name}: no reference results: no recorded references "
        f"({store.FOLDER}/{store.MANIFEST}) and no solution at "
        f"solutions/{assignment.name}/{assignment.module}.py; "
        f"{store.rebuild_hint(assignment)}")


def cuda_here() -> bool:
    """Whether this machine could run the CUDA checks. A CPU build of torch answers without
    touching any driver; a CUDA build asks the driver (which initialises it in this process,
    harmless here: the grader's process never forks a child that uses CUDA)."""
    return torch.version.cuda is not None and torch.cuda.is_available()


def compute_reference(assignment: Assignment, scope: Scope, level: Level,
                      executor: Executor = run_session, salt: int | None = None
                      ) -> Observations:
    """Run the solution, hints included; any failure to load is the course's fault."""
    if assignment.solution is None:
        raise ReferenceFailure(
            f"{assignment.name}: no reference solution at solutions/{assignment.name}/"
            f"{assignment.module}.py")
    observations = executor(SessionJob(assignment.plan(scope, hints=True, salt=salt),
                                       solution_module(assignment), level))
    if observations.load_failure:
        raise ReferenceFailure(f"{assignment.name}: the reference solution cannot be loaded: "
                               f"{observations.load_failure}")
    return observations
