"""Framing for every channel between the grader and its sandboxed processes.

A frame is a 4-byte big-endian length and a UTF-8 JSON object with a ``kind``
(:mod:`grader.sandbox.protocol` says which kinds and fields). The same framing runs over a
child's observation pipe (:func:`write_frames`, :class:`FrameReader`) and over a zygote's
socket (:func:`send_message`, :func:`receive_message`, which also carry file descriptors).

This module imports nothing but the standard library, so the grader's command line can
start its zygotes before it imports torch. The functions a child's writes go through are
bound when the module is imported, which in a child happens before the submission is: a
submission that patches ``json`` or ``os.write`` cannot change the bytes that are sent.
"""

from __future__ import annotations

import array
import json
import os
import socket
import struct
from collections.abc import Mapping
from typing import Any

MAX_FRAME_BYTES = 64 * 1024 * 1024

# Bound now, before any student code runs in a child.
_dumps = json.dumps
_pack = struct.pack
_write = os.write
_len = len


class WireError(Exception):
    """A frame or value that does not follow the protocol (a broken or hostile child)."""


def frame(message: Mapping[str, Any]) -> bytes:
    """``message`` as one frame."""
    body = _dumps(message).encode("utf-8")
    return _pack(">I", _len(body)) + body


def write_frames(fd: int, *messages: Mapping[str, Any]) -> None:
    """Write ``messages`` as frames, in one write where the pipe takes it: the reader wakes
    once for frames that need no moment of their own."""
    data = b"".join(frame(m) for m in messages)
    while data:
        n = _write(fd, data)
        data = data[n:]


class FrameReader:
    """Reassembles frames from the bytes of a pipe, refusing oversized ones."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self._buffer += data
        frames = []
        while len(self._buffer) >= 4:
            (size,) = struct.unpack(">I", self._buffer[:4])
            if size > MAX_FRAME_BYTES:
                raise WireError(f"frame of {size} bytes exceeds the limit")
            if len(self._buffer) < 4 + size:
                break
            body = bytes(self._buffer[4:4 + size])
            del self._buffer[:4 + size]
            frames.append(_parse(body))
        return frames


def _parse(body: bytes) -> dict[str, Any]:
    try:
        message = json.loads(body)
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting too deep
        raise WireError(f"undecodable frame: {exc}") from None
    if not isinstance(message, dict) or not isinstance(message.get("kind"), str):
        raise WireError("frame without a kind")
    return message


def send_message(sock: socket.socket, message: Mapping[str, Any],
                 fds: list[int] | None = None) -> None:
    """One frame on a zygote's socket, with ``fds`` passed along (SCM_RIGHTS)."""
    data = frame(message)
    if fds:
        sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
    else:
        sock.sendall(data)


def receive_message(sock: socket.socket, max_fds: int = 0) -> tuple[dict[str, Any], list[int]]:
    """One frame from a zygote's socket and the file descriptors that came with it;
    EOFError when the other end closed it."""
    fds: list[int] = []
    head = b""
    while len(head) < 4:
        chunk, ancillary, _, _ = sock.recvmsg(4 - len(head),
                                              socket.CMSG_SPACE(max_fds * 4) if max_fds else 0)
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.extend(array.array("i", payload[:len(payload) - len(payload) % 4]))
        if not chunk:
            for fd in fds:
                os.close(fd)
            raise EOFError
        head += chunk
    (size,) = struct.unpack(">I", head)
    if size > MAX_FRAME_BYTES:
        raise WireError(f"frame of {size} bytes exceeds the limit")
    body = b""
    while len(body) < size:
        chunk = sock.recv(size - len(body))
        if not chunk:
            raise EOFError
        body += chunk
    return _parse(body), fds
