"""A child's pipes in a form that :mod:`selectors` can wait on, on every host.

On POSIX a pipe's file descriptor is waited on and read directly. Windows' ``select``
takes sockets only, so there each pipe gets a thread that copies what it reads into one end
of a socket pair, and the grader waits on the other end; the copy ends (and closes the pipe)
when the child's end closes.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

CHUNK = 65536


@dataclass
class Readable:
    """Descriptors to wait on (``fds``, one per pipe given, in order), how to read one, and
    how to close them all."""

    fds: list[int]
    read: Callable[[int], bytes]
    _sockets: dict[int, socket.socket] = field(default_factory=dict)

    def close(self, fd: int) -> None:
        sock = self._sockets.pop(fd, None)
        if sock is not None:
            sock.close()
        else:
            os.close(fd)


def readable(pipes: Sequence[int], pump: bool | None = None) -> Readable:
    """``pipes`` (read ends) made waitable; ``pump`` forces the thread copy (default: on
    Windows only)."""
    if not (sys.platform == "win32" if pump is None else pump):
        return Readable(list(pipes), lambda fd: os.read(fd, CHUNK))
    sockets: dict[int, socket.socket] = {}
    for pipe in pipes:
        ours, theirs = socket.socketpair()
        threading.Thread(target=_copy, args=(pipe, theirs), daemon=True,
                         name="grade-pipe").start()
        sockets[ours.fileno()] = ours
    return Readable(list(sockets), lambda fd: sockets[fd].recv(CHUNK), sockets)


def _copy(pipe: int, sock: socket.socket) -> None:
    try:
        while True:
            data = os.read(pipe, CHUNK)
            if not data:
                return
            sock.sendall(data)
    except OSError:
        return
    finally:
        os.close(pipe)
        sock.close()
