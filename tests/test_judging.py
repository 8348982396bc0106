"""The judging stages without a child process: pipeline, judge, compare, references and
results on observations made in this process (the fast unit layer).

The sandbox's own tests (test_isolation, test_hostile, ...) prove what a child may and may
not do; these prove what the grader's process concludes from what came back, in
milliseconds: real check files and real solutions run through
:class:`helpers.inprocess.InProcessExecutor`, hand-written observations through
:class:`helpers.inprocess.ScriptedExecutor`.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
import torch

from grader.errors import ReferenceFailure
from grader.intake.submissions import ModuleUnderTest, module_from_path
from grader.judging.compare import compare
from grader.judging.pipeline import Grading
from grader.model.assignments import Assignment, load_assignment
from grader.model.observations import Raised
from grader.model.plan import RunKey
from grader.references import store
from grader.results import SubmissionResult
from grader.sandbox.outcomes import Observed, RunFailure
from helpers import (
    ASSIGNMENT_04,
    ASSIGNMENTS,
    ROOT,
    SOLUTION_04,
    SOLUTIONS,
    SUBMISSIONS_04,
    assert_loses_exactly,
    by_id,
    failing,
    on_solution,
    write_assignment,
)
from helpers.inprocess import InProcessExecutor, ScriptedExecutor

# A one-bug variant of 04 and what it must lose: the same table test_custom_function holds
# the real sandbox to, judged here from observations made in this process.
BUGS_04 = {
    "bug_notes_relu": ({"MyReLU/grad_at_zero"}, "at exactly 0"),
    "bug_inplace_forward": ({"MyReLU/input_not_modified"}, "in-place"),
    "bug_leaky_no_slope": ({"MyLeakyReLU/backward_values", "MyLeakyReLU/grad_at_zero",
                            "MyLeakyReLU/returns_grad_and_none"}, "negative_slope"),
    "bug_sum_loss": ({"relu_linear_grads/notes_numbers"}, "sum of squared errors"),
}


@pytest.fixture(scope="module")
def a04() -> Assignment:
    return load_assignment(ASSIGNMENT_04)


def in_process() -> tuple[Grading, InProcessExecutor]:
    executor = InProcessExecutor()
    return Grading("basic", executor), executor


def grade_source(grading: Grading, assignment: Assignment, source: str, tmp_path: Path,
                 scope: str = "public") -> SubmissionResult:
    path = tmp_path / f"{assignment.module}.py"
    path.write_text(source)
    return grading.grade(assignment, module_from_path(path, assignment), "student",
                         scope)  # type: ignore[arg-type]


def test_the_solution_scores_full_marks_and_the_stub_zero(a04, tmp_path):
    grading, _ = in_process()
    solution = grade_source(grading, a04, SOLUTION_04.read_text(), tmp_path, "all")
    assert solution.status == "graded"
    assert solution.score == solution.max_score == sum(c.points for c in a04.checks_in("all"))
    stub = grade_source(grading, a04, a04.stub.read_text(), tmp_path, "all")
    counted = [c for c in stub.checks if c.status != "skipped"]
    assert stub.score == 0 and counted
    assert all("not implemented yet" in c.message for c in counted), [c.message for c in counted]


@pytest.mark.parametrize("bug", sorted(BUGS_04))
def test_each_bug_loses_exactly_its_checks(a04, tmp_path, bug):
    grading, _ = in_process()
    expected, phrase = BUGS_04[bug]
    result = grade_source(grading, a04, on_solution(SUBMISSIONS_04 / f"{bug}.py"), tmp_path)
    assert_loses_exactly(result, expected, phrase)


def test_the_bundled_example_fails_its_two_bugs_with_their_hints(a04):
    grading, _ = in_process()
    path = ROOT / "examples" / "alice" / "custom_function.py"
    result = grading.grade(a04, module_from_path(path, a04), "alice", "public")
    assert failing(result) == {"MyReLU/grad_at_zero", "relu_linear_grads/notes_numbers"}
    messages = "\n".join(c.message for c in result.checks)
    assert "Hint: at exactly 0" in messages and "Hint: these are the gradients" in messages


def test_a_public_check_uses_the_recorded_references_and_runs_no_solution(a04, tmp_path):
    grading, executor = in_process()
    result = grade_source(grading, a04, SOLUTION_04.read_text(), tmp_path)
    assert result.environment is not None and result.environment.references == "recorded"
    assert [job.module.display for job in executor.calls] == ["custom_function.py"]


def test_the_reference_is_computed_once_for_every_submission(a04, tmp_path):
    grading, executor = in_process()
    for bug in sorted(BUGS_04)[:3]:
        grade_source(grading, a04, on_solution(SUBMISSIONS_04 / f"{bug}.py"), tmp_path, "all")
    solutions = [j for j in executor.calls if j.module.display.startswith("solutions/")]
    assert len(executor.calls) == 4 and len(solutions) == 1
    assert any(k.hint is not None for k in solutions[0].plan.runs)  # hint runs ride along
    assert all(k.hint is None for j in executor.calls if j not in solutions
               for k in j.plan.runs)


def test_a_salted_run_draws_other_inputs_and_computes_its_reference(a04, tmp_path):
    executor = InProcessExecutor()
    salted = Grading("basic", executor, salt=12345)
    result = grade_source(salted, a04, SOLUTION_04.read_text(), tmp_path, "public")
    assert result.score == result.max_score and result.environment is not None
    assert result.environment.references == "computed"  # a recording has the public seeds
    public, secret = a04.plan("public"), executor.calls[0].plan
    assert secret.salt == 12345 and public.salt is None
    assert {c.id: c.seed for c in public.checks} == {c.id: c.seed for c in a04.checks
                                                     if not c.hidden}
    assert all(secret.by_id[c.id].seed != c.seed for c in public.checks)
    assert a04.plan("public", salt=12346).checks != secret.checks


REPLAYABLE_SHARE = {"01_tensor_basics": 0.35, "02_views": 0.55, "03_autograd": 0.6,
                    "04_custom_function": 0.25,
                    # 05: 7 of its 23.5 public points observe facts that no input changes,
                    # whatever the seed: b_zeros (zeros), float32_leaves (dtype, leaf,
                    # requires_grad), sgd_step's updates_in_place (identity and storage
                    # labels), records_no_history, keeps_requires_grad and clears_gradients
                    # (None), train_step's returns_float (a type) and
                    # clears_gradients_after_step, train_model's one_float_per_epoch (types)
                    # and uses_data_iter (calls, sizes, which generator). Holding them to
                    # values as well would make a wrong value cost these checks too.
                    "05_linear_regression": 0.3}
"""The most of an assignment's public points that a replayed recording can earn in a graded
run: the checks whose answer no salt changes (the notes' literal numbers, exceptions, the
fixed shapes of 02's view rules; 03 works the notes' examples one by one). Everything else
depends on the secret inputs, and no hidden check is ever recorded."""


@pytest.mark.parametrize("name", sorted(REPLAYABLE_SHARE))
def test_replaying_the_recorded_references_earns_only_what_no_salt_changes(name):
    """A submission that answers every run with what the recording holds (the students'
    copy ships it) earns every public point on the public seeds and, in a graded run, only
    the checks whose reference answer is the same under the salt: their inputs are literals.
    06 is left out here (its references train networks): its statistical checks are judged
    on data, and its salted runs are covered by its own tests."""
    assignment = load_assignment(ASSIGNMENTS / name)
    recorded = store.load(assignment).observations
    assert recorded is not None
    replay = {key: outcome.value for key, outcome in recorded.outcomes.items()
              if key.hint is None and isinstance(outcome, Observed)}
    module = module_from_path(SOLUTIONS / name / f"{assignment.module}.py", assignment)
    reference = InProcessExecutor()

    def executor(job):
        if job.module.display.startswith("solutions/"):
            return reference(job)
        return ScriptedExecutor({job.module.display: replay})(job)

    public = Grading("basic", executor).grade(assignment, module, "replay", "public")
    salted = Grading("basic", executor, salt=7)
    graded = salted.grade(assignment, module, "replay", "public")
    assert public.score == public.max_score
    secret = salted.references.get(assignment, "public").outcomes
    unchanged = {key.check for key, outcome in secret.items() if key.hint is None
                 and isinstance(outcome, Observed) and key in recorded.outcomes
                 and compare(outcome.value, replay[key]) is None}
    earned = {c.id for c in graded.checks if c.status == "passed"}
    assert earned <= unchanged, sorted(earned - unchanged)
    assert graded.score <= REPLAYABLE_SHARE[name] * public.max_score, sorted(earned)


def test_threads_asking_for_a_reference_at_once_share_one_computation(a04):
    gate = threading.Event()
    inner = InProcessExecutor()

    def slow(job):
        gate.wait(5)
        return inner(job)

    grading = Grading("basic", slow)
    got = []
    threads = [threading.Thread(target=lambda: got.append(grading.references.get(a04, "all")))
               for _ in range(3)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert len(inner.calls) == 1 and len(got) == 3 and got[0] is got[1] is got[2]


# --- hand-written observations of a tiny assignment ------------------------------------

TINY_CHECKS = '''
import torch
from grader import Hint, check


def halve(x):
    return x / 2


@check("double", points=2, hints=[Hint("you halved instead of doubling",
                                       patch={"double": halve})])
def doubles(m, device, rng):
    """doubles a tensor"""
    return {"out": m.double(torch.arange(4.0, device=device))}


@check("double", points=1, devices=("cpu",))
def keeps_dtype(m, device, rng):
    """keeps the dtype"""
    return m.double(torch.ones(2, dtype=torch.float64)).dtype
'''


@pytest.fixture
def tiny(tmp_path) -> Assignment:
    return load_assignment(write_assignment(
        tmp_path, "99_tiny", "work", ["double"], TINY_CHECKS,
        "def double(x):\n    raise NotImplementedError\n", "def double(x):\n    return 2 * x\n"))


SOLUTION = "solutions/99_tiny/work.py"
DOUBLES, KEEPS = "double/doubles", "double/keeps_dtype"


def reference_runs() -> dict[RunKey, object]:
    return {RunKey(DOUBLES, "cpu"): {"out": torch.arange(4.0) * 2},
            RunKey(DOUBLES, "cpu", 0): {"out": torch.arange(4.0) / 2},
            RunKey(DOUBLES, "cuda"): RunFailure("skipped", "no CUDA device here"),
            RunKey(DOUBLES, "cuda", 0): RunFailure("skipped", "no CUDA device here"),
            RunKey(KEEPS, "cpu"): torch.float64}


def judge(tiny: Assignment, student: dict[RunKey, object], **scripted) -> SubmissionResult:
    executor = ScriptedExecutor({SOLUTION: reference_runs(), "work.py": student}, **scripted)
    module = ModuleUnderTest("work", tiny.stub, "work.py")
    return Grading("basic", executor).grade(tiny, module, "student", "public")


def test_a_mismatch_is_failed_with_what_where_and_a_matching_hint(tiny):
    result = judge(tiny, {RunKey(DOUBLES, "cpu"): {"out": torch.arange(4.0) / 2},
                          RunKey(KEEPS, "cpu"): torch.float64,
                          RunKey(DOUBLES, "cuda"): RunFailure("skipped", "no CUDA here")})
    (doubles,) = [c for c in result.checks if c.id == DOUBLES and c.device == "cpu"]
    assert doubles.status == "failed" and doubles.score == 0 and doubles.max_score == 2
    assert doubles.message.startswith("out: 3 of 4 values differ; largest difference 4.5")
    assert "expected 6, got 1.5" in doubles.message
    assert doubles.message.endswith("Hint: you halved instead of doubling")
    assert doubles.diff is not None and doubles.diff.path == "out"
    (cuda,) = [c for c in result.checks if c.id == DOUBLES and c.device == "cuda"]
    assert cuda.status == "skipped" and cuda.max_score == 0  # the points went to the CPU
    assert result.score == 1 and result.max_score == 3


def test_a_run_that_timed_out_or_never_came_is_a_timeout_or_an_error(tiny):
    result = judge(tiny, {RunKey(DOUBLES, "cpu"): RunFailure("timeout", "took longer than 10 s",
                                                             10.5)})
    statuses = {(c.id, c.device): (c.status, c.message) for c in result.checks}
    assert statuses[(DOUBLES, "cpu")] == ("timeout", "took longer than 10 s")
    assert statuses[(KEEPS, "cpu")] == ("error", "not run")
    assert result.score == 0 and result.status == "graded"


def test_a_submission_that_did_not_load_errs_on_every_check_with_one_line(tiny):
    result = judge(tiny, {}, load_failures={"work.py": "work.py, line 3: SyntaxError: oops"})
    assert result.status == "error" and result.error == "work.py, line 3: SyntaxError: oops"
    assert {c.status for c in result.checks if c.device == "cpu"} == {"error"}


def test_a_reference_without_an_observation_is_the_courses_fault(tiny):
    runs = {k: v for k, v in reference_runs().items() if k.check != KEEPS}
    executor = ScriptedExecutor({SOLUTION: runs, "work.py": {}})
    grading = Grading("basic", executor)
    with pytest.raises(ReferenceFailure, match="failed check double/keeps_dtype on cpu"):
        grading.grade(tiny, ModuleUnderTest("work", tiny.stub, "work.py"), "s", "public")


# --- the plan a session gets, and the digest that names it -----------------------------

def test_the_plan_names_checks_runs_and_limits_not_the_assignment(tiny):
    plan = tiny.plan("public", hints=True)
    assert plan.runs == (RunKey(DOUBLES, "cpu"), RunKey(DOUBLES, "cpu", 0),
                         RunKey(DOUBLES, "cuda"), RunKey(DOUBLES, "cuda", 0),
                         RunKey(KEEPS, "cpu"))
    assert [c.id for c in plan.checks] == [DOUBLES, KEEPS]
    assert plan.by_id[DOUBLES].time_limit_s == 10.0 and plan.limits == tiny.limits
    assert [s.kind for s in plan.sources] == ["public"]
    assert tiny.plan("public") is tiny.plan("public")  # computed once


def test_the_digest_follows_the_checks_and_the_solution(tmp_path):
    shutil.copytree(ASSIGNMENT_04, tmp_path / "assignments" / "04_custom_function")
    shutil.copytree(SOLUTIONS / "04_custom_function", tmp_path / "solutions" / "04_custom_function")
    root = tmp_path / "assignments" / "04_custom_function"
    before = load_assignment(root)
    assert before.digest("public") != before.digest("all")
    assert before.plan("public").key != load_assignment(ASSIGNMENT_04).plan("public").key
    solution = tmp_path / "solutions" / "04_custom_function" / "custom_function.py"
    solution.write_text(solution.read_text() + "\n# changed\n")
    after = load_assignment(root)
    assert after.digest("public") != before.digest("public")
    assert after.source_sha256("public") == before.source_sha256("public")
    public = root / "checks" / "public.py"
    public.write_text(public.read_text() + "\n# changed\n")
    assert load_assignment(root).source_sha256("public") != before.source_sha256("public")


# --- recorded references, written and read back without a child -------------------------

def test_references_recorded_from_observations_read_back_fresh_then_stale(tmp_path):
    shutil.copytree(ASSIGNMENT_04, tmp_path / "assignments" / "04_custom_function")
    shutil.copytree(SOLUTIONS / "04_custom_function", tmp_path / "solutions" / "04_custom_function")
    root = tmp_path / "assignments" / "04_custom_function"
    shutil.rmtree(root / "references")
    assignment = load_assignment(root)
    assert store.load(assignment).state == "missing"
    grading, _ = in_process()
    solved = grading.references.get(assignment, "all")
    store.write(assignment, solved, cuda_present=False)
    found = store.load(assignment)
    assert found.state == "fresh" and found.observations is not None
    public = {k for k in solved.outcomes if k.check in {c.id for c in assignment.public_checks()}
              and k.device == "cpu"}
    assert set(found.observations.outcomes) >= public
    cpu = (root / "references" / "cpu.json").read_text()
    (root / "references" / "cpu.json").write_text(cpu.replace('"hint": null', '"hint": 7', 1))
    with pytest.raises(ReferenceFailure, match="does not match its hash"):
        store.load(assignment)
    (root / "references" / "cpu.json").write_text(cpu)
    (root / "checks" / "public.py").write_text((root / "checks" / "public.py").read_text() + "#")
    assert store.load(load_assignment(root)).state == "stale"


def test_a_summary_carries_nothing_the_submissions_process_wrote(tiny):
    """Each check's summary (what students of a graded run read) is the grader's own words:
    the exception text, a forged frame's content or a value stays in the message."""
    secret = Raised("RuntimeError", ("RuntimeError", "Exception", "BaseException"),
                    "SECRET hidden input 3.25", ())
    result = judge(tiny, {
        RunKey(DOUBLES, "cpu"): {"out": secret},
        RunKey(KEEPS, "cpu"): RunFailure("error", "the process sent a malformed observation "
                                                  "(unexpected run SECRET)"),
        RunKey(DOUBLES, "cuda"): RunFailure("skipped", "SECRET reason")})
    for check in result.checks:
        assert "SECRET" not in check.summary, check
    assert "SECRET" in "".join(c.message for c in result.checks)
    summaries = {(c.id, c.device): c.summary for c in result.checks}
    assert summaries[(DOUBLES, "cpu")].startswith("the code raised an exception")
    assert summaries[(KEEPS, "cpu")].startswith("the check did not finish")
    assert summaries[(DOUBLES, "cuda")] == "not run on this machine"


def test_a_failure_that_may_come_from_another_exercise_says_so(a04, tmp_path):
    """relu_linear_grads is written on MyReLU: with MyReLU's backward wrong, its failure
    names MyReLU as the likely cause; with only its own bug, it does not."""
    grading, _ = in_process()
    bug = on_solution(SUBMISSIONS_04 / "bug_passthrough_backward.py")
    knocked = grade_source(grading, a04, bug, tmp_path)
    notes = by_id(knocked, "relu_linear_grads/notes_numbers")
    assert notes.status == "failed"
    assert "relu_linear_grads uses MyReLU, which fails its own checks" in notes.message
    assert "knock-on" in notes.summary
    assert not any("knock-on" in c.message for c in knocked.checks
                   if c.exercise != "relu_linear_grads")
    own = grade_source(grading, a04, on_solution(SUBMISSIONS_04 / "bug_sum_loss.py"), tmp_path)
    assert by_id(own, "relu_linear_grads/notes_numbers").status == "failed"
    assert not any("knock-on" in c.message for c in own.checks)


@pytest.mark.parametrize("source", ["", "\n\n", "# my solution will go here\n", "\ufeff\r\n"])
def test_a_file_with_no_code_is_said_to_be_empty_once(a04, tmp_path, source):
    from grader.reports.terminal import render_summary

    grading, executor = in_process()
    result = grade_source(grading, a04, source, tmp_path)
    assert result.status == "error" and "the file is empty" in (result.error or "")
    cpu = [c for c in result.checks if c.device == "cpu"]
    assert result.score == 0 and cpu and all(c.status == "error" for c in cpu)
    assert not any(job.module.display.endswith(f"{a04.module}.py")
                   and not job.module.display.startswith("solutions/") for job in executor.calls)
    text = render_summary(result, None, False)
    assert text.count("the file is empty") == 1 and "AttributeError" not in text
