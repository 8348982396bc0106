"""Observation values on the private channel: encoding in the child, safe decoding here.

An observation becomes a JSON-ready tree (:func:`encode_value`), which a frame carries
(:mod:`grader.sandbox.wire`). Tensors travel as their raw bytes (base64) with dtype, shape
and device, and are rebuilt with ``torch.frombuffer``: the grader never unpickles anything a
child produced, and :func:`decode_value` validates every type and size before use. The
encoder binds every function it calls when this module is imported, which happens before a
student's module is, so a submission that patches ``base64``, ``isinstance`` or
``torch.Tensor`` methods cannot change what is sent. ``grade build`` records references in
the same form (:mod:`grader.references.store`).
"""

from __future__ import annotations

import base64
import math
from typing import Any

import torch

from grader.model.observations import Identity, Opaque, Raised, TensorValue, TraceFrame
from grader.sandbox.wire import WireError

MAX_DEPTH = 32
MAX_ITEMS = 100_000
MAX_NUMEL = 16 * 1024 * 1024
MAX_STR = 100_000

DTYPES: dict[str, torch.dtype] = {
    str(d).removeprefix("torch."): d
    for d in (
        torch.float16, torch.bfloat16, torch.float32, torch.float64,
        torch.complex64, torch.complex128,
        torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool,
    )
}
_DTYPE_NAMES = {d: name for name, d in DTYPES.items()}

# Bound now, before any student code runs in this process.
_b64encode = base64.b64encode
_isinstance = isinstance
_type = type
_len = len
_str = str
_repr = repr
_Tensor = torch.Tensor
_detach = torch.Tensor.detach
_to = torch.Tensor.to
_contiguous = torch.Tensor.contiguous
_reshape = torch.Tensor.reshape
_view = torch.Tensor.view
_numpy = torch.Tensor.numpy
_as_subclass = torch.Tensor.as_subclass
_no_torch_function = torch._C.DisableTorchFunction
_no_grad = torch.no_grad


# ---------------------------------------------------------------- child side: encoding

def _encode_tensor(t: torch.Tensor) -> dict[str, Any]:
    with _no_torch_function(), _no_grad():
        plain = _as_subclass(t, _Tensor)
        layout_ok = plain.layout == torch.strided and not plain.is_quantized
        dtype_name = _DTYPE_NAMES.get(plain.dtype)
        if not layout_ok or dtype_name is None or plain.device.type == "meta":
            return {"$t": "opaque", "type": f"Tensor({plain.dtype}, {plain.layout})",
                    "repr": ""}
        device = plain.device.type
        cpu = _contiguous(_to(_detach(plain), "cpu"))
        raw = _numpy(_view(_reshape(cpu, (-1,)), torch.uint8)).tobytes() if cpu.numel() else b""
        return {"$t": "tensor", "dtype": dtype_name, "shape": list(cpu.shape),
                "device": device, "data": _b64encode(raw).decode("ascii")}


class _Labels:
    """An observation's identities, numbered in order of first appearance."""

    def __init__(self) -> None:
        self.seen: dict[int, int] = {}

    def label(self, key: int) -> int:
        return self.seen.setdefault(key, _len(self.seen))


def _encode(value: Any, depth: int = 0, labels: _Labels | None = None) -> Any:
    if depth > MAX_DEPTH:
        return {"$t": "opaque", "type": "too deep", "repr": ""}
    t = _type(value)
    if value is None or t is bool or t is int or t is str:
        return value
    if t is float:
        if math.isfinite(value):
            return value
        return {"$t": "float", "v": _repr(value)}
    if _isinstance(value, _Tensor):
        return _encode_tensor(value)
    if t is TensorValue:  # already decoded in the parent (e.g. a cached reference)
        encoded = _encode_tensor(value.values)
        encoded["device"] = value.device
        return encoded
    if t is Opaque:  # already decoded in the parent
        return {"$t": "opaque", "type": value.type, "repr": value.repr}
    if t is Identity:
        if labels is None:  # a single identity, or an already labelled one in the parent
            return {"$t": "id", "v": value.label}
        return {"$t": "id", "v": labels.label(value.label)}
    if t is Raised:
        return {"$t": "raised", "type": value.type, "lineage": list(value.lineage),
                "message": value.message,
                "frames": [[f.filename, f.lineno, f.name, f.line] for f in value.frames]}
    if t is dict:
        return {"$t": "dict", "v": [[_str(k), _encode(v, depth + 1, labels)]
                                    for k, v in value.items()]}
    if t is list or t is tuple or t is torch.Size:
        tag = "list" if t is list else "tuple"
        return {"$t": tag, "v": [_encode(v, depth + 1, labels) for v in value]}
    if t is torch.dtype:
        return {"$t": "dtype", "v": _DTYPE_NAMES.get(value, _str(value))}
    if t is torch.device:
        return {"$t": "device", "v": value.type}
    try:
        text = _repr(value)[:200]
    except BaseException:
        text = "<unprintable>"
    return {"$t": "opaque", "type": getattr(t, "__qualname__", "?"), "repr": text}


def encode_value(value: Any) -> Any:
    """An observation in its wire form (JSON-ready), as a frame carries it; also how
    ``grade build`` records references (:mod:`grader.references.store`). Identities
    (:class:`Identity`) leave as labels numbered in order of first appearance."""
    return _encode(value, 0, _Labels())


def encode_raised(exc: BaseException) -> Any:
    """An exception as a ``raised`` value, for ``load_failed`` and ``cell_failed`` frames."""
    return _encode(Raised.from_exception(exc))


# ---------------------------------------------------------------- parent side: decoding

class _Budget:
    def __init__(self) -> None:
        self.items = 0

    def take(self) -> None:
        self.items += 1
        if self.items > MAX_ITEMS:
            raise WireError("observation has too many items")


def decode_value(data: Any, depth: int = 0, budget: _Budget | None = None) -> Any:
    """Rebuild an observation from its wire form, validating every node."""
    budget = budget or _Budget()
    budget.take()
    if depth > MAX_DEPTH:
        raise WireError("observation nested too deeply")
    if data is None or isinstance(data, bool | int):
        return data
    if isinstance(data, float):
        return data
    if isinstance(data, str):
        return data[:MAX_STR]
    if not isinstance(data, dict) or not isinstance(data.get("$t"), str):
        raise WireError(f"unexpected node {type(data).__name__}")
    tag = data["$t"]
    if tag == "float":
        text = data.get("v")
        if text not in ("nan", "inf", "-inf"):
            raise WireError("bad float")
        return float(text)
    if tag in ("list", "tuple"):
        items = [decode_value(v, depth + 1, budget) for v in _as_list(data.get("v"))]
        return items if tag == "list" else tuple(items)
    if tag == "dict":
        out = {}
        for pair in _as_list(data.get("v")):
            if not isinstance(pair, list) or len(pair) != 2 or not isinstance(pair[0], str):
                raise WireError("bad dict entry")
            out[pair[0][:MAX_STR]] = decode_value(pair[1], depth + 1, budget)
        return out
    if tag == "tensor":
        return _decode_tensor(data)
    if tag == "raised":
        return decode_raised(data)
    if tag == "dtype":
        name = data.get("v")
        if name not in DTYPES:
            return Opaque("dtype", str(name)[:100])
        return DTYPES[name]
    if tag == "device":
        return _short(data.get("v"), 20)
    if tag == "opaque":
        return Opaque(_short(data.get("type"), 200), _short(data.get("repr"), 200))
    if tag == "id":
        label = data.get("v")
        if not isinstance(label, int) or isinstance(label, bool) or not 0 <= label < MAX_ITEMS:
            raise WireError("bad identity")
        return Identity(label)
    raise WireError(f"unknown tag {tag!r}")


def decode_raised(data: Any) -> Raised:
    if not isinstance(data, dict) or data.get("$t") != "raised":
        raise WireError("not an exception record")
    lineage = tuple(_short(n, 200) for n in _as_list(data.get("lineage")))[:50]
    frames = []
    for f in _as_list(data.get("frames"))[:50]:
        if not (isinstance(f, list) and len(f) == 4 and isinstance(f[1], int)):
            raise WireError("bad frame")
        frames.append(TraceFrame(_short(f[0], 500), f[1], _short(f[2], 200), _short(f[3], 500)))
    return Raised(_short(data.get("type"), 200), lineage or ("?",),
                  _short(data.get("message"), 2000), tuple(frames))


def _decode_tensor(data: dict[str, Any]) -> TensorValue:
    name = data.get("dtype")
    dtype = DTYPES.get(name) if isinstance(name, str) else None
    shape = data.get("shape")
    device = data.get("device")
    if dtype is None or not isinstance(device, str) or device not in ("cpu", "cuda"):
        raise WireError("bad tensor header")
    if not isinstance(shape, list) or len(shape) > 16 or not all(
        isinstance(s, int) and not isinstance(s, bool) and 0 <= s for s in shape
    ):
        raise WireError("bad tensor shape")
    numel = math.prod(shape)
    if math.prod(max(s, 1) for s in shape) > MAX_NUMEL:  # also bounds dims beside a 0
        raise WireError("tensor too large")
    try:
        raw = base64.b64decode(data.get("data", ""), validate=True)
    except (ValueError, TypeError):
        raise WireError("bad tensor data") from None
    itemsize = torch.empty((), dtype=dtype).element_size()
    if len(raw) != numel * itemsize:
        raise WireError("tensor data does not match its shape")
    if numel == 0:
        values = torch.empty(shape, dtype=dtype)
    else:
        values = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(dtype).reshape(shape)
    return TensorValue(values, device)


def _as_list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise WireError("expected a list")
    return value


def _short(value: Any, limit: int) -> str:
    return str(value)[:limit] if value is not None else ""
