"""Hidden checks of 06_dnn_classifier: run only at grading time, never released.

They repeat the public checks' properties on other seeds, sizes and models, with edge cases
(empty classes, one point per class, no generator), and test what the public checks cannot show
without giving a training loop away: that the model of build_classifier can learn the rings
when the grader trains it (Adam, full batch, with its own loop below), and that
train_classifier is reproducible for equal generator seeds and leaves X and Y unchanged.
Helpers and known wrong answers are imported from public.py (``from public import``).
"""

import copy
import math

import torch
from torch import nn

from grader import Hint, Raised, capture, check
from public import (  # public.py's helpers, importable while this file loads
    LOSS_METHOD_HINT,
    MIN_ACCURACY,
    accuracy_verdict,
    angle_verdict,
    as_floats,
    cpu_generator,
    describe_losses,
    drawn_rings,
    observe_training,
    radius_verdict,
    ring_data,
    seeds_from,
    tensor_problem,
)

# Bound when this file is loaded, before the student's module is imported.


# --- helpers ----------------------------------------------------------------------------------


def small_model(device, rng):
    """The model the train_classifier checks hand over: another one than the public checks'.

    Its weights are drawn from ``rng`` (uniform in ±1/sqrt(fan_in), like nn.Linear's own), so
    that they depend on the check's seed alone.
    """
    model = nn.Sequential(nn.Linear(2, 24), nn.Tanh(), nn.Linear(24, 1), nn.Sigmoid()).to(device)
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, nn.Linear):
                bound = 1 / math.sqrt(layer.in_features)
                for p in (layer.weight, layer.bias):
                    p.copy_((2 * torch.rand(p.shape, generator=rng, device=device) - 1) * bound)
    return model


def learning_verdict(got, expected):
    """The best of the grader's trainings of build_classifier's model reaches the accuracy."""
    labels = expected["test labels"].values
    attempts = got.get("probabilities per training") if isinstance(got, dict) else None
    if not isinstance(attempts, list) or not attempts:
        return f"probabilities per training: expected a list, got {attempts!r}"
    accuracies, failures = [], []
    for attempt in attempts:
        if isinstance(attempt, Raised):
            if attempt.not_implemented:
                return f"not implemented yet ({attempt.message})"
            failures.append(attempt.summary().splitlines()[0])
            continue
        if tensor_problem({"p": attempt}, "p", list(labels.shape)) is None:
            probabilities = attempt.values.double()
            accuracies.append(
                ((probabilities > 0.5).double() == labels.double()).double().mean().item())
    if accuracies and max(accuracies) >= MIN_ACCURACY:
        return None
    how = (f"the grader trained {len(attempts)} fresh models from build_classifier() with its "
           f"own loop ({GRADER_EPOCHS} full-batch Adam steps, lr {GRADER_LR}, nn.BCELoss)")
    if not accuracies:
        return (f"{how} and none could be trained: {failures[0] if failures else 'no output'}; "
                "the model must output probabilities of shape [N, 1]")
    return (f"{how}; the best reached accuracy {max(accuracies):.3f} on fresh rings, expected "
            f"at least {MIN_ACCURACY:.2f}: a model that can learn the rings needs hidden layers "
            "with a nonlinearity (e.g. nn.ReLU) between its linear layers, and enough hidden "
            "units, e.g. 2 → 32 → 32 → 1; a stack of nn.Linear layers is still linear")


# --- the grader's own training loop (hidden: it would be a train_classifier) -------------------

GRADER_EPOCHS = 300
GRADER_LR = 0.01
GRADER_ATTEMPTS = 5


def grader_fit(model, X, Y):
    optimizer = torch.optim.Adam(model.parameters(), lr=GRADER_LR)
    loss_fn = nn.BCELoss()
    for _ in range(GRADER_EPOCHS):
        loss = loss_fn(model(X), Y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def grader_attempt(m, X, Y, X_test, device):
    model = m.build_classifier().to(device)
    grader_fit(model, X, Y)
    model.eval()
    with torch.no_grad():
        return model(X_test)


# --- make_rings -------------------------------------------------------------------------------

@check("make_rings", points=1, devices=("cpu",))
def small_and_empty_classes(m, device, rng):
    """shapes, dtypes and labels for 0 positives, 0 negatives and one point of each"""
    seeds = seeds_from(rng, 3)

    def observe(n_positive, n_negative, seed):
        X, Y = m.make_rings(n_positive, n_negative, generator=cpu_generator(seed))
        return {"X shape": list(X.shape), "X dtype": X.dtype,
                "X finite": bool(torch.isfinite(X).all()),
                "Y (flattened)": Y.reshape(-1).to(torch.float32)}

    return {f"make_rings({p}, {n})": capture(observe, p, n, seed)
            for (p, n), seed in zip(((0, 4), (3, 0), (1, 1)), seeds, strict=True)}


@check("make_rings", points=0.5, devices=("cpu",), judge=radius_verdict)
def radius_distribution_other_sizes(m, device, rng):
    """radius 5 + N(0, 1) and 8 + N(0, 1) for 3500 positives and 2500 negatives"""
    return drawn_rings(m, rng, 3500, 2500)


@check("make_rings", points=0.5, devices=("cpu",), judge=angle_verdict)
def angle_distribution_other_sizes(m, device, rng):
    """angles uniform over [0, 2π) for 2500 positives and 3500 negatives"""
    return drawn_rings(m, rng, 2500, 3500)


@check("make_rings", points=0.5, devices=("cpu",))
def without_a_generator(m, device, rng):
    """generator=None works (the global RNG), and two calls give different rings"""
    X1, Y1 = m.make_rings(20, 10)
    X2, _ = m.make_rings(20, 10)
    return {"X shape": list(X1.shape), "number of labels": Y1.numel(),
            "two calls give different X": not torch.equal(X1, X2)}


# --- build_classifier -------------------------------------------------------------------------

@check("build_classifier", points=0.5, name="output_shape_other_sizes")
def output_shape_other_sizes(m, device, rng):
    """maps batches of 3 and 1000 points to [3, 1] and [1000, 1]"""
    xs = [10 * torch.randn(n, 2, generator=rng, device=device) for n in (3, 1000)]
    model = m.build_classifier().to(device)
    with torch.no_grad():
        return {f"output shape for {x.shape[0]} points": list(model(x).shape) for x in xs}


@check("build_classifier", points=0.5)
def fresh_model_each_call(m, device, rng):
    """each call builds a new model: two calls share no parameters"""
    a, b = m.build_classifier(), m.build_classifier()
    storage = {p.data_ptr() for p in a.parameters()}
    return {"the two models share no parameters": a is not b and not any(
        p.data_ptr() in storage for p in b.parameters())}


@check("build_classifier", points=2, time_limit=120, judge=learning_verdict)
def learns_the_rings(m, device, rng):
    """trained by the grader's own loop, the model reaches accuracy >= 0.90 on fresh rings"""
    X, Y = ring_data(1000, 1000, rng, device)
    X_test, Y_test = ring_data(2000, 2000, rng, device)
    attempts = []
    for _ in range(GRADER_ATTEMPTS):
        probabilities = capture(grader_attempt, m, X, Y, X_test, device)
        attempts.append(probabilities)
        if isinstance(probabilities, torch.Tensor) and bool(
                ((probabilities > 0.5).float() == Y_test).float().mean() >= MIN_ACCURACY):
            break
    return {"probabilities per training": attempts, "test labels": Y_test}


# --- train_classifier -------------------------------------------------------------------------

@check("train_classifier", points=2, time_limit=120, judge=accuracy_verdict,
       name="reaches_accuracy_other_model", hints=[LOSS_METHOD_HINT])
def reaches_accuracy_other_model(m, device, rng):
    """with its default epochs, trains another small model to accuracy >= 0.90"""
    return observe_training(m, device, rng, small_model, 1200, 2500)


@check("train_classifier", points=1, time_limit=30, hints=[LOSS_METHOD_HINT, Hint(
    "equal generator seeds must give equal training: draw every random number (the shuffle "
    "of each epoch) from `generator`, e.g. torch.randperm(n, generator=generator, "
    "device=X.device), not from the global RNG",
    when=lambda got: not all(v is True for v in got.values()))])
def reproducible_with_a_generator(m, device, rng):
    """equally seeded generators give equal losses and equal trained parameters"""
    X, Y = ring_data(300, 300, rng, device)
    seed = int(torch.randint(0, 2**31 - 1, (1,), generator=rng, device=device))
    first = small_model(device, rng)
    second = copy.deepcopy(first)
    torch.manual_seed(1)
    losses_first = m.train_classifier(first, X, Y, epochs=3,
                                      generator=torch.Generator(device=device).manual_seed(seed))
    torch.manual_seed(2)
    losses_second = m.train_classifier(second, X, Y, epochs=3,
                                       generator=torch.Generator(device=device).manual_seed(seed))
    return {"equal seeds give equal losses": as_floats(losses_first) == as_floats(losses_second),
            "equal seeds give equal parameters": all(
                torch.equal(p, q) for p, q in zip(first.parameters(), second.parameters(),
                                                  strict=True))}


@check("train_classifier", points=0.5, time_limit=30, hints=[LOSS_METHOD_HINT])
def leaves_X_and_Y_unchanged(m, device, rng):
    """X and Y are the same after training"""
    X, Y = ring_data(300, 300, rng, device)
    X_before, Y_before = X.clone(), Y.clone()
    m.train_classifier(small_model(device, rng), X, Y, epochs=2, generator=rng)
    return {"X unchanged": bool(torch.equal(X, X_before)),
            "Y unchanged": bool(torch.equal(Y, Y_before))}


@check("train_classifier", points=0.5, time_limit=30, hints=[
    LOSS_METHOD_HINT,
    Hint("one loss per epoch, not one per batch: average each epoch's batch losses",
         when=lambda got: any(isinstance(v, dict) and (v.get("number of losses") or 0) > 5
                              for v in got.values()))])
def per_epoch_losses_other_epochs(m, device, rng):
    """epochs=1 and epochs=5 return 1 and 5 Python floats"""
    X, Y = ring_data(400, 400, rng, device)
    models = {epochs: small_model(device, rng) for epochs in (1, 5)}
    return {f"epochs={epochs}": describe_losses(
        m.train_classifier(model, X, Y, epochs=epochs, generator=rng))
        for epochs, model in models.items()}
