"""The private channel: what a child encodes arrives intact, and hostile bytes are refused
(framing in grader.sandbox.wire, values in grader.sandbox.codec, frame fields in
grader.sandbox.protocol)."""

from __future__ import annotations

import base64
import builtins
import json
import math
import struct
from typing import Any

import pytest
import torch

from grader.model.observations import Opaque, Raised, TensorValue
from grader.sandbox.codec import (
    MAX_DEPTH,
    MAX_ITEMS,
    decode_raised,
    decode_value,
    encode_value,
)
from grader.sandbox.protocol import parse_child_frame
from grader.sandbox.wire import MAX_FRAME_BYTES, FrameReader, WireError, frame


def encode_frame(message: dict[str, Any]) -> bytes:
    """A frame as a child writes it: observation values under "value" and "error" encoded."""
    encoded = {k: encode_value(v) if k in ("value", "error") else v for k, v in message.items()}
    return frame(encoded)


def round_trip(value: Any) -> Any:
    frames = FrameReader().feed(encode_frame({"kind": "result", "value": value}))
    assert len(frames) == 1 and frames[0]["kind"] == "result"
    return decode_value(frames[0]["value"])


def raw_frame(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


def tensor_node(**overrides: Any) -> dict[str, Any]:
    node = {"$t": "tensor", "dtype": "float32", "shape": [2], "device": "cpu",
            "data": base64.b64encode(bytes(8)).decode("ascii")}
    return {**node, **overrides}


def raised_index_error() -> Raised:
    try:
        [][1]
    except IndexError as exc:
        return Raised.from_exception(exc)
    raise AssertionError("unreachable")


class Widget:
    pass


class LyingTensor(torch.Tensor):
    def __eq__(self, other: object) -> bool:  # type: ignore[override]
        return True

    __hash__ = torch.Tensor.__hash__

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        return torch.zeros(3)


TENSORS = {
    "float16": torch.tensor([1.5, -2.25, 65504.0], dtype=torch.float16),
    "bfloat16": torch.tensor([1.5, -3.0e38, 0.1], dtype=torch.bfloat16),
    "float32": torch.tensor([[0.1, -7.0], [1e-30, 3.0e38]]),
    "float64": torch.tensor([math.pi, -1e-300], dtype=torch.float64),
    "int64": torch.tensor([-(2**63), 0, 2**63 - 1]),
    "bool": torch.tensor([True, False, True]),
    "0-d": torch.tensor(3.5),
    "empty": torch.empty(0, 4),
    "non-contiguous": torch.arange(12.0).reshape(3, 4).t(),
    "requires-grad": torch.tensor([1.0, 2.0], requires_grad=True) * 2,
}


@pytest.mark.parametrize("name", TENSORS)
def test_tensor_arrives_with_dtype_shape_and_values(name):
    original = TENSORS[name]
    got = round_trip(original)
    assert isinstance(got, TensorValue) and got.device == "cpu"
    assert got.dtype == original.dtype and got.shape == tuple(original.shape)
    assert not got.values.requires_grad
    assert torch.equal(got.values, original.detach())


def test_nested_observation_round_trips_with_tuples_lists_floats_dtypes_and_raised():
    raised = raised_index_error()
    value = {"out": [(1, 2), [3, (4.5, "x")]], "floats": [math.nan, math.inf, -math.inf],
             "dtype": torch.bfloat16, "none": None, "flag": True, "error": raised,
             "grads": {"w": torch.ones(2, 2)}}
    got = round_trip(value)
    assert got["out"] == [(1, 2), [3, (4.5, "x")]]
    assert type(got["out"][0]) is tuple and type(got["out"][1]) is list
    assert math.isnan(got["floats"][0]) and got["floats"][1:] == [math.inf, -math.inf]
    assert got["dtype"] is torch.bfloat16
    assert got["none"] is None and got["flag"] is True
    assert got["error"] == raised
    assert torch.equal(got["grads"]["w"].values, torch.ones(2, 2))


def test_raised_record_keeps_type_lineage_message_and_frames():
    raised = raised_index_error()
    got = round_trip(raised)
    assert got.type == "IndexError"
    assert got.lineage[:4] == ("IndexError", "LookupError", "Exception", "BaseException")
    assert got.message == "list index out of range"
    assert got.frames and got.frames[-1].name == "raised_index_error"
    assert got.frames[-1].filename == __file__ and got.frames[-1].line == "[][1]"


def test_error_field_carries_a_raised_record():
    raised = raised_index_error()
    (frame,) = FrameReader().feed(encode_frame({"kind": "load_error", "error": raised}))
    assert decode_raised(frame["error"]) == raised


def test_tensor_subclass_arrives_as_plain_tensor_with_its_real_values():
    lying = torch.tensor([1.0, 2.0, 3.0]).as_subclass(LyingTensor)
    got = round_trip(lying)
    assert type(got) is TensorValue and type(got.values) is torch.Tensor
    assert torch.equal(got.values, torch.tensor([1.0, 2.0, 3.0]))


def test_unknown_object_arrives_as_opaque_with_its_type_name():
    got = round_trip({"w": Widget()})["w"]
    assert isinstance(got, Opaque)
    assert got.type == "Widget" and "Widget object" in got.repr


def test_encoder_is_immune_to_patched_json_base64_isinstance_and_detach(monkeypatch):
    value = {"t": torch.tensor([[1.0, 2.0], [3.0, 4.0]])}
    honest = encode_frame({"kind": "result", "value": value})
    real_isinstance = builtins.isinstance
    monkeypatch.setattr(json, "dumps", lambda *a, **k: '{"kind": "forged"}')
    monkeypatch.setattr(base64, "b64encode", lambda *a, **k: b"")
    monkeypatch.setattr(torch.Tensor, "detach", lambda self: torch.zeros_like(self))
    monkeypatch.setattr(builtins, "isinstance",
                        lambda o, c: False if c is torch.Tensor else real_isinstance(o, c))
    patched = encode_frame({"kind": "result", "value": value})
    monkeypatch.undo()
    assert patched == honest
    (frame,) = FrameReader().feed(patched)
    assert torch.equal(decode_value(frame["value"])["t"].values, value["t"])


def test_frames_split_across_feeds_reassemble():
    data = encode_frame({"kind": "a", "value": [1, 2]}) + encode_frame({"kind": "b"})
    reader = FrameReader()
    frames = []
    for i in range(0, len(data), 3):
        frames += reader.feed(data[i:i + 3])
    assert [f["kind"] for f in frames] == ["a", "b"]
    assert decode_value(frames[0]["value"]) == [1, 2]


def test_frame_longer_than_the_limit_is_refused_from_its_header():
    with pytest.raises(WireError, match="exceeds the limit"):
        FrameReader().feed(struct.pack(">I", MAX_FRAME_BYTES + 1))


@pytest.mark.parametrize("body", [b"not json", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000],
                         ids=["text", "not-utf8", "nested-too-deep-for-json"])
def test_undecodable_frame_is_refused(body):
    with pytest.raises(WireError):
        FrameReader().feed(raw_frame(body))


@pytest.mark.parametrize("body", [b'{"value": 1}', b'{"kind": 3}', b"[1, 2]"])
def test_frame_without_a_kind_is_refused(body):
    with pytest.raises(WireError, match="kind"):
        FrameReader().feed(raw_frame(body))


def test_tensor_whose_data_does_not_match_its_shape_is_refused():
    node = tensor_node(shape=[2, 2])  # 8 bytes for 4 float32 values
    with pytest.raises(WireError, match="does not match"):
        decode_value(node)


@pytest.mark.parametrize("shape", [[-1], [2.0], ["2"], [True], 2, [0, 2**70], [0] + [2**24] * 15])
def test_tensor_with_a_bad_shape_is_refused(shape):
    with pytest.raises(WireError):
        decode_value(tensor_node(shape=shape, data=""))


@pytest.mark.parametrize("dtype", ["float128", "torch.float32", None, ["float32"]])
def test_tensor_with_an_unknown_dtype_is_refused(dtype):
    with pytest.raises(WireError):
        decode_value(tensor_node(dtype=dtype))


@pytest.mark.parametrize("device", ["meta", "mps", "cuda:0", None])
def test_tensor_on_a_device_other_than_cpu_or_cuda_is_refused(device):
    with pytest.raises(WireError):
        decode_value(tensor_node(device=device))


def test_bad_tensor_base64_is_refused():
    with pytest.raises(WireError, match="bad tensor data"):
        decode_value(tensor_node(data="!!!!"))


@pytest.mark.parametrize("node", [{"$t": "pickle", "v": "gASV"}, {"v": 1}, [1], {"$t": 3}])
def test_unknown_node_is_refused(node):
    with pytest.raises(WireError):
        decode_value(node)


def test_nesting_deeper_than_the_limit_is_refused():
    node: Any = 1
    for _ in range(MAX_DEPTH + 2):
        node = {"$t": "list", "v": [node]}
    with pytest.raises(WireError, match="nested too deeply"):
        decode_value(node)


def test_more_items_than_the_limit_are_refused():
    with pytest.raises(WireError, match="too many items"):
        decode_value({"$t": "list", "v": [0] * (MAX_ITEMS + 1)})


@pytest.mark.parametrize("frames", ["frames", [["f.py", "3", "g", "x"]], [["f.py", 3]], [7], None])
def test_raised_record_with_garbage_frames_is_refused(frames):
    node = {"$t": "raised", "type": "E", "lineage": ["E"], "message": "", "frames": frames}
    with pytest.raises(WireError):
        decode_value(node)


def run_frame(**fields: Any) -> dict[str, Any]:
    return {"kind": "observed", "check": "MyReLU/forward", "device": "cpu", "hint": None,
            "value": 1, "duration_s": 0.5, **fields}


@pytest.mark.parametrize("message", [
    {"kind": "hello", "cuda": None}, {"kind": "hello", "cuda": "A GPU"}, {"kind": "loaded"},
    {"kind": "done"}, {"kind": "cell", "cell": 3}, {"kind": "cell_failed", "cell": 3,
                                                    "timeout": True},
    run_frame(), run_frame(hint=2), run_frame(duration_s=1),
    {"kind": "timeout", "check": "c", "device": "cuda", "hint": None, "duration_s": 10.0},
    {"kind": "skipped", "check": "c", "device": "cuda", "hint": 0, "reason": "no CUDA"},
], ids=lambda m: str(m["kind"]))
def test_well_formed_child_frames_parse(message):
    assert parse_child_frame(message) == message


@pytest.mark.parametrize("message", [
    {"kind": "start", "check": "c"},  # a kind the protocol no longer has
    {"kind": "hello", "cuda": True},
    {"kind": "hello"},
    {"kind": "cell", "cell": "3"},
    {"kind": "cell", "cell": True},
    {"kind": "cell_failed", "cell": 1, "timeout": "yes"},
    run_frame(check=3),
    run_frame(device=None),
    run_frame(hint="0"),
    run_frame(hint=-1),
    run_frame(hint=True),
    run_frame(duration_s="fast"),
    run_frame(duration_s=False),
    {k: v for k, v in run_frame().items() if k != "value"},
    {"kind": "load_failed", "error": "SyntaxError"},
], ids=lambda m: f"{m['kind']}-{sorted(m)}")
def test_malformed_child_frames_are_refused(message):
    with pytest.raises(WireError):
        parse_child_frame(message)
