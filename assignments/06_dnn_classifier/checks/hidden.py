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

from grader import Hint, Raised, TensorValue, capture, check, compare, identity, storage, unchanged
from public import (  # public.py's helpers, importable while this file loads
    LOSS_METHOD_HINT,
    MIN_AGREEMENT,
    PER_EPOCH_MESSAGE,
    agreement,
    agreement_verdict,
    angle_verdict,
    as_floats,
    cpu_generator,
    drawn_rings,
    loss_count,
    losses_problem,
    observe_training,
    output_verdict,
    parameters_of,
    radius_verdict,
    ring_data,
    same_tensor,
    seeds_from,
    tensor_problem,
    test_points,
)

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
    """The best of the grader's trainings of build_classifier's model agrees with the best
    possible classifier on enough of the reference's test points."""
    points = expected["test points"]
    attempts = got.get("probabilities per training") if isinstance(got, dict) else None
    if not isinstance(attempts, list) or not attempts:
        return f"probabilities per training: expected a list, got {attempts!r}"
    agreements, failures = [], []
    for attempt in attempts:
        if isinstance(attempt, Raised):
            if attempt.not_implemented:
                return f"not implemented yet ({attempt.message})"
            failures.append(attempt.summary().splitlines()[0])
            continue
        if tensor_problem({"p": attempt}, "p", [points.shape[0], 1]) is None:
            agreements.append(agreement(attempt, points))
    if agreements and max(agreements) >= MIN_AGREEMENT:
        return None
    how = (f"the grader trained {len(attempts)} fresh models from build_classifier() with its "
           f"own loop ({GRADER_EPOCHS} full-batch Adam steps, lr {GRADER_LR}, nn.BCELoss)")
    if not agreements:
        return (f"{how} and none could be trained: {failures[0] if failures else 'no output'}; "
                "the model must output probabilities of shape [N, 1]")
    return (f"{how}; the best agreed with the best possible classifier on {max(agreements):.1%} "
            f"of the fresh points, expected at least {MIN_AGREEMENT:.0%}: a model that can "
            "learn the rings needs hidden layers with a nonlinearity (e.g. nn.ReLU) between "
            "its linear layers, and enough hidden units, e.g. 2 → 32 → 32 → 1; a stack of "
            "nn.Linear layers is still linear")


def without_X(observation):
    return {key: ({k: v for k, v in value.items() if k != "X"} if isinstance(value, dict)
                  else value) for key, value in observation.items()}


def small_classes_verdict(got, expected):
    """Everything but X as the reference's; X finite (its values depend on the draw order)."""
    mismatch = compare(without_X(got), without_X(expected))
    if mismatch is not None:
        return mismatch.text()
    for key, value in got.items():
        X = value.get("X")
        if not isinstance(X, TensorValue):
            return f"{key} › X: expected a tensor, got {type(X).__name__}"
        if not bool(torch.isfinite(X.values).all()):
            return f"{key} › X: holds NaN or infinite values"
    return None


def global_rng_verdict(got, expected):
    mismatch = compare({k: v for k, v in got.items() if k not in ("X", "X, second call")},
                       {k: v for k, v in expected.items() if k not in ("X", "X, second call")})
    if mismatch is not None:
        return mismatch.text()
    for key in ("X", "X, second call"):
        problem = tensor_problem(got, key, list(expected[key].shape))
        if problem:
            return problem
    if same_tensor(got["X"], got["X, second call"]):
        return "two calls without a generator gave the same X: draw from the global RNG"
    return None


def fresh_models_verdict(got, expected):
    first, second = got.get("first model"), got.get("second model")
    if first == second:
        return "two calls of build_classifier() returned the same model object"
    shared = set(got.get("parameters of the first model", [])) & set(
        got.get("parameters of the second model", []))
    if shared:
        return (f"the two models share {len(shared)} parameter(s): build new layers (and "
                "parameters) inside build_classifier on every call")
    return None


def reproducibility_verdict(got, expected):
    for key in ("losses, first training", "losses, second training"):
        losses = got.get(key)
        if not (isinstance(losses, list) and all(isinstance(v, float) for v in losses)):
            return f"{key}: expected a list of floats, got {losses!r}"[:300]
    if got["losses, first training"] != got["losses, second training"]:
        return "two trainings with equally seeded generators gave different losses"
    first, second = (got.get("parameters after the first training"),
                     got.get("parameters after the second training"))
    if not (isinstance(first, list) and isinstance(second, list) and len(first) == len(second)
            and all(same_tensor(p, q) for p, q in zip(first, second, strict=True))):
        return "two trainings with equally seeded generators gave different parameters"
    return None


def per_epoch_verdict(got, expected):
    for key in expected:
        epochs = int(key.split("=")[1])
        problem = losses_problem(got.get(key), epochs, key)
        if problem:
            return problem
    return None


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

@check("make_rings", points=1, devices=("cpu",), judge=small_classes_verdict)
def small_and_empty_classes(m, device, rng):
    """shapes, dtypes and labels for 0 positives, 0 negatives and one point of each"""
    seeds = seeds_from(rng, 3)

    def observe(n_positive, n_negative, seed):
        X, Y = m.make_rings(n_positive, n_negative, generator=cpu_generator(seed))
        return {"X shape": list(X.shape), "X dtype": X.dtype, "X": X,
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


@check("make_rings", points=0.5, devices=("cpu",), judge=global_rng_verdict)
def without_a_generator(m, device, rng):
    """generator=None works (the global RNG), and two calls give different rings"""
    torch.manual_seed(seeds_from(rng, 1)[0])
    X1, Y1 = m.make_rings(20, 10)
    X2, _ = m.make_rings(20, 10)
    return {"X": X1, "number of labels": Y1.numel(), "X, second call": X2}


# --- build_classifier -------------------------------------------------------------------------

@check("build_classifier", points=0.5, name="output_shape_other_sizes", judge=output_verdict)
def output_shape_other_sizes(m, device, rng):
    """maps batches of 3 and 1000 points to [3, 1] and [1000, 1]"""
    xs = [10 * torch.randn(n, 2, generator=rng, device=device) for n in (3, 1000)]
    model = m.build_classifier().to(device)
    with torch.no_grad():
        return {f"output for {x.shape[0]} points": model(x) for x in xs}


@check("build_classifier", points=0.5, judge=fresh_models_verdict)
def fresh_model_each_call(m, device, rng):
    """each call builds a new model: two calls share no parameters"""
    a, b = m.build_classifier(), m.build_classifier()
    return {"first model": identity(a), "second model": identity(b),
            "parameters of the first model": [storage(p) for p in a.parameters()],
            "parameters of the second model": [storage(p) for p in b.parameters()]}


@check("build_classifier", points=2, time_limit=120, judge=learning_verdict, title=(
    "trained by the grader's own loop, the model agrees with the best possible classifier on "
    ">= 90 % of fresh points"))
def learns_the_rings(m, device, rng):
    """The best of GRADER_ATTEMPTS trainings by the grader's own loop answers as the best
    possible classifier on at least MIN_AGREEMENT of fresh unlabelled points."""
    X, Y = ring_data(1000, 1000, rng, device)
    X_test = test_points(4000, rng, device)
    attempts = [capture(grader_attempt, m, X, Y, X_test, device)
                for _ in range(GRADER_ATTEMPTS)]
    return {"test points": X_test, "probabilities per training": attempts}


# --- train_classifier -------------------------------------------------------------------------

@check("train_classifier", points=2, time_limit=120, judge=agreement_verdict,
       name="reaches_accuracy_other_model", hints=[LOSS_METHOD_HINT], title=(
           "with its default epochs, trains another small model to agree with the best "
           "possible classifier on >= 90 % of fresh points"))
def reaches_accuracy_other_model(m, device, rng):
    """reaches_accuracy with another model, on other sizes of the rings."""
    return observe_training(m, device, rng, small_model, 1200, 5000)


SEEDED_TRAINING_HINT = Hint(
    "equal generator seeds must give equal training: draw every random number (the shuffle "
    "of each epoch) from `generator`, e.g. torch.randperm(n, generator=generator, "
    "device=X.device), not from the global RNG",
    when=lambda got: reproducibility_verdict(got, got) is not None)


@check("train_classifier", points=1, time_limit=30, judge=reproducibility_verdict,
       hints=[LOSS_METHOD_HINT, SEEDED_TRAINING_HINT])
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
    return {"losses, first training": as_floats(losses_first),
            "losses, second training": as_floats(losses_second),
            "parameters after the first training": parameters_of(first),
            "parameters after the second training": parameters_of(second)}


@check("train_classifier", points=0.5, time_limit=30, hints=[LOSS_METHOD_HINT])
def leaves_X_and_Y_unchanged(m, device, rng):
    """X and Y are the same after training"""
    X, Y = ring_data(300, 300, rng, device)
    X_before, Y_before = X.clone(), Y.clone()
    m.train_classifier(small_model(device, rng), X, Y, epochs=2, generator=rng)
    return {"X": unchanged(X, X_before), "Y": unchanged(Y, Y_before)}


PER_BATCH_HINT = Hint(
    PER_EPOCH_MESSAGE,
    when=lambda got: loss_count(got["epochs=1"]) > 1 or loss_count(got["epochs=5"]) > 5)


@check("train_classifier", points=0.5, time_limit=30, judge=per_epoch_verdict,
       hints=[LOSS_METHOD_HINT, PER_BATCH_HINT])
def per_epoch_losses_other_epochs(m, device, rng):
    """epochs=1 and epochs=5 return 1 and 5 Python floats"""
    X, Y = ring_data(400, 400, rng, device)
    models = {epochs: small_model(device, rng) for epochs in (1, 5)}
    return {f"epochs={epochs}": m.train_classifier(model, X, Y, epochs=epochs, generator=rng)
            for epochs, model in models.items()}
