"""Hidden checks of 06_dnn_classifier: run only at grading time, never released.

They repeat the public checks' properties on other seeds, sizes and models, with edge cases
(empty classes, one point per class, no generator), and test what the public checks cannot
show without giving a training loop away: that the model of build_classifier can learn the
rings when the grader trains it (Adam, full batch, with its own loop below), and that
train_classifier is reproducible for equal generator seeds and leaves X and Y unchanged.
This file is executed on its own: the helpers it shares with public.py are copied here.
"""

import copy
import math
import time

import torch
from torch import nn

from grader import Hint, capture, check
from grader.observations import Raised, TensorValue

# Bound when this file is loaded, before the student's module is imported.
_cpu_time = time.process_time

Z = 6.0  # how many standard errors a sample statistic may stray from its expected value
OCTANTS = 8
CPU_LIMIT_S = 60.0
MIN_ACCURACY = 0.90
MAX_PARAMETERS = 10_000


# --- helpers ----------------------------------------------------------------------------------

def ring_data(n_positive, n_negative, rng, device):
    """Rings drawn by the check itself, on ``device``: positives first, then negatives."""
    radius = torch.cat([5.0 + torch.randn(n_positive, 1, generator=rng, device=device),
                        8.0 + torch.randn(n_negative, 1, generator=rng, device=device)])
    direction = torch.randn(n_positive + n_negative, 2, generator=rng, device=device)
    X = radius * direction / direction.norm(dim=1, keepdim=True)
    Y = torch.cat([torch.ones(n_positive, 1, device=device),
                   torch.zeros(n_negative, 1, device=device)])
    return X, Y


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


def warm_up_optimizers(device):
    """One step of SGD and Adam, so that their one-time setup (about a second on the first
    step in a process) is not counted as the student's training time."""
    for optimizer_class in (torch.optim.SGD, torch.optim.Adam):
        w = torch.zeros(1, device=device, requires_grad=True)
        optimizer = optimizer_class([w], lr=0.1)
        (w ** 2).sum().backward()
        optimizer.step()


def parameters_of(model):
    return [p.detach().clone() for p in model.parameters()]


def seeds_from(rng, count):
    return [int(s) for s in torch.randint(0, 2**31 - 1, (count,), generator=rng,
                                          device=rng.device)]


def cpu_generator(seed):
    return torch.Generator().manual_seed(seed)


def find_raised(value):
    """The first exception recorded anywhere in an observation, or None."""
    if isinstance(value, Raised):
        return value
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        for item in value:
            found = find_raised(item)
            if found is not None:
                return found
    return None


def model_specific_attribute(got):
    found = find_raised(got)
    return (found is not None and found.is_a("AttributeError")
            and "'Sequential' object has no attribute" in found.message)


LOSS_METHOD_HINT = Hint(
    "train_classifier is called with a model the grader builds (an nn.Sequential), which has "
    "none of your own model's extra methods: use a loss function such as nn.BCELoss() (and a "
    "torch optimizer) rather than a method of one model such as the notes' model.loss_func",
    when=model_specific_attribute)


def tensor_problem(got, key, shape):
    """A message when ``got[key]`` is not a finite float tensor of ``shape``, else None."""
    value = got.get(key) if isinstance(got, dict) else None
    if not isinstance(value, TensorValue):
        return f"{key}: expected a tensor, got {type(value).__name__}"
    if list(value.shape) != list(shape):
        return f"{key}: expected shape {list(shape)}, got {list(value.shape)}"
    if not value.dtype.is_floating_point:
        return f"{key}: expected a floating-point tensor, got {value.dtype}"
    if not bool(torch.isfinite(value.values).all()):
        return f"{key}: holds NaN or infinite values"
    return None


def class_rows(X, n_positive):
    return (("positives", X[:n_positive], 5.0), ("negatives", X[n_positive:], 8.0))


def radius_verdict(got, expected):
    """Per class: the mean radius is 5 (positives) or 8 (negatives) and its std 1."""
    n_positive, n = expected["n_positive"], expected["X"].shape[0]
    problem = tensor_problem(got, "X", [n, 2])
    if problem:
        return problem
    X = got["X"].values.double()
    means = {name: rows.norm(dim=1).mean().item() for name, rows, _ in class_rows(X, n_positive)}
    if means["positives"] > means["negatives"]:
        return (f"the positives (the first {n_positive} rows) lie at mean radius "
                f"{means['positives']:.2f} and the negatives at {means['negatives']:.2f}: the "
                "radii are swapped; positives (label 1) are the inner ring at 5 + N(0, 1), "
                "negatives the outer ring at 8 + N(0, 1)")
    for name, rows, centre in class_rows(X, n_positive):
        radius = rows.norm(dim=1)
        count = radius.numel()
        mean, std = radius.mean().item(), radius.std().item()
        mean_tol, std_tol = Z / math.sqrt(count), Z / math.sqrt(2 * (count - 1))
        if abs(mean - centre) > mean_tol:
            return (f"radius of the {name}: mean {mean:.3f}, expected {centre:g} ± "
                    f"{mean_tol:.3f} (radius {centre:g} + N(0, 1))")
        if abs(std - 1.0) > std_tol:
            return (f"radius of the {name}: standard deviation {std:.3f}, expected 1 ± "
                    f"{std_tol:.3f} (radius {centre:g} + N(0, 1): the noise has std 1)")
    return None


def angle_verdict(got, expected):
    """Per class: the angles are uniform over [0, 2π): octant shares and mean cos and sin."""
    n_positive, n = expected["n_positive"], expected["X"].shape[0]
    problem = tensor_problem(got, "X", [n, 2])
    if problem:
        return problem
    X = got["X"].values.double()
    for name, rows, _ in class_rows(X, n_positive):
        count = rows.shape[0]
        angle = torch.atan2(rows[:, 1], rows[:, 0]) % (2 * math.pi)
        octant = (angle / (2 * math.pi / OCTANTS)).floor().clamp(0, OCTANTS - 1).long()
        shares = torch.bincount(octant, minlength=OCTANTS).double() / count
        share = 1 / OCTANTS
        share_tol = Z * math.sqrt(share * (1 - share) / count)
        for k, got_share in enumerate(shares.tolist()):
            if abs(got_share - share) > share_tol:
                empty_half = bool((rows[:, 1] >= 0).all() or (rows[:, 1] <= 0).all())
                half = (" (all of them on one side of the x axis: angles drawn in [0, π) "
                        "cover half the circle; use 2π · rand)") if empty_half else ""
                return (f"angles of the {name} are not uniform over [0, 2π): "
                        f"{got_share:.1%} of them lie in [{45 * k}°, {45 * (k + 1)}°), "
                        f"expected {share:.1%} ± {share_tol:.1%}{half}")
        mean_tol = Z * math.sqrt(0.5 / count)
        for fn in ("cos", "sin"):
            mean = getattr(angle, fn)().mean().item()
            if abs(mean) > mean_tol:
                return (f"angles of the {name}: mean of {fn}(angle) is {mean:.3f}, expected "
                        f"0 ± {mean_tol:.3f} for angles uniform over [0, 2π)")
    return None


def accuracy_verdict(got, expected):
    """Accuracy of the student's probabilities against the reference's labels, and CPU time."""
    labels = expected["test labels"].values
    problem = tensor_problem(got, "probabilities on the test rings", list(labels.shape))
    if problem:
        return problem
    if got.get("the model's parameters changed") is False:
        return ("the model passed to train_classifier is unchanged after training: train it "
                "in place (no copy.deepcopy, no new model); the grader measures the accuracy "
                "of the model it passed in")
    cpu = got.get("CPU seconds")
    if isinstance(cpu, int | float) and cpu > CPU_LIMIT_S:
        return (f"train_classifier took {cpu:.0f} s of CPU time with its default epochs; the "
                f"limit is {CPU_LIMIT_S:g} s: use fewer epochs, larger batches or full-batch "
                "steps")
    probabilities = got["probabilities on the test rings"].values.double()
    accuracy = ((probabilities > 0.5).double() == labels.double()).double().mean().item()
    if accuracy >= MIN_ACCURACY:
        return None
    found = (f"accuracy {accuracy:.3f} on {labels.shape[0]} fresh test points, expected at least "
             f"{MIN_ACCURACY:.2f} (the best possible on these rings is about 0.93)")
    losses = got.get("losses")
    if not (isinstance(losses, list) and len(losses) > 1
            and all(isinstance(v, float) and math.isfinite(v) for v in losses)):
        return (f"{found}: train with more default epochs or a larger learning rate (Adam with "
                "lr around 0.01 works well), and clear the gradients in every step")
    trend = (f"over your {len(losses)} default epochs the loss went from {losses[0]:.3f} to "
             f"{losses[-1]:.3f}")
    rises = sum(later > 1.01 * earlier for earlier, later in zip(losses[:-1], losses[1:],
                                                          strict=True))
    if losses[-1] >= losses[0] or rises > len(losses) // 5:
        return (f"{found}; {trend}, rising in {rises} of them: the training is unstable and "
                "learns nothing. Clear the gradients in every step with optimizer.zero_grad() "
                "(else the gradients of all past steps add up), and check that the learning "
                "rate is not too large")
    return (f"{found}; {trend}: the model learned too little. Train with more default epochs "
            "or a larger learning rate (Adam with lr around 0.01 works well)")


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


def describe_losses(losses):
    return {"returns a list": isinstance(losses, list),
            "number of losses": len(losses) if isinstance(losses, list | tuple) else None,
            "every loss is a Python float": isinstance(losses, list | tuple) and all(
                isinstance(v, float) for v in losses)}


def as_floats(losses):
    return [float(v) for v in losses]


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
    gen = cpu_generator(seeds_from(rng, 1)[0])
    X, _ = m.make_rings(3500, 2500, generator=gen)
    return {"n_positive": 3500, "X": X}


@check("make_rings", points=0.5, devices=("cpu",), judge=angle_verdict)
def angle_distribution_other_sizes(m, device, rng):
    """angles uniform over [0, 2π) for 2500 positives and 3500 negatives"""
    gen = cpu_generator(seeds_from(rng, 1)[0])
    X, _ = m.make_rings(2500, 3500, generator=gen)
    return {"n_positive": 2500, "X": X}


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
    X, Y = ring_data(1200, 1200, rng, device)
    X_test, Y_test = ring_data(2500, 2500, rng, device)
    model = small_model(device, rng)
    before = parameters_of(model)
    warm_up_optimizers(device)
    started = _cpu_time()
    losses = m.train_classifier(model, X, Y, generator=rng)
    cpu = _cpu_time() - started
    with torch.no_grad():
        probabilities = model(X_test)
    changed = any(not torch.equal(p, q) for p, q in zip(before, parameters_of(model),
                                                           strict=True))
    return {"probabilities on the test rings": probabilities, "test labels": Y_test,
            "the model's parameters changed": changed, "CPU seconds": cpu,
            "losses": capture(as_floats, losses)}


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
