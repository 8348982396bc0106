"""Assignment 05 end to end: realistic one-bug submissions, the course notes' code as written
and a correct submission written differently from the reference, each graded in real child
processes; plus focused tests of the checks' design (the reference against torch.optim.SGD,
convergence over many seeds, the recovery judge, the judges and hints that read data_iter's
batches in any order, the decrease judge holding losses to this data's)."""

from __future__ import annotations

import types

import pytest
import torch

from grader.model.observations import Raised, TensorValue
from grader.sandbox.codec import decode_value, encode_value
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

NAME = "05_linear_regression"
SUBMISSIONS_05 = SUBMISSIONS / NAME
CHECKS = ASSIGNMENTS / NAME / "checks"

BUGS = {
    # file: (checks it must lose on the CPU, a phrase its messages must contain)
    "bug_drop_last": ({"data_iter/each_sample_once", "data_iter/batch_sizes",
                       "data_iter/fewer_samples_than_batch_size"},
                      "the last, smaller batch is missing"),
    "bug_unpaired_shuffle": ({"data_iter/keeps_pairs"}, "shuffled with different orders"),
    "bug_ignores_generator": ({"data_iter/reproducible_from_generator"},
                              "does not follow `generator`"),
    "bug_sgd_keeps_grads": ({"sgd_step/clears_gradients"}, "p.grad.zero_() or p.grad = None"),
    "bug_sgd_rebinds": ({"sgd_step/updates_in_place"}, "gives p new storage"),
    "bug_sgd_without_no_grad": ({"sgd_step/records_no_history"}, "torch.no_grad()"),
    "bug_train_step_tensor": ({"train_step/returns_float"}, "loss.item()"),
    "bug_loss_without_half": ({"LinearRegression/loss_func"}, "halves it"),
    # The grader seeds torch's global generator too: had it the seed the check gives its
    # own generator, w drawn from the global state would be the expected w.
    "bug_lr_ignores_generator": ({"LinearRegression/w_from_generator"},
                                 "torch's global random state"),
    # Device mistakes seen on the CPU: run with torch's default device set to meta.
    "bug_randperm_on_cpu": ({"data_iter/creates_on_the_input_device"}, "without device="),
    "bug_params_without_device": ({"LinearRegression/creates_on_the_given_device"},
                                  "without device="),
    "bug_loss_detached": ({"LinearRegression/loss_func"}, "gradient to y_pred"),
    "bug_forward_float32": ({"LinearRegression/forward"}, "float64"),
    # train_model trains with the student's own train_step, and says so in its message.
    "bug_train_step_swapped_loss": ({"train_step/returns_loss_before_step",
                                     "train_step/one_sgd_step", "train_model/epoch_means",
                                     "train_model/losses_decrease"},
                                    "come from your own train_step"),
}

# The public checks that call data_iter: on CUDA, a CPU index fails every one of them.
DATA_ITER_PUBLIC = {
    "data_iter/each_sample_once", "data_iter/batch_sizes", "data_iter/keeps_pairs",
    "data_iter/shuffled", "data_iter/reproducible_from_generator", "data_iter/different_orders",
    "data_iter/batches_on_input_device", "data_iter/fewer_samples_than_batch_size",
    "data_iter/no_empty_last_batch", "data_iter/creates_on_the_input_device"}


@pytest.fixture
def grade(grade_for):
    return grade_for(NAME)


def load_checks(kind: str):
    """A checks file as a module, for its helpers (the grader loads it the same way)."""
    return import_file(CHECKS / f"{kind}.py", f"checks_05_{kind}")


@pytest.fixture(scope="module")
def solution():
    return import_file(SOLUTIONS / NAME / "linear_regression.py", "solution_05")


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_each_bug_loses_exactly_its_checks_with_a_message_naming_it(grade, bug):
    expected_failures, phrase = BUGS[bug]
    result = grade(on_solution(SUBMISSIONS_05 / f"{bug}.py"))
    assert_loses_exactly(result, expected_failures, phrase)


def test_hidden_checks_catch_the_same_bugs_on_other_inputs(grade):
    result = grade(on_solution(SUBMISSIONS_05 / "bug_drop_last.py"), scope="all")
    assert failing(result) == BUGS["bug_drop_last"][0] | {
        "data_iter/each_sample_once_with_generator", "data_iter/default_batch_size"}
    assert "the last, smaller batch is missing" in by_id(
        result, "data_iter/default_batch_size").message


def test_a_correct_submission_written_differently_scores_full_marks(grade):
    result = grade(SUBMISSIONS_05 / "correct_alternative.py", scope="all")
    assert result.status == "graded"
    assert failing(result) == set(), [(c.id, c.message) for c in result.checks
                                      if c.status not in ("passed", "skipped")]
    assert result.score == result.max_score


def test_notes_data_iter_loses_reproducibility_on_the_cpu_and_everything_on_cuda(grade):
    """The notes' data_iter (np.random.shuffle, a CPU LongTensor index) given a generator
    parameter that it ignores."""
    result = grade(on_solution(SUBMISSIONS_05 / "bug_notes_data_iter.py"))
    assert failing(result) == {"data_iter/reproducible_from_generator"}
    message = by_id(result, "data_iter/reproducible_from_generator").message
    assert "np.random.shuffle" in message and "torch.randperm(n, generator=generator" in message
    if any(c.device == "cuda" and c.status != "skipped" for c in result.checks):
        assert failing(result, "cuda") == DATA_ITER_PUBLIC
        assert all("the batch index lives on the CPU" in c.message for c in result.checks
                   if c.device == "cuda" and c.id in DATA_ITER_PUBLIC)


def test_the_notes_code_as_written_is_graded_per_contract_with_messages_saying_what_differs(
        grade):
    result = grade(SUBMISSIONS_05 / "notes_code.py")
    assert result.status == "graded"
    kept = {"data_iter/each_sample_once", "data_iter/batch_sizes", "data_iter/keeps_pairs",
            "data_iter/shuffled", "data_iter/batches_on_input_device",
            "data_iter/fewer_samples_than_batch_size", "data_iter/no_empty_last_batch",
            "LinearRegression/forward", "LinearRegression/loss_func"}
    everything = {c.id for c in result.checks}
    assert failing(result) == everything - kept
    messages = {c.id: c.message for c in result.checks if c.device == "cpu"}
    # data_iter: no generator parameter; np.random.shuffle ignores any generator
    assert "np.random.shuffle" in messages["data_iter/reproducible_from_generator"]
    assert "generator" in messages["data_iter/different_orders"]
    # LinearRegression: no arguments, no parameters()
    assert "LinearRegression(n_features" in messages["LinearRegression/w_from_generator"]
    assert "parameters()" in messages["LinearRegression/parameters"]
    # sgd_step: missing; the notes do the update inline
    assert "the notes do this update inline" in messages["sgd_step/clears_gradients"]
    # train_step: no lr (0.001 hard-coded), returns the tensor
    for check_id in ("train_step/returns_float", "train_step/one_sgd_step"):
        assert "hard-codes 0.001" in messages[check_id]
        assert "loss.item()" in messages[check_id]
    # train_model: another signature, global data
    assert "reads the global X and Y" in messages["train_model/recovers_w_and_b"]
    if any(c.device == "cuda" and c.status != "skipped" for c in result.checks):
        lost_on_cuda = failing(result, "cuda")
        assert DATA_ITER_PUBLIC <= lost_on_cuda
        assert "the batch index lives on the CPU" in by_id(
            result, "data_iter/batches_on_input_device", "cuda").message
        assert {"LinearRegression/forward", "LinearRegression/loss_func"}.isdisjoint(
            lost_on_cuda)


@pytest.mark.cuda
def test_solution_passes_on_cuda(grade):
    result = grade(SOLUTIONS / NAME / "linear_regression.py", scope="all")
    assert failing(result, "cuda") == set() and failing(result, "cpu") == set()
    assert any(c.device == "cuda" and c.status == "passed" for c in result.checks)


def test_the_reference_sgd_step_matches_torch_optim_sgd_over_five_steps(solution):
    g = torch.Generator().manual_seed(5)
    x, y = torch.randn(8, 3, generator=g), torch.randn(8, 1, generator=g)
    start = [torch.randn(3, 1, generator=g), torch.randn(1, 1, generator=g)]
    mine = [p.clone().requires_grad_(True) for p in start]
    theirs = [p.clone().requires_grad_(True) for p in start]
    optimizer = torch.optim.SGD(theirs, lr=0.1)
    for _ in range(5):
        torch.mean((x @ mine[0] + mine[1] - y) ** 2).backward()
        solution.sgd_step(mine, 0.1)
        optimizer.zero_grad()
        torch.mean((x @ theirs[0] + theirs[1] - y) ** 2).backward()
        optimizer.step()
        for p, q in zip(mine, theirs, strict=True):
            torch.testing.assert_close(p.detach(), q.detach())


@pytest.mark.parametrize("shuffle", [True, False], ids=["solution's data_iter", "stand-in"])
def test_the_recovery_checks_settings_converge_for_many_seeds(solution, shuffle):
    """The public and hidden recovery checks' settings leave a wide margin under 0.15 for
    eight seeds, with the solution's own shuffled batches and with the checks' stand-in."""
    checks = load_checks("public")  # hidden.py imports these helpers from public.py
    settings = [(40, 40, 0.01), (30, 32, 0.01)]  # public, then hidden recovery check
    worst = 0.0
    for epochs, batch_size, lr in settings:
        for seed in range(8):
            rng = torch.Generator().manual_seed(1000 + seed)
            X, Y = checks.notes_data(400, "cpu", rng)
            model = checks.CheckModel(torch.randn(2, 1, generator=rng), torch.zeros(1, 1))
            stand_ins = {"sgd_step": checks.rebinding_sgd_step}
            if not shuffle:
                stand_ins["data_iter"] = checks.SequentialBatches()
            with checks.swapped(solution, **stand_ins):
                solution.train_model(model, X, Y, epochs, batch_size, lr, generator=rng)
            w_ls, b_ls = checks.ls_fit(X, Y)
            worst = max(worst, (model.w.detach().double() - w_ls).abs().max().item(),
                        (model.b.detach().double() - b_ls).abs().max().item())
    assert worst < 0.1


def test_the_recovery_judge_reports_the_fit_and_handles_exceptions():
    checks = load_checks("public")
    rng = torch.Generator().manual_seed(3)
    X, Y = checks.notes_data(400, "cpu", rng)
    w_ls, b_ls = checks.ls_fit(X, Y)

    def observed(w, b):
        return {"w": TensorValue(w.float(), "cpu"), "b": TensorValue(b.float(), "cpu"),
                "features": TensorValue(X, "cpu"), "labels": TensorValue(Y, "cpu"),
                "losses": [5.0, 2.5]}

    expected = observed(w_ls, b_ls)
    assert checks.judge_recovery(observed(w_ls + 0.1, b_ls - 0.1), expected) is None
    message = checks.judge_recovery(observed(w_ls, b_ls + 0.4), expected)
    assert "least-squares fit" in message and "allowed 0.15" in message and "5, 2.5" in message
    assert "allowed" in checks.judge_recovery(observed(w_ls * float("nan"), b_ls), expected)
    raised = Raised("ValueError", ("ValueError", "Exception"), "boom")
    assert "raised ValueError: boom" in checks.judge_recovery(raised, expected)


def test_the_stand_ins_are_put_back_after_a_check(solution):
    checks = load_checks("public")
    original = solution.sgd_step
    with pytest.raises(ZeroDivisionError), checks.swapped(solution, sgd_step=None, extra=1):
        assert solution.sgd_step is None and solution.extra == 1
        1 / 0  # noqa: B018
    assert solution.sgd_step is original and not hasattr(solution, "extra")



def test_the_cpu_index_hint_matches_what_cuda_raises_for_the_notes_index():
    """CUDA's message for the notes' CPU index (seen with torch 2.11 on an H100), so that the
    hint is tested on machines without a GPU too."""
    checks = load_checks("public")
    seen_on_cuda = ("Expected all tensors to be on the same device, but got index is on cpu, "
                    "different from other tensors on cuda:0 (when checking argument in method "
                    "wrapper_CUDA__index_select)")
    raised = Raised("RuntimeError", ("RuntimeError", "Exception"), seen_on_cuda)
    assert checks.CPU_INDEX.when(raised)
    stub = Raised("NotImplementedError", ("NotImplementedError", "RuntimeError"),
                  "data_iter: not on the same device")
    assert not checks.CPU_INDEX.when(stub)


# --- judges and hints on observations made here ----------------------------------------------

def observe(scenario, module, seed, global_seed=None):
    """A scenario's observation of ``module`` on the CPU as the grader's process sees it:
    ``rng`` seeded with ``seed``, torch's global state with ``global_seed`` (what a data_iter
    without generator draws from), and the value passed through the channel's codec."""
    torch.manual_seed(seed + 1 if global_seed is None else global_seed)
    rng = torch.Generator().manual_seed(seed)
    return decode_value(encode_value(scenario(module, "cpu", rng)))


def overlaid(module, **names):
    """A copy of ``module`` with ``names`` put in place of its own."""
    copy = types.ModuleType(f"{module.__name__}_overlaid")
    copy.__dict__.update(vars(module))
    copy.__dict__.update(names)
    return copy


def public_specs(checks, exercise):
    return [fn.__grade_check__ for fn in vars(checks).values()
            if hasattr(fn, "__grade_check__") and fn.__grade_check__.exercise == exercise]


def test_the_data_iter_judges_take_any_order_of_the_inputs_and_no_other_inputs(solution):
    """Every public data_iter check is judged on the batches themselves: a correct data_iter
    drawing another order passes, and the batches of another seed's numbered data (a
    recording replayed in a graded run) fail, whatever they say."""
    checks = load_checks("public")
    alternative = import_file(SUBMISSIONS_05 / "correct_alternative.py", "alternative_05")
    specs = public_specs(checks, "data_iter")
    assert len(specs) == 10 and all(spec.judge is not None for spec in specs)
    for spec in specs:
        expected = observe(spec.scenario, solution, seed=1)
        other_order = observe(spec.scenario, alternative, seed=1, global_seed=99)
        assert spec.judge(other_order, expected) is None, spec.id
        replayed = observe(spec.scenario, solution, seed=2)
        assert spec.judge(replayed, expected) is not None, spec.id


@pytest.mark.parametrize("name, wrong, hint", [
    ("each_sample_once", "data_iter_dropping_last", "FULL_BATCHES_ONLY"),
    ("batch_sizes", "data_iter_dropping_last", "FULL_BATCHES_ONLY"),
    ("fewer_samples_than_batch_size", "data_iter_dropping_last", "FULL_BATCHES_ONLY"),
    ("no_empty_last_batch", "data_iter_empty_last", "EMPTY_LAST_BATCH"),
    ("keeps_pairs", "data_iter_unpaired", "UNPAIRED"),
])
def test_the_batch_hints_recognise_the_known_wrong_data_iters_in_any_order(solution, name,
                                                                          wrong, hint):
    """A hint on batches reads them (a patch would match one order only): it names the known
    wrong answer whatever order it drew, and stays silent on the reference's batches."""
    checks = load_checks("public")
    spec, when = getattr(checks, name).__grade_check__, getattr(checks, hint).when
    wrong_module = overlaid(solution, data_iter=getattr(checks, wrong))
    for seed in range(3):
        expected = observe(spec.scenario, solution, seed)
        assert spec.judge(expected, expected) is None and not when(expected)
        got = observe(spec.scenario, wrong_module, seed, global_seed=50 + seed)
        assert spec.judge(got, expected) is not None and when(got)


@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad=True")
def test_the_decrease_judge_wants_this_datas_losses_not_any_decreasing_ones(solution):
    """losses_decrease holds the per-epoch losses to the reference's on the same data and
    batches: a correct train_model's pass, another seed's (decreasing too) do not."""
    checks = load_checks("public")
    alternative = import_file(SUBMISSIONS_05 / "correct_alternative.py", "alternative_05")
    scenario = checks.losses_decrease
    expected = observe(scenario, solution, seed=1)
    losses = expected["losses"]
    assert len(losses) == 5 and losses[-1] < losses[0]
    assert checks.judge_decreasing(observe(scenario, alternative, seed=1), expected) is None
    replayed = observe(scenario, solution, seed=2)
    assert replayed["losses"][-1] < replayed["losses"][0]
    assert "not those of training on this check's data" in checks.judge_decreasing(
        replayed, expected)
    rising = {"losses": sorted(losses)}
    assert "did not go down" in checks.judge_decreasing(rising, expected)
