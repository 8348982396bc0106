"""What a session gets from whatever lends it children (a zygote, or a spawner where no
zygote can fork): the child it asked for, or the news that its parent is gone."""

from __future__ import annotations

from dataclasses import dataclass


class ZygoteGone(Exception):
    """The zygote (or spawner) died, stopped answering, or could not start a child."""


@dataclass(frozen=True)
class Forked:
    """A child started for one job: its pid (in the zygote's namespace) and the read ends
    of its pipes."""

    pid: int
    stdout: int
    stderr: int
    frames: int
