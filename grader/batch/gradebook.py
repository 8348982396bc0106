"""The gradebook of a batch: one SQLite file in the output folder, the batch's memory.

Each result is committed, in one transaction, the moment it is judged, so killing a batch at
any instant (SIGINT, SIGKILL, a lost machine) loses at most the submissions in flight; WAL
mode keeps readers (a summary, a second look) from blocking the writer. A rerun asks
:meth:`Gradebook.current` whether a submission's stored result still stands: it does while
the submission's content hash and the assignment's version (checks, solution, grader) are
the ones it was graded with.

Only the batch's coordinating process writes; workers return results to it.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from grader.results import SubmissionResult

SCHEMA_VERSION = "1"

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    assignment TEXT NOT NULL,
    id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    assignment_version TEXT NOT NULL,
    status TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    duration_s REAL NOT NULL,
    grader_version TEXT NOT NULL,
    graded_at REAL NOT NULL,
    run TEXT NOT NULL,
    result_json TEXT NOT NULL,
    salt TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (assignment, id)
);
CREATE TABLE IF NOT EXISTS checks (
    assignment TEXT NOT NULL,
    submission TEXT NOT NULL,
    check_id TEXT NOT NULL,
    device TEXT NOT NULL,
    status TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    duration_s REAL NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (assignment, submission, check_id, device)
);
"""


@dataclass(frozen=True)
class Stored:
    """A submission's row: its result and what it was graded from."""

    result: SubmissionResult
    content_hash: str
    assignment_version: str
    graded_at: float
    run: str
    salt: str = ""
    """The graded run's secret salt (empty for one graded on the public seeds)."""


class Gradebook:
    """The SQLite gradebook at ``path`` (created on first use)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_TABLES)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(submissions)")}
        if "salt" not in columns:  # a gradebook written before salts were kept
            self._db.execute("ALTER TABLE submissions ADD COLUMN salt TEXT NOT NULL DEFAULT ''")
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def current(self, assignment: str, submission: str, content_hash: str,
                assignment_version: str) -> Stored | None:
        """The stored result of ``submission`` if it was graded from this very content with
        this version of the assignment, else None."""
        stored = self.get(assignment, submission)
        if stored is None or (stored.content_hash, stored.assignment_version) != (
                content_hash, assignment_version):
            return None
        return stored

    def get(self, assignment: str, submission: str) -> Stored | None:
        row = self._db.execute(
            "SELECT result_json, content_hash, assignment_version, graded_at, run, salt "
            "FROM submissions WHERE assignment = ? AND id = ?", (assignment, submission)
        ).fetchone()
        if row is None:
            return None
        return Stored(SubmissionResult.from_json(row[0]), *row[1:])

    def record(self, result: SubmissionResult, content_hash: str, assignment_version: str,
               run: str, result_json: str | None = None, salt: int | None = None) -> None:
        """Store ``result`` (replacing an older one) and commit before returning;
        ``result_json`` is its JSON when the caller already has it, ``salt`` the secret its
        inputs were drawn with (kept so that it can be regraded exactly)."""
        env = result.environment
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO submissions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (result.assignment, result.submission, content_hash, assignment_version,
                 result.status, result.score, result.max_score, result.duration_s,
                 env.grader_version if env else "", time.time(), run,
                 result_json or result.to_json(indent=None),
                 "" if salt is None else str(salt)))
            self._db.execute("DELETE FROM checks WHERE assignment = ? AND submission = ?",
                             (result.assignment, result.submission))
            self._db.executemany(
                "INSERT INTO checks VALUES (?,?,?,?,?,?,?,?,?)",
                [(result.assignment, result.submission, c.id, c.device, c.status, c.score,
                  c.max_score, c.duration_s, c.message) for c in result.checks])

    def forget_except(self, assignment: str, keep: set[str]) -> list[str]:
        """Remove the rows of submissions no longer in the batch; returns their ids."""
        ids = [r[0] for r in self._db.execute(
            "SELECT id FROM submissions WHERE assignment = ?", (assignment,))]
        gone = sorted(set(ids) - keep)
        with self._transaction():
            for sid in gone:
                self._db.execute("DELETE FROM submissions WHERE assignment = ? AND id = ?",
                                 (assignment, sid))
                self._db.execute("DELETE FROM checks WHERE assignment = ? AND submission = ?",
                                 (assignment, sid))
        return gone

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *rest: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")

