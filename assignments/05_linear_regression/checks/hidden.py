"""Hidden checks of 05_linear_regression: run only at grading time, never released.

They repeat the public checks' properties on other seeds, sizes, dtypes and learning rates, and
add edge cases (the default batch_size, batch_size 1 and n, 3-D features with 1-D integer
labels, inputs left unchanged, shuffles that mix the whole data set, float64 parameters, two
training steps in a row, a batch size that does not divide the data). Every scenario builds its
random inputs before it calls the student's code. Helpers, judges and known wrong answers are
imported from public.py (``from public import``); see public.py's docstring for why the
stand-ins exist and why scenarios return data (batches, tensors, type names, identity and
storage labels) that judges in the grader's process decide on, never a verdict of their own.
"""


import torch

from grader import Hint, capture, changed, check, storage, unchanged
from public import (  # public.py's helpers, importable while this file loads
    CALLS,
    CPU_INDEX,
    DROPS_LAST,
    EMPTY_LAST,
    FULL_BATCHES_ONLY,
    GENERATOR_DEVICE,
    LOST_REQUIRES_GRAD,
    LR_SIGNATURE,
    NO_GENERATOR_PARAMETER,
    NO_SGD_STEP,
    TRAIN_MODEL_SIGNATURE,
    TRAIN_STEP_SIGNATURE,
    TRAINS_WITH_YOUR_TRAIN_STEP,
    UNPAIRED,
    CheckModel,
    first_name,
    fresh_generator,
    given,
    in_place_observation,
    judge_cleared,
    judge_each_sample_once,
    judge_pairs,
    judge_recovery,
    judge_same_orders,
    model_holding,
    notes_data,
    numbered_data,
    positions,
    read_batches,
    rebinding_sgd_step,
    strangers,
    swapped,
    train,
    train_step_problem,
    training_stand_ins,
    unreadable,
)

# --- training helpers ------------------------------------------------------------------------


def batch_sizes_of(m, n, *args, device, rng, **kwargs):
    """The sizes of data_iter's batches of n numbered samples: they hold no order, so the
    default comparison with the reference's and patch hints apply."""
    features, labels = numbered_data(n, device, rng)
    ids = read_batches(m.data_iter(features, labels, *args, **kwargs))["feature ids"]
    return str([len(batch) for batch in ids])


# --- hint predicates and judges (the grader's process) ---------------------------------------

def blocks(got):
    """A hint predicate: every batch holds a run of neighbouring samples."""
    return all(sorted(batch) == list(range(min(batch), min(batch) + len(batch)))
               for batch in got["feature ids"] if batch)


def judge_mixes(got, expected):
    """Not every batch is a run of neighbouring samples: the samples themselves were
    shuffled, not only the order of fixed blocks."""
    inputs = given(expected)
    problem = unreadable(got, expected) or strangers(got, ("feature ids",), inputs)
    if problem:
        return problem
    if blocks(got):
        first = next((batch for batch in got["feature ids"] if batch), [])
        return (f"every batch holds neighbouring samples (the first: the samples at positions "
                f"{positions(sorted(first), inputs)}): only the order of fixed blocks was "
                "shuffled")
    return None


# --- data_iter -------------------------------------------------------------------------------

@check("data_iter", points=0.5, judge=judge_each_sample_once,
       hints=[CPU_INDEX, FULL_BATCHES_ONLY, NO_GENERATOR_PARAMETER, GENERATOR_DEVICE])
def each_sample_once_with_generator(m, device, rng):
    """with a generator, 103 samples in batches of 10 each come exactly once"""
    features, labels = numbered_data(103, device, rng)
    ids = read_batches(m.data_iter(features, labels, 10, generator=rng))["feature ids"]
    return {"feature ids": ids, "batch sizes": str([len(batch) for batch in ids])}


@check("data_iter", points=0.5, hints=[CPU_INDEX, DROPS_LAST, Hint(
    "the default batch_size must be 8: def data_iter(features, labels, batch_size=8, "
    "generator=None)",
    when=lambda got: isinstance(got, dict) and "8" not in got.get("batch sizes", ""))])
def default_batch_size(m, device, rng):
    """the default batch_size is 8 (20 samples give batches of 8, 8 and 4)"""
    return {"batch sizes": batch_sizes_of(m, 20, device=device, rng=rng)}


@check("data_iter", points=0.5, hints=[CPU_INDEX, DROPS_LAST, EMPTY_LAST])
def batch_size_one_and_n(m, device, rng):
    """batch_size 1 gives one batch per sample; batch_size n gives one batch of all"""
    return {"batch_size 1, 5 samples": capture(batch_sizes_of, m, 5, 1, device=device,
                                               rng=rng),
            "batch_size 6, 6 samples": capture(batch_sizes_of, m, 6, 6, device=device,
                                               rng=rng)}


@check("data_iter", points=0.5, judge=judge_mixes, hints=[CPU_INDEX, Hint(
    "every batch holds neighbouring samples: shuffling the order of fixed blocks is not "
    "enough. Shuffle the samples themselves (a permutation of all n indices), then cut it "
    "into batches", when=blocks),
    NO_GENERATOR_PARAMETER, GENERATOR_DEVICE])
def mixes_samples(m, device, rng):
    """the shuffle mixes samples across the data set, not only the order of batches"""
    features, labels = numbered_data(64, device, rng)
    return {"feature ids":
            read_batches(m.data_iter(features, labels, 8, generator=rng))["feature ids"]}


@check("data_iter", points=1, judge=judge_pairs,
       hints=[CPU_INDEX, UNPAIRED, NO_GENERATOR_PARAMETER, GENERATOR_DEVICE])
def other_shapes_and_dtypes(m, device, rng):
    """3-D float64 features with 1-D int64 labels: pairs kept, dtypes and shapes kept"""
    n = 23
    ids = first_name(device, rng) + torch.arange(n, device=device)
    features = ids.double()[:, None, None].expand(n, 2, 3).clone()
    labels = -(ids + 1)
    feature_ids, label_ids, dtypes, shapes = [], [], set(), set()
    for xb, yb in m.data_iter(features, labels, 5, generator=rng):
        feature_ids.append(xb[:, 0, 0].long().tolist())
        label_ids.append((-yb - 1).tolist())
        dtypes.add(f"{xb.dtype}, {yb.dtype}")
        shapes.add(f"{list(xb.shape[1:])}, {list(yb.shape[1:])}")
    return {"feature ids": feature_ids, "label ids": label_ids,
            "batch dtypes (features, labels)": ", ".join(sorted(dtypes)),
            "batch shapes after the batch dimension": ", ".join(sorted(shapes))}


@check("data_iter", points=0.5, hints=[CPU_INDEX, Hint(
    "data_iter changed the caller's tensors: do not shuffle them in place "
    "(features[:] = features[order], np.random.shuffle(features.numpy()), ...); index them "
    "into new batch tensors instead",
    when=lambda got: any(changed(v) for v in got.values()))])
def leaves_inputs_unchanged(m, device, rng):
    """the caller's features and labels are left unchanged"""
    features, labels = numbered_data(17, device, rng)
    before = (features.clone(), labels.clone())
    for _ in m.data_iter(features, labels, 4):
        pass
    return {"features": unchanged(features, before[0]), "labels": unchanged(labels, before[1])}


@check("data_iter", points=0.5, judge=judge_same_orders, hints=[CPU_INDEX,
    Hint("the order does not follow `generator`: draw it with torch.randperm(n, "
         "generator=generator, device=features.device)",
         when=lambda got: got[CALLS[0]] != got[CALLS[1]]),
    NO_GENERATOR_PARAMETER, GENERATOR_DEVICE])
def reproducible_other_seed(m, device, rng):
    """equal seeds give the same order (50 samples, batch_size 6, another seed)"""
    features, labels = numbered_data(50, device, rng)
    first = torch.Generator(device=device).manual_seed(rng.initial_seed() + 1)
    second = torch.Generator(device=device).manual_seed(rng.initial_seed() + 1)
    order = read_batches(m.data_iter(features, labels, 6, generator=first))["feature ids"]
    torch.randn(7, device=device)
    again = read_batches(m.data_iter(features, labels, 6, generator=second))["feature ids"]
    return {CALLS[0]: order, CALLS[1]: again}


# --- LinearRegression ------------------------------------------------------------------------

@check("LinearRegression", points=1, hints=[GENERATOR_DEVICE, LR_SIGNATURE])
def w_other_sizes(m, device, rng):
    """w for 5 features and for 1 feature, drawn from the generator in turn"""
    generator = fresh_generator(rng, device)
    return {f"{k} features": m.LinearRegression(k, generator=generator, device=device).w
            for k in (5, 1)}


@check("LinearRegression", points=0.5, devices=("cpu",), hints=[LR_SIGNATURE])
def default_generator_and_device(m, device, rng):
    """LinearRegression(3) works: w from torch's global random state, on the CPU"""
    model = m.LinearRegression(3)
    return {"w": model.w, "b": model.b,
            **{f"{name} {what}": value for name, t in (("w", model.w), ("b", model.b))
               for what, value in (("is a leaf", t.is_leaf),
                                   ("requires grad", t.requires_grad))}}


@check("LinearRegression", points=0.5)
def forward_other_shapes(m, device, rng):
    """forward on a batch of 1 and a batch of 7 samples with 4 features"""
    w = torch.randn(4, 1, generator=rng, device=device, requires_grad=True)
    b = torch.randn(1, 1, generator=rng, device=device, requires_grad=True)
    xs = [torch.randn(k, 4, generator=rng, device=device) for k in (1, 7)]
    model = model_holding(m, w, b)
    return {f"output for {len(x)} samples": capture(model.forward, x) for x in xs}


@check("LinearRegression", points=0.5, hints=[Hint(
    "forward's output is cut off from w and b: do not detach it, and do not compute it under "
    "torch.no_grad()", when=lambda got: isinstance(got, dict) and got.get("w.grad") is None)])
def forward_is_differentiable(m, device, rng):
    """gradients flow from forward's output back to w and b"""
    w = torch.randn(3, 1, generator=rng, device=device, requires_grad=True)
    b = torch.randn(1, 1, generator=rng, device=device, requires_grad=True)
    x = torch.randn(6, 3, generator=rng, device=device)
    out = model_holding(m, w, b).forward(x)
    capture(lambda: out.sum().backward())
    return {"w.grad": w.grad, "b.grad": b.grad}


@check("LinearRegression", points=0.5)
def loss_func_other_values(m, device, rng):
    """loss_func on 10 other predictions and targets"""
    w = torch.randn(2, 1, generator=rng, device=device, requires_grad=True)
    b = torch.zeros(1, 1, device=device, requires_grad=True)
    y_pred = torch.randn(10, 1, generator=rng, device=device) * 3
    y_true = torch.randn(10, 1, generator=rng, device=device)
    return {"loss": model_holding(m, w, b).loss_func(y_pred, y_true)}


# --- sgd_step --------------------------------------------------------------------------------

def three_params(device, rng):
    """float64 leaves W [2, 3], v [3] and c [1, 1] and a batch to take gradients on."""
    W = torch.randn(2, 3, generator=rng, device=device, dtype=torch.float64)
    v = torch.randn(3, generator=rng, device=device, dtype=torch.float64)
    c = torch.randn(1, 1, generator=rng, device=device, dtype=torch.float64)
    x = torch.randn(5, 2, generator=rng, device=device, dtype=torch.float64)
    return [p.requires_grad_(True) for p in (W, v, c)], x


def backward_three(params, x):
    W, v, c = params
    for p in params:
        p.grad = None
    (torch.tanh(x @ W) @ v + c).pow(2).mean().backward()


@check("sgd_step", points=1, hints=[LOST_REQUIRES_GRAD, NO_SGD_STEP])
def float64_three_params(m, device, rng):
    """three float64 parameters of different shapes, 3 steps with lr 0.05"""
    params, x = three_params(device, rng)
    steps = {}
    for step in range(1, 4):
        backward_three(params, x)
        with torch.no_grad():
            m.sgd_step(list(params), 0.05)
        steps[f"after step {step}"] = [p.detach().clone() for p in params]
    return steps


@check("sgd_step", points=0.5, judge=judge_cleared, hints=[NO_SGD_STEP])
def clears_every_gradient(m, device, rng):
    """clears the gradient of each of three parameters"""
    params, x = three_params(device, rng)
    backward_three(params, x)
    with torch.no_grad():
        m.sgd_step(params, 0.05)
    return {f"gradient {i}": p.grad for i, p in enumerate(params)}


@check("sgd_step", points=0.5, hints=[NO_SGD_STEP])
def in_place_for_every_shape(m, device, rng):
    """a 2-D, a 1-D and a [1, 1] parameter keep their objects and storage"""
    params, x = three_params(device, rng)
    backward_three(params, x)
    caller = list(params)
    storage_before = [storage(p) for p in params]
    with torch.no_grad():
        m.sgd_step(params, 0.05)
    return in_place_observation(params, caller, storage_before)


# --- train_step ------------------------------------------------------------------------------

@check("train_step", points=1, hints=[TRAIN_STEP_SIGNATURE])
def one_step_other_lr(m, device, rng):
    """one step with lr 0.3 on 32 samples with 4 features"""
    model, x, y = train_step_problem(device, rng, n_features=4, n=32)
    with swapped(m, sgd_step=rebinding_sgd_step):
        loss = m.train_step(model, x, y, 0.3)
    return {"returned loss": capture(float, loss), "w after train_step": model.w,
            "b after train_step": model.b}


@check("train_step", points=0.5, hints=[TRAIN_STEP_SIGNATURE])
def two_steps_in_a_row(m, device, rng):
    """two calls in a row take two separate steps, each on fresh gradients"""
    model, x, y = train_step_problem(device, rng, n_features=2, n=12)
    with swapped(m, sgd_step=rebinding_sgd_step):
        first = m.train_step(model, x, y, 0.05)
        second = m.train_step(model, x, y, 0.05)
    return {"returned losses": [capture(float, first), capture(float, second)],
            "w after two steps": model.w, "b after two steps": model.b}


# --- train_model -----------------------------------------------------------------------------

@check("train_model", points=0.5, rtol=1e-5, atol=1e-6,
       hints=[TRAINS_WITH_YOUR_TRAIN_STEP, TRAIN_MODEL_SIGNATURE])
def epoch_means_other_sizes(m, device, rng):
    """each entry is the mean of the epoch's batch losses (90 samples, batch_size 30, lr 0)"""
    _, _, losses, _ = train(m, device, rng, n=90, epochs=2, batch_size=30, lr=0.0)
    return {"per-epoch losses": [capture(float, v) for v in losses]}


@check("train_model", points=0.5, hints=[TRAIN_MODEL_SIGNATURE])
def one_epoch_without_generator(m, device, rng):
    """one epoch with generator left out: one float, and data_iter gets generator None"""
    X, Y = notes_data(40, device, rng)
    model = CheckModel(torch.zeros(2, 1, device=device), torch.zeros(1, 1, device=device))
    stand_ins, batches = training_stand_ins(m)
    with swapped(m, **stand_ins):
        losses = m.train_model(model, X, Y, 1, 10, 0.01)
    return {"type of the result": type(losses).__name__,
            "entries": capture(len, losses),
            "data_iter calls": len(batches.calls),
            "types of the generators passed on": [type(g).__name__ for _, g in batches.calls]}


@check("train_model", points=2, judge=judge_recovery, time_limit=20,
       hints=[TRAINS_WITH_YOUR_TRAIN_STEP, TRAIN_MODEL_SIGNATURE])
def recovers_with_uneven_batches(m, device, rng):
    """recovers w and b with batch_size 32, whose last batch (16) is smaller

    The notes' data with another seed; 30 epochs, lr 0.01; within 0.15 of the least-squares
    fit."""
    model, (X, Y), losses, _ = train(m, device, rng, n=400, epochs=30, batch_size=32, lr=0.01)
    return {"w": model.w, "b": model.b, "features": X, "labels": Y,
            "losses": [capture(float, v) for v in losses]}
