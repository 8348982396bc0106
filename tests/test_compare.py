"""Structural comparison: verdicts, and messages that go from coarse to fine."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch

from grader.judging import compare as compare_module
from grader.judging.compare import Mismatch, compare, describe
from grader.model.observations import Opaque, Raised, TensorValue


def tv(data: Any, dtype: torch.dtype = torch.float32, device: str = "cpu") -> TensorValue:
    return TensorValue(torch.tensor(data, dtype=dtype), device)


def raised(exc: BaseException) -> Raised:
    try:
        raise exc
    except BaseException as caught:
        return Raised.from_exception(caught)


class StudentIndexError(IndexError):
    pass


def mismatch(got: Any, expected: Any, **kwargs: Any) -> Mismatch:
    found = compare(got, expected, **kwargs)
    assert found is not None, "expected a mismatch"
    return found


def test_equal_observations_match():
    def observation() -> Any:
        return {"y": tv([[1.0, 2.0]]), "n": [1, (2.5, "s", None)], "ok": True,
                "dt": torch.float16, "err": raised(IndexError("i"))}
    assert compare(observation(), observation()) is None


def test_wrong_shape_is_reported_before_wrong_dtype():
    found = mismatch(tv([1.0, 2.0, 3.0], torch.float64), tv([1.0, 2.0]))
    assert found.message == "expected shape [2], got [3]"


def test_wrong_dtype_with_right_shape_names_the_dtype():
    found = mismatch(tv([1.0, 2.0], torch.float64), tv([1.0, 2.0]))
    assert found.message == "expected dtype torch.float32, got torch.float64"


def test_wrong_device_with_right_dtype_names_the_devices():
    found = mismatch(tv([1.0, 2.0], device="cpu"), tv([1.0, 2.0], device="cuda"))
    assert "on cuda" in found.message and "on cpu" in found.message


def test_value_message_counts_differences_and_names_the_largest():
    got = torch.zeros(2, 3)
    got[0, 1], got[1, 2] = 0.5, -2.0
    found = mismatch(TensorValue(got, "cpu"), TensorValue(torch.zeros(2, 3), "cpu"))
    assert found.message.startswith("2 of 6 values differ")
    assert "at index [1, 2]" in found.message
    assert "(expected 0, got -2)" in found.message


def test_tensor_diff_marks_exactly_the_differing_cells():
    expected = torch.arange(6.0).reshape(2, 3)
    got = expected.clone()
    got[0, 1], got[1, 2] = 9.0, -9.0
    diff = mismatch(TensorValue(got, "cpu"), TensorValue(expected, "cpu")).diff
    assert diff is not None
    assert sorted(diff.mismatched) == [[0, 1], [1, 2]]
    assert diff.expected == [["0", "1", "2"], ["3", "4", "5"]]
    assert diff.got == [["0", "9", "2"], ["3", "4", "-9"]]
    assert not diff.truncated


def test_preview_of_a_3d_tensor_shows_the_row_of_the_largest_difference():
    expected = torch.arange(60.0).reshape(4, 5, 3)  # flattened to 20 rows of 3
    got = expected.clone()
    got[2, 1, 0] = 99.0  # row 2 * 5 + 1 = 11
    found = mismatch(TensorValue(got, "cpu"), TensorValue(expected, "cpu"))
    assert "at index [2, 1, 0]" in found.message
    diff = found.diff
    assert diff is not None and diff.truncated
    (row, col), = diff.mismatched
    assert col == 0
    assert diff.expected[row] == ["33", "34", "35"]
    assert diff.got[row] == ["99", "34", "35"]


def test_default_tolerance_depends_on_dtype():
    # 1000.5 is exact in float16; relative error 5e-4 is within float16's rtol, not float32's.
    assert compare(tv([1000.5], torch.float16), tv([1000.0], torch.float16)) is None
    assert compare(tv([1000.5]), tv([1000.0])) is not None


def test_explicit_tolerances_override_the_defaults():
    assert compare(tv([1000.5]), tv([1000.0]), rtol=1e-3, atol=0.0) is None
    assert compare(tv([1000.5], torch.float16), tv([1000.0], torch.float16),
                   rtol=1e-4, atol=0.0) is not None


def test_integer_tensors_must_match_exactly():
    found = mismatch(tv([1, 2, 4], torch.int64), tv([1, 2, 3], torch.int64))
    assert found.message.startswith("1 of 3 values differ")


def test_nan_equals_nan():
    assert compare(tv([math.nan, 1.0]), tv([math.nan, 1.0])) is None
    assert compare(math.nan, math.nan) is None
    assert compare(tv([math.nan]), tv([1.0])) is not None


def test_missing_key_is_reported_with_its_path():
    found = mismatch({"out": {"a": 1}}, {"out": {"a": 1, "b": 2}})
    assert (found.path, found.message) == ("out › b", "missing")


def test_unexpected_key_is_reported_with_its_path():
    found = mismatch({"a": 1, "extra": 2}, {"a": 1})
    assert (found.path, found.message) == ("extra", "unexpected entry")


def test_nested_paths_join_keys_and_list_indices():
    found = mismatch({"grads": [1, {"w": 2}]}, {"grads": [1, {"w": 3}]})
    assert found.path == "grads[1] › w"
    assert found.text() == "grads[1] › w: expected 3, got 2"


def test_same_exception_passes():
    assert compare(raised(IndexError("a")), raised(IndexError("b"))) is None


def test_subclass_of_the_expected_exception_passes():
    assert compare(raised(StudentIndexError("x")), raised(IndexError("y"))) is None


def test_other_exception_fails_naming_both():
    found = mismatch(raised(ValueError("bad value")), raised(IndexError("i")))
    assert "IndexError" in found.message and "ValueError: bad value" in found.message


def test_value_where_an_exception_was_expected_fails():
    found = mismatch(tv([1.0]), raised(IndexError("i")))
    assert found.message == "expected IndexError to be raised, but got a tensor of shape [1]"


def test_student_not_implemented_error_says_not_implemented_yet():
    got = raised(NotImplementedError("write forward"))
    found = mismatch(got, tv([1.0]))
    assert found.message == "not implemented yet (write forward)"
    assert found.raised == got


def test_a_stub_does_not_pass_where_a_runtime_error_is_expected():
    # NotImplementedError derives from RuntimeError; an unfilled stub still scores nothing.
    found = mismatch(raised(NotImplementedError("write it")), raised(RuntimeError("step 0")))
    assert found.message == "not implemented yet (write it)"
    assert compare(raised(NotImplementedError()), raised(NotImplementedError())) is None
    assert compare(raised(ValueError("v")), raised(Exception("e"))) is None


def test_unexpected_exception_is_reported_with_its_summary():
    found = mismatch(raised(RuntimeError("boom")), 3)
    assert found.message == "raised RuntimeError: boom"


@pytest.mark.parametrize(("got", "expected"), [(True, 1), (1, True), (False, 0), (True, 1.0)])
def test_bool_and_number_are_not_equal(got, expected):
    assert compare(got, expected) is not None


@pytest.mark.parametrize(("got", "expected"), [(2, 2.0), (2.0, 2), (0.1 + 0.2, 0.3)])
def test_int_and_float_compare_by_value(got, expected):
    assert compare(got, expected) is None


def test_opaque_where_a_tensor_was_expected_says_expected_a_tensor():
    found = mismatch(Opaque("Widget", "<Widget>"), tv([1.0]))
    assert found.message == "expected a tensor, got a Widget"


def test_list_length_and_kind_mismatches():
    assert mismatch([1, 2], [1, 2, 3]).message == "expected 3 items, got 2"
    assert mismatch(5, [1]).message == "expected a list of 1 items, got int 5"


def test_describe_names_values_for_messages():
    assert describe(tv([[1.0, 2.0]])) == "a tensor of shape [1, 2]"
    assert describe(raised(KeyError("k"))) == "an exception (KeyError: 'k')"
    assert describe(Opaque("Widget", "")) == "a Widget"
    assert describe((1, 2)) == "a tuple of 2 items"
    assert describe(None) == "None" and describe(False) == "False"
    assert describe("x") == "str 'x'"


def _assert_close_passes(got: torch.Tensor, expected: torch.Tensor, rtol: float,
                         atol: float) -> bool:
    try:
        torch.testing.assert_close(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    except AssertionError:
        return False
    return True


EDGES = [0.0, -0.0, 1.0, -1.0, 1e-30, 3.0e38, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64,
                                   torch.complex64, torch.complex128, torch.int8, torch.int16,
                                   torch.int32, torch.int64, torch.uint8, torch.bool])
def test_the_tensor_verdict_is_assert_closes_on_every_dtype_the_channel_carries(dtype):
    """The verdict is assert_close's rule, element by element, at the default tolerances and
    at wider ones; random pairs near each other, and every pair of edge values."""
    gen = torch.Generator().manual_seed(7)
    pairs = []
    for scale in (1e-7, 1e-5, 1e-3, 1e-1):
        base = torch.randn(64, generator=gen, dtype=torch.float64) * 100
        pairs.append((base, base + torch.randn(64, generator=gen, dtype=torch.float64) * scale
                      * base.abs()))
    edges = torch.tensor(EDGES, dtype=torch.float64)
    pairs.append((edges.repeat_interleave(len(EDGES)), edges.repeat(len(EDGES))))
    default = compare_module.DEFAULT_TOLERANCES.get(dtype, (0.0, 0.0))
    for a, b in pairs:
        if dtype.is_complex:
            got, expected = torch.complex(a, b.flip(0)).to(dtype), torch.complex(b, a.flip(0))
            expected = expected.to(dtype)
        elif dtype.is_floating_point:
            got, expected = a.to(dtype), b.to(dtype)
        else:
            finite = torch.nan_to_num(a, nan=0, posinf=3, neginf=-3).clamp(-100, 100)
            other = torch.nan_to_num(b, nan=0, posinf=3, neginf=-3).clamp(-100, 100)
            got, expected = finite.to(dtype), other.to(dtype)
        for rtol, atol in (default, (1e-3, 1e-3), (0.0, 0.0)):
            for i in range(0, len(got), 8):  # eight elements a verdict: each one can decide
                g, e = got[i:i + 8], expected[i:i + 8]
                ours = compare(TensorValue(g, "cpu"), TensorValue(e, "cpu"), rtol, atol) is None
                assert ours == _assert_close_passes(g, e, rtol, atol), (dtype, g, e, rtol, atol)
