"""The grader's own errors, and the exit codes they map to.

Hierarchy (every class carries the exit code the CLI returns and a message for a person)::

    GraderError                  exit 2: the grader itself could not run
    ├── UsageError               bad arguments, a path that does not exist
    ├── AssignmentError          no such assignment, a malformed assignment.toml or checks file
    └── ReferenceFailure         the reference solution could not produce an observation

Student faults are never raised as exceptions: a syntax error, a crash or a timeout in a
submission becomes a :class:`grader.results.CheckResult` (failure is a result).

Control-flow signals used inside the child process (see :mod:`grader.sandbox.child`) derive from
``BaseException`` so that a student's ``except Exception`` cannot swallow them.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit status of every ``grade`` command, as the README's "Exit status" states it."""

    OK = 0
    CHECKS_FAILED = 1
    GRADER_ERROR = 2


class GraderError(Exception):
    """The grader could not do what was asked; the message says what to do."""

    exit_code: ExitCode = ExitCode.GRADER_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(GraderError):
    """Bad arguments or a path that does not exist."""


class AssignmentError(GraderError):
    """An assignment is missing or its definition (assignment.toml, checks) is broken."""


class ReferenceFailure(GraderError):
    """The reference solution could not produce an observation: the course's fault."""


class CheckTimeout(BaseException):  # noqa: N818 - a signal, not an error
    """Raised inside the child when a check runs past its time limit (a soft limit).

    It derives from ``BaseException`` so that a student's ``except Exception`` does not
    swallow it; the parent's hard kill backs it up when a bare ``except:`` does.
    """
