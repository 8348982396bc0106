"""``grade batch --dask ADDRESS``: the same grading, on the workers of a Dask cluster.

Each task grades one submission on a worker from start to end, judging included — its own
sandboxed children, the worker's own sandbox level (``--sandbox strict`` fails a task on a
worker without bubblewrap rather than grading it at a weaker level), limits from the
assignment. Workers read the assignment and the submissions from the paths the coordinator
sees, so they need a shared filesystem (or the same checkout at the same paths); each worker
process computes the reference observations once and keeps them. Results travel back as
``result.json`` documents. When some workers advertise a ``GPU``
resource (``dask worker ... --resources GPU=1``), every task asks for one, so that every
submission's CUDA checks run.

Needs ``pip install torchgrade[dask]`` (``dask.distributed``).
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from grader.batch.task import Task, grade_task
from grader.errors import UsageError
from grader.judging.pipeline import Grading
from grader.model.assignments import Assignment, load_assignment
from grader.results import SubmissionResult
from grader.sandbox.jail import choose_level

_ASSIGNMENTS: dict[tuple[str, str | None], Assignment] = {}
_GRADINGS: dict[tuple[str, int | None], Grading] = {}


def grade_on_dask(tasks: list[Task], assignment: Assignment, sandbox: str, address: str,
                  salt: int | None = None) -> Iterator[SubmissionResult]:
    """Grade ``tasks`` on the cluster at ``address``, yielding results as they finish;
    ``salt`` (the run's secret) travels with each task to the worker."""
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise UsageError("--dask needs dask.distributed: pip install 'torchgrade[dask]'") from None
    try:
        client = Client(address, timeout="20s")
    except OSError as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        workers = client.scheduler_info().get("workers", {}).values()
        gpu = any("GPU" in (w.get("resources") or {}) for w in workers)
        solutions = str(assignment.solution.parent.parent) if assignment.solution else None
        run = uuid.uuid4().hex[:8]
        futures = [client.submit(grade_remote, task, str(assignment.root), solutions, sandbox,
                                 salt, key=f"grade-{run}-{task.id}", pure=False,
                                 resources={"GPU": 1} if gpu else None)
                   for task in tasks]
        for future in as_completed(futures):
            yield SubmissionResult.from_dict(future.result())
    finally:
        client.close()


def grade_remote(task: Task, root: str, solutions: str | None, sandbox: str,
                 salt: int | None = None) -> dict[str, Any]:
    """On a worker: grade one task; the result as a ``result.json`` document. The worker
    resolves the sandbox level on its own machine, once, and keeps the references (one set
    per salt)."""
    key = (root, solutions)
    if key not in _ASSIGNMENTS:
        _ASSIGNMENTS[key] = load_assignment(Path(root), Path(solutions) if solutions else None)
    if (sandbox, salt) not in _GRADINGS:
        _GRADINGS[sandbox, salt] = Grading(choose_level(sandbox), salt=salt)
    with tempfile.TemporaryDirectory(prefix="grade-batch-") as workspace:
        result = grade_task(task, _ASSIGNMENTS[key], _GRADINGS[sandbox, salt], Path(workspace))
    return result.to_dict()
