"""Assignment 01 end to end: the course notes' code and realistic one-bug submissions, each
graded in real child processes against the reference, and the reference against the notes."""

from __future__ import annotations

import math
import warnings

import pytest
import torch

from grader.results import CheckResult
from helpers import (
    ASSIGNMENTS,
    SOLUTIONS,
    SUBMISSIONS,
    assert_loses_exactly,
    by_id,
    failing,
    import_file,
    on_solution,
)

SUBMISSIONS_01 = SUBMISSIONS / "01_tensor_basics"

BUGS = {
    # file: (checks it must lose on the CPU, a phrase its messages must contain)
    "bug_join_always_cat": ({"join/stacks_on_a_new_axis", "join/negative_dims"},
                            "like torch.stack"),
    "bug_join_wraps_dim": ({"join/out_of_range_dim_raises"}, "must raise IndexError"),
    "bug_range_end_excluded": ({"inclusive_range/includes_end",
                                "inclusive_range/count_in_python_floats"},
                               "torch.arange(start, end, step) stops before end"),
    "bug_range_round": ({"inclusive_range/count_in_python_floats"}, "round() gives 4"),
    "bug_range_float32_count": ({"inclusive_range/count_in_python_floats"},
                                "not in float32 tensors"),
    "bug_range_no_checks": ({"inclusive_range/zero_step_raises",
                             "inclusive_range/wrong_direction_raises"},
                            "expected RuntimeError to be raised"),
    "bug_range_int_dtype": ({"inclusive_range/float32_result"}, "dtype=torch.float32"),
    "bug_ones_default_dtype": ({"ones_and_zeros_like/keeps_dtype"}, "torch.ones_like(x)"),
    # reproducible compares both calls' data with the reference's: the order shows there too
    "bug_noise_first": ({"noisy_linear_data/draw_order", "noisy_linear_data/float64_weights",
                         "noisy_linear_data/reproducible"}, "the noise was drawn before X"),
    "bug_ignores_generator": ({"noisy_linear_data/reproducible",
                               "noisy_linear_data/uses_generator"},
                              "the generator passed in was not used"),
    "bug_float32_draws": ({"noisy_linear_data/float64_weights"},
                          "float32 draws converted to float64"),
    "bug_shared_copies": ({"to_numpy_shared/shares_memory"}, "np.array(t) copies"),
    "bug_copy_shares": ({"to_numpy_copy/independent_copy"}, "t.numpy() shares t's memory"),
    "bug_to_python_numel": ({"to_python/one_element_gives_a_list"}, "not t.numel() == 1"),
    "bug_to_python_float": ({"to_python/zero_dim_gives_a_number"}, "float(t)"),
    "bug_cast_float": ({"cast_like/dtype_and_values"}, "x.float() always gives float32"),
    "bug_join_detached": ({"join/keeps_gradients"}, "cut off from its inputs' gradients"),
    "bug_noisy_default_device": ({"noisy_linear_data/draws_on_w_device"}, "without device="),
    "bug_noisy_detached": ({"noisy_linear_data/y_keeps_gradients"},
                           "cut off from its inputs' gradients"),
    "bug_cast_like_detached": ({"cast_like/keeps_gradients_between_floats"},
                               "cut off from its inputs' gradients"),
}


@pytest.fixture
def grade(grade_for):
    return grade_for("01_tensor_basics")


def load_reference():
    return import_file(SOLUTIONS / "01_tensor_basics" / "tensor_basics.py",
                       "tensor_basics_reference")


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_each_bug_loses_exactly_its_checks_with_a_message_naming_it(grade, bug):
    expected_failures, phrase = BUGS[bug]
    assert_loses_exactly(grade(on_solution(SUBMISSIONS_01 / f"{bug}.py")), expected_failures,
                                   phrase)


def test_the_notes_code_loses_only_the_device_that_type_as_changes(grade):
    """torch.range, .numpy(), .clone().numpy(), item()/tolist() all meet the contract, hidden
    checks included; type_as moves x to other's device, which the contract forbids."""
    result = grade(SUBMISSIONS_01 / "notes_code.py", scope="all")
    assert_loses_exactly(result, {"cast_like/keeps_x_device"},
                         "x.type_as(other) and x.to(other) also move x to other's device")
    check = by_id(result, "cast_like/keeps_x_device")
    assert isinstance(check, CheckResult)
    assert "expected 'cpu', got 'meta'" in check.message
    assert "torch.range is deprecated" in result.output.stderr


def test_the_notes_data_code_loses_the_generator_float64_and_device_checks_on_the_cpu(grade):
    """The notes' 3-1 lines draw float32 numbers from the global RNG on the default device:
    right numbers on the CPU for float32 w (the value checks seed the global RNG alike), but
    no generator, no float64, and not w's device (seen on the CPU with the default device set
    elsewhere; on a GPU it loses more)."""
    result = grade(on_solution(SUBMISSIONS_01 / "bug_notes_linear_data.py"))
    assert failing(result, "cpu") == {"noisy_linear_data/reproducible",
                                      "noisy_linear_data/uses_generator",
                                      "noisy_linear_data/float64_weights",
                                      "noisy_linear_data/draws_on_w_device"}
    check = by_id(result, "noisy_linear_data/float64_weights")
    assert isinstance(check, CheckResult)
    assert "dtype=w.dtype, device=w.device" in check.message


def test_always_tolist_is_correct(grade):
    """t.tolist() of a 0-d tensor already is a Python number of the right kind."""
    result = grade(on_solution(SUBMISSIONS_01 / "correct_always_tolist.py"), scope="all")
    assert failing(result) == set()


def test_the_stub_reads_not_implemented_on_checks_that_expect_an_exception(grade):
    """NotImplementedError derives from RuntimeError: without the checks' guard an untouched
    stub would pass the 'raises RuntimeError' checks."""
    result = grade(ASSIGNMENTS / "01_tensor_basics")
    for check_id in ("inclusive_range/zero_step_raises", "inclusive_range/wrong_direction_raises",
                     "join/out_of_range_dim_raises"):
        check = by_id(result, check_id)
        assert isinstance(check, CheckResult)
        assert check.status == "failed" and "not implemented yet" in check.message
        assert "Hint" not in check.message


def test_the_reference_reproduces_the_notes_data_lines():
    """With generator=None and the notes' seed, the reference draws what the notes' lines draw."""
    reference = load_reference()
    w0 = torch.tensor([[2.0], [-3.0]])
    b0 = torch.tensor([[10.0]])
    torch.manual_seed(0)
    X = 10 * torch.rand([400, 2]) - 5.0
    Y = X @ w0 + b0 + torch.normal(0.0, 2.0, size=[400, 1])
    torch.manual_seed(0)
    got_X, got_Y = reference.noisy_linear_data(400, w0, b0, 2.0)
    assert torch.equal(got_X, X) and torch.equal(got_Y, Y)


@pytest.mark.parametrize("args", [(1, 4), (1, 0.6, -0.1), (0, 0.3, 0.1), (0, 0.7, 0.1),
                                  (-5.0, 20.05, 0.25), (3.0, -1.9, -1.5), (2, 2, -1)])
def test_the_reference_gives_torch_range_elements(args):
    reference = load_reference()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected = torch.range(*args)
    got = reference.inclusive_range(*args)
    assert got.dtype == expected.dtype == torch.float32
    assert torch.equal(got, expected)


def test_the_contract_formula_and_torch_range_differ_only_within_a_rounding_error():
    """torch.range truncates (end - start) / step + 1, the contract floors the quotient and adds
    1: they differ when the quotient lies a rounding error below a whole number. The checks
    avoid such inputs (the notes' code above passes them all); the reference follows the
    contract's formula."""
    start, end, step = -7, -6.16, 0.42
    assert (end - start) / step == 1.9999999999999998
    assert math.floor((end - start) / step) + 1 == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert torch.range(start, end, step).numel() == 3
    assert load_reference().inclusive_range(start, end, step).numel() == 2
