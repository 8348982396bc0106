"""Public checks of 06_dnn_classifier: students see and run these with `grade check`.

Each scenario observes one property; the grader compares the observation of the student's
module with the reference solution's. Where the contract leaves the exact numbers open (the
draw order of make_rings, a trained model), the scenario returns the raw data and a judge in
the grader's process tests the property itself: the radius and angle distributions, the
parameter bound, the accuracy on fresh rings. Statistical tolerances are six standard
errors of the sample size, so a correct make_rings never fails them, whatever the seed.

The train_classifier checks train a small model that the check builds itself, on rings it
draws itself, so that a mistake in make_rings or build_classifier costs points only there.
"""

import math
import time

import torch
from torch import nn

from grader import Hint, Raised, TensorValue, capture, check

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
    """The model the train_classifier checks hand over (not the student's build_classifier).

    Its weights are drawn from ``rng`` (uniform in ±1/sqrt(fan_in), like nn.Linear's own), so
    that they depend on the check's seed alone.
    """
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                          nn.Linear(16, 1), nn.Sigmoid()).to(device)
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


def parameter_count_verdict(got, expected):
    count = got.get("parameters") if isinstance(got, dict) else None
    if not isinstance(count, int):
        return f"parameters: expected a count, got {count!r}"
    if count > MAX_PARAMETERS:
        return (f"the model has {count:,} parameters; at most {MAX_PARAMETERS:,} are allowed: "
                "use fewer or narrower hidden layers (2 → 32 → 32 → 1 has 1,185)")
    return None


# --- make_rings -------------------------------------------------------------------------------

@check("make_rings", points=1, devices=("cpu",), hints=[
    Hint("Y must be a column of shape [n, 1], as the notes' torch.ones_like(r_p) gives, not a "
         "1-D tensor of shape [n]",
         when=lambda got: got["Y shape"] == "[12]"),
    Hint("Y must be float32 (nn.BCELoss needs float targets): build it with torch.ones(n, 1) "
         "and torch.zeros(n, 1), not with an integer dtype",
         when=lambda got: got["Y dtype"] in (torch.int64, torch.int32, torch.bool))])
def shapes_and_dtypes(m, device, rng):
    """X is [n, 2] and Y is [n, 1], both float32 CPU tensors"""
    gen = cpu_generator(seeds_from(rng, 1)[0])
    X, Y = m.make_rings(7, 5, generator=gen)
    return {"X shape": str(list(X.shape)), "X dtype": X.dtype, "X device": X.device.type,
            "Y shape": str(list(Y.shape)), "Y dtype": Y.dtype, "Y device": Y.device.type}


@check("make_rings", points=1, devices=("cpu",), hints=[
    Hint("the labels are in the wrong order: positives first, so Y holds n_positive ones and "
         "then n_negative zeros",
         when=lambda got: got["Y (flattened)"].values.tolist() == [0.0] * 4 + [1.0] * 6)])
def labels(m, device, rng):
    """Y holds n_positive ones, then n_negative zeros"""
    gen = cpu_generator(seeds_from(rng, 1)[0])
    _, Y = m.make_rings(6, 4, generator=gen)
    return {"Y (flattened)": Y.reshape(-1).to(torch.float32)}


GENERATOR_HINT = Hint(
    "draw every random number from `generator`: torch.normal(..., generator=generator) and "
    "torch.rand(..., generator=generator); the global RNG (no generator=) makes equal seeds "
    "give different rings",
    when=lambda got: not all(v is True for v in got.values()))


@check("make_rings", points=1, devices=("cpu",), hints=[GENERATOR_HINT])
def reproducible(m, device, rng):
    """equally seeded generators give equal X; a second call with the same generator does not"""
    seed = seeds_from(rng, 1)[0]
    first = cpu_generator(seed)
    X1, _ = m.make_rings(30, 20, generator=first)
    X2, _ = m.make_rings(30, 20, generator=cpu_generator(seed))
    X3, _ = m.make_rings(30, 20, generator=first)
    return {"equal seeds give equal X": bool(torch.equal(X1, X2)),
            "a second call with the same generator gives new X": not torch.equal(X1, X3)}


@check("make_rings", points=1, devices=("cpu",), hints=[GENERATOR_HINT])
def uses_the_generator(m, device, rng):
    """X depends on the generator's seed and not on the global RNG"""
    seed_a, seed_b = seeds_from(rng, 2)
    torch.manual_seed(1)
    Xa, _ = m.make_rings(30, 20, generator=cpu_generator(seed_a))
    torch.manual_seed(1)
    Xb, _ = m.make_rings(30, 20, generator=cpu_generator(seed_b))
    torch.manual_seed(2)
    Xa_again, _ = m.make_rings(30, 20, generator=cpu_generator(seed_a))
    return {"different generator seeds give different X": not torch.equal(Xa, Xb),
            "reseeding the global RNG leaves X unchanged": bool(torch.equal(Xa, Xa_again))}


def drawn_rings(m, rng, n_positive, n_negative):
    """make_rings' X for a CPU generator seeded from rng, for radius_verdict/angle_verdict."""
    X, _ = m.make_rings(n_positive, n_negative, generator=cpu_generator(seeds_from(rng, 1)[0]))
    return {"n_positive": n_positive, "X": X}


@check("make_rings", points=1.5, devices=("cpu",), judge=radius_verdict)
def radius_distribution(m, device, rng):
    """radius 5 + N(0, 1) for the positives and 8 + N(0, 1) for the negatives"""
    return drawn_rings(m, rng, 2000, 3000)


@check("make_rings", points=1.5, devices=("cpu",), judge=angle_verdict)
def angle_distribution(m, device, rng):
    """angles uniform over [0, 2π) in both classes"""
    return drawn_rings(m, rng, 3000, 2000)


# --- build_classifier -------------------------------------------------------------------------

@check("build_classifier", points=1)
def output_shape(m, device, rng):
    """maps a [64, 2] float32 batch to a [64, 1] float32 output on the input's device"""
    x = 8 * torch.randn(64, 2, generator=rng, device=device)
    model = m.build_classifier().to(device)
    with torch.no_grad():
        y = model(x)
    return {"output shape": list(y.shape), "output dtype": y.dtype,
            "output device": y.device.type}


@check("build_classifier", points=1, hints=[Hint(
    "outputs outside [0, 1] are not probabilities: end the model with a sigmoid "
    "(nn.Sigmoid() or torch.sigmoid), so that nn.BCELoss can use them",
    when=lambda got: not all(v is True for v in got.values()))])
def probabilities(m, device, rng):
    """outputs are probabilities in [0, 1], for large inputs too"""
    x = 8 * torch.randn(200, 2, generator=rng, device=device)
    model = m.build_classifier().to(device)
    with torch.no_grad():
        y, y_large = model(x), model(1000 * x)
    return {"outputs in [0, 1]": bool(((y >= 0) & (y <= 1)).all()),
            "outputs in [0, 1] for inputs 1000 times larger": bool(
                ((y_large >= 0) & (y_large <= 1)).all())}


@check("build_classifier", points=1, judge=parameter_count_verdict)
def parameter_bound(m, device, rng):
    """at most 10,000 parameters"""
    model = m.build_classifier()
    return {"parameters": sum(p.numel() for p in model.parameters())}


@check("build_classifier", points=0.5)
def trainable_module(m, device, rng):
    """returns an nn.Module with trainable parameters"""
    model = m.build_classifier()
    is_module = isinstance(model, nn.Module)
    return {"is an nn.Module": is_module,
            "has parameters with requires_grad=True": is_module and any(
                p.requires_grad for p in model.parameters())}


# --- train_classifier -------------------------------------------------------------------------

@check("train_classifier", points=3, time_limit=120, judge=accuracy_verdict,
       hints=[LOSS_METHOD_HINT])
def reaches_accuracy(m, device, rng):
    """with its default epochs, reaches accuracy >= 0.90 on fresh rings within 60 s of CPU"""
    return observe_training(m, device, rng, small_model, 1000, 2000)


def observe_training(m, device, rng, make_model, n_train, n_test):
    """Train ``make_model(device, rng)`` with the student's default epochs on ``n_train``
    points of each ring; observe its probabilities on ``n_test`` fresh points of each, for
    accuracy_verdict."""
    X, Y = ring_data(n_train, n_train, rng, device)
    X_test, Y_test = ring_data(n_test, n_test, rng, device)
    model = make_model(device, rng)
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
    "the model passed in is unchanged after training: train that very model in place (no "
    "copy.deepcopy, no new model from build_classifier())",
    when=lambda got: got.get("the model's parameters changed") is False)])
def trains_in_place(m, device, rng):
    """trains the model it is given, in place"""
    X, Y = ring_data(300, 300, rng, device)
    model = small_model(device, rng)
    before = parameters_of(model)
    m.train_classifier(model, X, Y, epochs=2, generator=rng)
    return {"the model's parameters changed": any(
        not torch.equal(p, q) for p, q in zip(before, parameters_of(model), strict=True))}


def describe_losses(losses):
    return {"returns a list": isinstance(losses, list),
            "number of losses": len(losses) if isinstance(losses, list | tuple) else None,
            "every loss is a Python float": isinstance(losses, list | tuple) and all(
                isinstance(v, float) for v in losses)}


@check("train_classifier", points=1, time_limit=30, hints=[
    LOSS_METHOD_HINT,
    Hint("one loss per epoch, not one per batch: average each epoch's batch losses",
         when=lambda got: (got.get("number of losses") or 0) > 3),
    Hint("store numbers, not tensors: loss.item() gives a Python float",
         when=lambda got: got.get("every loss is a Python float") is False)])
def returns_per_epoch_losses(m, device, rng):
    """epochs=3 returns a list of 3 Python floats, one per epoch"""
    X, Y = ring_data(300, 300, rng, device)
    model = small_model(device, rng)
    losses = capture(m.train_classifier, model, X, Y, epochs=3, generator=rng)
    if isinstance(losses, Raised):
        return losses
    return describe_losses(losses)


def as_floats(losses):
    return [float(v) for v in losses]


@check("train_classifier", points=1, time_limit=30, hints=[LOSS_METHOD_HINT, Hint(
    "the loss did not fall over 30 epochs: clear the gradients in every step with "
    "optimizer.zero_grad() (else the gradients of all past steps add up), call loss.backward() "
    "and optimizer.step(), and check that the learning rate is not too large",
    when=lambda got: got.get("last loss below the first") is False)])
def losses_decrease(m, device, rng):
    """over 30 epochs the loss goes down: the last epoch's loss is below the first's"""
    X, Y = ring_data(500, 500, rng, device)
    model = small_model(device, rng)
    losses = as_floats(m.train_classifier(model, X, Y, epochs=30, generator=rng))
    return {"all losses finite": all(math.isfinite(v) for v in losses),
            "last loss below the first": len(losses) > 1 and losses[-1] < losses[0]}
