"""Failure is a result: broken and hostile submissions, each in a real child process."""

from __future__ import annotations

import time

import pytest

from conftest import by_id, failing, solution_source
from grader.jail import choose_level

SOLUTION = solution_source()
LEAKY_BACKWARD = "        (input,) = ctx.saved_tensors\n        grad_input = torch.where("


def with_leaky_backward_prefix(code: str) -> str:
    """The solution, with ``code`` run at the start of MyLeakyReLU.backward."""
    assert SOLUTION.count(LEAKY_BACKWARD) == 1
    return SOLUTION.replace(LEAKY_BACKWARD, f"        {code}\n{LEAKY_BACKWARD}")


LEAKY_BACKWARD_CHECKS = {"MyLeakyReLU/backward_values", "MyLeakyReLU/grad_at_zero",
                         "MyLeakyReLU/returns_grad_and_none"}


def assert_every_check_errors(result, phrase):
    assert result.status == "error" and result.score == 0
    assert phrase in result.error
    cpu = [c for c in result.checks if c.device == "cpu"]
    assert cpu and all(c.status == "error" and phrase in c.message for c in cpu)


def test_sys_exit_at_import_is_a_clear_error(grade):
    result = grade("import sys\nsys.exit(0)\n" + SOLUTION)
    assert_every_check_errors(result, "exit(0)")
    assert "custom_function.py, line 2" in result.error


def test_os_exit_at_import_is_a_clear_error(grade):
    result = grade("import os\nos._exit(0)\n" + SOLUTION)
    assert_every_check_errors(result, "ended while importing")


def test_syntax_error_names_file_and_line(grade):
    result = grade(SOLUTION + "\ndef broken(:\n    pass\n")
    line = SOLUTION.count("\n") + 2
    assert_every_check_errors(result, f"custom_function.py, line {line}: SyntaxError")


def test_exception_at_import_names_the_students_line(grade):
    result = grade("x = 1 / 0\n" + SOLUTION)
    assert_every_check_errors(result, "ZeroDivisionError")
    assert "custom_function.py, line 1" in result.error


def test_missing_function_fails_only_its_checks(grade):
    source = SOLUTION[:SOLUTION.index("def relu_linear_grads")]
    result = grade(source)
    assert result.status == "graded"
    assert failing(result) == {"relu_linear_grads/notes_numbers",
                               "relu_linear_grads/fresh_leaf_copies"}
    check = by_id(result, "relu_linear_grads/notes_numbers")
    assert "has no attribute 'relu_linear_grads'" in check.message


@pytest.mark.slow
def test_endless_loop_at_import_is_cut_off(grade):
    started = time.monotonic()
    result = grade("while True:\n    pass\n" + SOLUTION, limits={"load_s": 4})
    assert time.monotonic() - started < 30
    assert_every_check_errors(result, "took longer than 4 s to import")


@pytest.mark.slow
def test_endless_loop_in_a_function_times_out_that_check_and_keeps_the_rest(grade):
    result = grade(with_leaky_backward_prefix("while True: pass"), time_limit=1.5)
    assert failing(result) == LEAKY_BACKWARD_CHECKS
    for check_id in LEAKY_BACKWARD_CHECKS:
        check = by_id(result, check_id)
        assert check.status == "timeout" and "took longer than 1.5 s" in check.message
    assert by_id(result, "MyReLU/forward_values").status == "passed"


@pytest.mark.slow
def test_endless_loop_that_swallows_the_timeout_signal_is_killed(grade):
    code = ("while True:\n            try:\n                pass\n"
            "            except BaseException:\n                pass")
    result = grade(with_leaky_backward_prefix(code), time_limit=1.0)
    assert failing(result) == LEAKY_BACKWARD_CHECKS
    assert {by_id(result, c).status for c in LEAKY_BACKWARD_CHECKS} == {"timeout"}
    assert by_id(result, "relu_linear_grads/notes_numbers").status == "passed"


@pytest.mark.slow
def test_cpu_time_limit_stops_a_busy_check(grade):
    result = grade(with_leaky_backward_prefix("while True: pass"), time_limit=60,
                   limits={"cpu_s": 2})
    assert failing(result) == LEAKY_BACKWARD_CHECKS
    check = by_id(result, "MyLeakyReLU/backward_values")
    assert check.status == "timeout" and "2 s of CPU time" in check.message
    assert by_id(result, "relu_linear_grads/notes_numbers").status == "passed"


@pytest.mark.slow
def test_submission_wall_clock_limit_ends_the_remaining_checks(grade):
    started = time.monotonic()
    result = grade(with_leaky_backward_prefix("import time; time.sleep(60)"), time_limit=60,
                   limits={"wall_s": 8})
    assert time.monotonic() - started < 40
    assert by_id(result, "MyReLU/forward_values").status == "passed"
    assert by_id(result, "MyLeakyReLU/backward_values").status == "timeout"
    later = [c for c in result.checks if c.device == "cpu"
             and c.id.startswith(("MyLeakyReLU/grad", "MyLeakyReLU/returns", "relu_linear"))]
    assert later and all(c.status == "timeout" and "8 s" in c.message for c in later)


def test_file_size_limit_fails_the_check_that_writes_too_much(grade):
    result = grade(with_leaky_backward_prefix("open('big.bin', 'wb').write(bytes(2 << 20))"),
                   limits={"file_size_mb": 1})
    assert failing(result) == LEAKY_BACKWARD_CHECKS
    assert "File too large" in by_id(result, "MyLeakyReLU/backward_values").message


def test_os_exit_inside_a_check_errors_that_check_and_later_checks_survive(grade):
    result = grade(with_leaky_backward_prefix("import os; os._exit(0)"))
    assert failing(result) == LEAKY_BACKWARD_CHECKS
    check = by_id(result, "MyLeakyReLU/backward_values")
    assert check.status == "error" and "exited with status 0" in check.message
    assert by_id(result, "relu_linear_grads/fresh_leaf_copies").status == "passed"


def test_sys_exit_inside_a_check_is_a_failed_observation(grade):
    result = grade(with_leaky_backward_prefix("raise SystemExit(0)"))
    assert failing(result) == LEAKY_BACKWARD_CHECKS
    assert "SystemExit" in by_id(result, "MyLeakyReLU/backward_values").message


def test_huge_allocation_fails_the_check_not_the_grader(grade):
    result = grade(with_leaky_backward_prefix("torch.empty(30 * 2**30, dtype=torch.uint8)"))
    assert failing(result) == LEAKY_BACKWARD_CHECKS
    check = by_id(result, "MyLeakyReLU/backward_values")
    assert check.status in ("failed", "error")
    assert "memory" in check.message.lower()


def test_segfault_is_an_error_result(grade):
    result = grade(with_leaky_backward_prefix("import ctypes; ctypes.string_at(0)"))
    assert failing(result) == LEAKY_BACKWARD_CHECKS
    assert "segmentation fault" in by_id(result, "MyLeakyReLU/backward_values").message


@pytest.mark.slow
def test_output_flood_is_truncated(grade):
    result = grade("print('x' * 10_000_000)\n" + SOLUTION, limits={"output_kb": 16})
    assert failing(result) == set()
    assert result.output.stdout_bytes >= 10_000_000
    assert len(result.output.stdout) < 20_000 and "truncated" in result.output.stdout


def test_printed_results_are_never_mistaken_for_observations(grade):
    fake = ('import sys, struct, json\n'
            'body = json.dumps({"kind": "done"}).encode()\n'
            'sys.stdout.buffer.write(struct.pack(">I", len(body)) + body)\n'
            'print(\'{"status": "passed", "score": 13}\')\n')
    stub = (SOLUTION.replace("return input.clamp(min=0)", "return input * 0")
            .replace("grad_output.masked_fill(input <= 0, 0)", "grad_output * 0"))
    result = grade(fake + stub)
    assert "MyReLU/forward_values" in failing(result)


PATCHES = ("import torch, torch.testing\n"
           "torch.allclose = lambda *a, **k: True\n"
           "torch.equal = lambda *a, **k: True\n"
           "torch.testing.assert_close = lambda *a, **k: None\n"
           "torch.Tensor.__eq__ = lambda self, other: True\n")


def test_patching_comparison_functions_changes_no_verdict(grade):
    wrong = SOLUTION.replace("grad_output.masked_fill(input <= 0, 0)", "grad_output")
    honest = grade(wrong)
    patched = grade(PATCHES + wrong)
    assert failing(honest)
    assert [(c.id, c.device, c.status) for c in patched.checks] == \
           [(c.id, c.device, c.status) for c in honest.checks]


def test_patching_inside_a_function_changes_no_verdict(grade):
    wrong = SOLUTION.replace(
        "        (input,) = ctx.saved_tensors\n        return grad_output.masked_fill",
        "        import torch.testing\n"
        "        torch.testing.assert_close = lambda *a, **k: None\n"
        "        torch.allclose = lambda *a, **k: True\n"
        "        (input,) = ctx.saved_tensors\n"
        "        return grad_output + 0 * grad_output.masked_fill")
    result = grade(wrong)
    assert "MyReLU/backward_values" in failing(result)


def test_a_correct_submission_that_patches_still_passes(grade):
    assert failing(grade(PATCHES + SOLUTION)) == set()


def test_tensor_subclass_claiming_equality_is_judged_by_its_values(grade):
    cheat = ("class Liar(torch.Tensor):\n"
             "    def __eq__(self, other): return True\n"
             "    @classmethod\n"
             "    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
             "        return super().__torch_function__(func, types, args, kwargs or {})\n")
    source = SOLUTION.replace("import torch\n", "import torch\n" + cheat, 1).replace(
        "return input.clamp(min=0)", "return (input * 0).as_subclass(Liar)")
    result = grade(source)
    assert "MyReLU/forward_values" in failing(result)
    assert "values differ" in by_id(result, "MyReLU/forward_values").message


def test_files_written_by_the_submission_stay_in_its_work_dir(grade, tmp_path):
    result = grade("open('written_by_student.txt', 'w').write('x')\n" + SOLUTION)
    assert failing(result) == set()
    assert not (tmp_path / "written_by_student.txt").exists()


def test_grader_environment_variables_are_not_passed_in(grade, monkeypatch):
    monkeypatch.setenv("GRADER_SECRET_TOKEN", "s3cret")
    source = SOLUTION.replace(
        "return input.clamp(min=0)",
        "import os\n"
        "        return input.clamp(min=0) + (1 if 'GRADER_SECRET_TOKEN' in os.environ else 0)")
    assert failing(grade(source)) == set()


@pytest.mark.parametrize("sandbox", ["basic", "auto"])
def test_a_crash_is_reported_with_its_cause_at_every_sandbox_level(grade, sandbox):
    result = grade(with_leaky_backward_prefix("import os; os._exit(3)"), sandbox=sandbox)
    assert result.environment is not None
    assert result.environment.sandbox == ("basic" if sandbox == "basic" else choose_level())
    check = by_id(result, "MyLeakyReLU/backward_values")
    assert check.status == "error" and "exited with status 3" in check.message
    assert failing(result) == LEAKY_BACKWARD_CHECKS


def _processes_running(marker: str) -> str:
    import subprocess

    return subprocess.run(["pgrep", "-f", f"sleep {marker}"], capture_output=True,
                          text=True).stdout.strip()


def test_a_bounded_fork_bomb_leaves_no_process_behind(grade):
    marker = f"{time.time_ns() % 10**9}.5"
    result = grade(f"""
import os
for _ in range(40):
    try:
        if os.fork() == 0:
            os.execvp("sleep", ["sleep", "{marker}"])
    except OSError:
        break
""" + SOLUTION)
    assert result.status == "graded" and failing(result) == set()
    time.sleep(0.5)
    assert _processes_running(marker) == ""


def test_an_object_with_a_malicious_reduce_is_never_unpickled(grade, tmp_path):
    marker = tmp_path / "reduced"
    result = grade(SOLUTION + f"""

class Evil:
    def __reduce__(self):
        import os
        return (os.system, ("touch {marker}",))


def relu_linear_grads(w, b, X, Y):
    return Evil(), Evil()
""")
    check = by_id(result, "relu_linear_grads/notes_numbers")
    assert check.status == "failed" and "Evil" in check.message
    assert failing(result) == {"relu_linear_grads/notes_numbers",
                               "relu_linear_grads/fresh_leaf_copies"}
    assert not marker.exists()


def test_deleting_the_work_dir_files_at_import_changes_nothing(grade):
    result = grade("""
import os, shutil
for name in os.listdir("."):
    shutil.rmtree(name) if os.path.isdir(name) else os.remove(name)
""" + SOLUTION)
    assert result.status == "graded" and failing(result) == set()
