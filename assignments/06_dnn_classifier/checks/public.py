"""Public checks of 06_dnn_classifier: students see and run these with `grade check`.

Each scenario observes one property; the grader compares the observation of the student's
module with the reference solution's. Where the contract leaves the exact numbers open (the
draw order of make_rings, a trained model), the scenario returns the raw data and a judge in
the grader's process tests the property itself: the radius and angle distributions, the
parameter bound, how well a trained model classifies fresh points. Statistical tolerances
are six standard errors of the sample size, so a correct make_rings never fails them,
whatever the seed.

The train_classifier checks train a small model that the check builds itself, on rings it
draws itself, so that a mistake in make_rings or build_classifier costs points only there.
The fresh points a trained model is measured on come without labels: the judge works out,
in the grader's process, the best possible classifier's answer for each point from the
point itself, and a submission's process never holds an answer it could copy.
"""

import math
import time

import torch
from torch import nn

from grader import (
    Hint,
    Raised,
    TensorValue,
    capture,
    changed,
    check,
    compare,
    default_device_elsewhere,
    unchanged,
    went_to_the_default_device,
)
from grader.model.observations import Opaque

# Bound when this file is loaded, before the student's module is imported.
_cpu_time = time.process_time

Z = 6.0  # how many standard errors a sample statistic may stray from its expected value
OCTANTS = 8
CPU_LIMIT_S = 60.0
MAX_PARAMETERS = 10_000

BAYES_RADIUS = 6.5
"""The best possible classifier of the two rings answers "inner" exactly where the distance
from the origin is below 6.5, where the densities of the two radii, N(5, 1) and N(8, 1),
cross (the rings are equally likely and their angles alike). It is right on about 93.3 % of
the points of the rings; a trained model is measured by how often it gives the same answer
as this classifier, which the judge works out from the points alone."""

MIN_AGREEMENT = 0.90
"""The share of fresh points on which a trained model must give the best possible
classifier's answer. Over 40 seeds of the checks' draws, the reference's train_classifier
agrees on 96.5 % to 99.0 % (median 98.0 %) with either checks' model, another correct
training (full-batch Adam) on 95.3 % to 99.1 %, and the best of the grader's five trainings
of the reference's build_classifier on 97.6 % to 99.4 % (of the notes' DNNModel: 94.8 % to
98.4 %). A model that learns nothing stays far below: constant outputs 47 % to 53 %, an
untrained network 42 % to 69 %, a linear model trained to its best 47 % to 52 % (no line
separates the rings), a network trained for only 3 epochs 38 % to 82 %."""


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


def test_points(n, rng, device):
    """``n`` points drawn from the two rings, each point's ring drawn with even odds: the
    draw stays in this function, so that the points leave it without labels, in no order that
    tells the rings apart."""
    inner = torch.rand(n, 1, generator=rng, device=device) < 0.5
    radius = torch.where(inner, 5.0, 8.0) + torch.randn(n, 1, generator=rng, device=device)
    direction = torch.randn(n, 2, generator=rng, device=device)
    return radius * direction / direction.norm(dim=1, keepdim=True)


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


def shaped(got, key, shape):
    """``got[key]`` and a message when it is not a tensor of ``shape`` (else None)."""
    value = got.get(key) if isinstance(got, dict) else None
    if not isinstance(value, TensorValue):
        return value, f"{key}: expected a tensor, got {type(value).__name__}"
    if list(value.shape) != list(shape):
        return value, f"{key}: expected shape {list(shape)}, got {list(value.shape)}"
    return value, None


def tensor_problem(got, key, shape):
    """A message when ``got[key]`` is not a finite float tensor of ``shape``, else None."""
    value, problem = shaped(got, key, shape)
    if problem:
        return problem
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


def best_answers(points):
    """The best possible classifier's answer for each point (True: inner ring), worked out
    in the grader's process from the points alone."""
    return points.double().norm(dim=1, keepdim=True) < BAYES_RADIUS


def agreement(probabilities, points):
    """The share of ``points`` where ``probabilities > 0.5`` gives the best possible
    classifier's answer."""
    said_inner = probabilities.values.double() > 0.5
    return (said_inner == best_answers(points.values)).double().mean().item()


def parameters_changed(observed):
    """From an ``unchanged(parameters after, parameters before)`` observation of lists of
    tensors: True when any parameter differs from its copy taken before the call (or their
    number changed), False when none does, None when it is no such observation."""
    if not isinstance(observed, dict):
        return None
    before, after = observed.get("before"), observed.get("after")
    if not (isinstance(before, list) and isinstance(after, list)):
        return None
    if len(before) != len(after):
        return True
    return any(changed({"before": b, "after": a}) for b, a in zip(before, after, strict=True))


def agreement_verdict(got, expected):
    """Agreement of the student's probabilities with the best possible classifier's answers
    on the reference's test points (drawn from the same seed before any student code ran),
    and CPU time: "CPU seconds" is observed only when training took longer than
    CPU_LIMIT_S."""
    points = expected["test points"]
    key = "probabilities on the test points"
    problem = tensor_problem(got, key, [points.shape[0], 1])
    if problem:
        return problem
    if parameters_changed(got.get("parameters")) is False:
        return ("the model passed to train_classifier is unchanged after training: train it "
                "in place (no copy.deepcopy, no new model); the grader measures the "
                "predictions of the model it passed in")
    cpu = got.get("CPU seconds")
    if isinstance(cpu, int | float) and cpu > CPU_LIMIT_S:
        return (f"train_classifier took {cpu:.0f} s of CPU time with its default epochs; the "
                f"limit is {CPU_LIMIT_S:g} s: use fewer epochs, larger batches or full-batch "
                "steps")
    agreed = agreement(got[key], points)
    if agreed >= MIN_AGREEMENT:
        return None
    found = (f"the trained model agrees with the best possible classifier (inner ring exactly "
             f"where the distance from the origin is below {BAYES_RADIUS:g}) on {agreed:.1%} "
             f"of {points.shape[0]} fresh points, expected at least {MIN_AGREEMENT:.0%}")
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
    shapes = got.get("parameter shapes") if isinstance(got, dict) else None
    if not (isinstance(shapes, list) and all(
            isinstance(s, list) and all(type(d) is int and d >= 0 for d in s) for s in shapes)):
        return f"parameter shapes: expected a list of shapes, got {shapes!r}"[:300]
    count = sum(math.prod(s) for s in shapes)
    if count > MAX_PARAMETERS:
        return (f"the model has {count:,} parameters; at most {MAX_PARAMETERS:,} are allowed: "
                "use fewer or narrower hidden layers (2 → 32 → 32 → 1 has 1,185)")
    return None


def output_problem(got, key, shape):
    """A message when ``got[key]`` is not a float32 tensor of ``shape``, else None."""
    value, problem = shaped(got, key, shape)
    if problem:
        return problem
    if value.dtype != torch.float32:
        return f"{key}: expected dtype torch.float32, got {value.dtype}"
    return None


def output_verdict(got, expected):
    """Each output has the shape of the reference's, float32, on the input's device."""
    for key, want in expected.items():
        problem = output_problem(got, key, want.shape)
        if problem:
            return problem
        if got[key].device != want.device:
            return (f"{key}: expected a tensor on {want.device} (the input's device), got one "
                    f"on {got[key].device}")
    return None


def outside_unit_interval(got):
    """The outputs (of the probabilities check) that are not in [0, 1], NaN included."""
    found = []
    for key, value in got.items():
        if isinstance(value, TensorValue):
            v = value.values.double()
            found.append((key, int((~((v >= 0) & (v <= 1))).sum())))
    return [(key, count) for key, count in found if count]


def probabilities_verdict(got, expected):
    """Every output is in [0, 1] (its shape and dtype are output_shape's business)."""
    for key in expected:
        value = got.get(key)
        if not isinstance(value, TensorValue):
            return f"{key}: expected a tensor, got {type(value).__name__}"
    outside = outside_unit_interval(got)
    if outside:
        return "; ".join(f"{key}: {count} of {got[key].values.numel()} outputs are not in "
                         "[0, 1]" for key, count in outside)
    return None


def module_verdict(got, expected):
    classes = got.get("classes") if isinstance(got, dict) else None
    if not (isinstance(classes, list) and "torch.nn.modules.module.Module" in classes):
        name = classes[0] if isinstance(classes, list) and classes else "?"
        return f"build_classifier returned a {name}, not an nn.Module"
    flags = got.get("requires_grad of each parameter")
    if isinstance(flags, Raised):
        return f"model.parameters() raised {flags.summary().splitlines()[0]}"
    if not (isinstance(flags, list) and any(flag is True for flag in flags)):
        return ("the model has no parameter with requires_grad=True: build it from layers "
                "such as nn.Linear (or nn.Parameter), which an optimizer can train")
    return None


def parameters_verdict(got, expected):
    if parameters_changed(got.get("parameters") if isinstance(got, dict) else None):
        return None
    return ("the parameters of the model passed to train_classifier are the same after "
            "training as before")


def is_python_float(value):
    """A Python float, or a numpy float64 (a subclass of float, which reaches the grader's
    process as an opaque value of that name)."""
    return type(value) is float or (isinstance(value, Opaque) and value.type == "float64")


def losses_problem(losses, epochs, label="losses"):
    """A message when ``losses`` is not a list of ``epochs`` Python floats, else None."""
    if not isinstance(losses, list):
        return f"{label}: expected a list of {epochs} Python floats, got a {type_name(losses)}"
    if len(losses) != epochs:
        return (f"{label}: expected {epochs} losses (one per epoch) for epochs={epochs}, got "
                f"{len(losses)}")
    for i, value in enumerate(losses):
        if not is_python_float(value):
            return f"{label}[{i}]: expected a Python float, got a {type_name(value)}"
    return None


def type_name(value):
    if isinstance(value, TensorValue):
        return "tensor"
    if isinstance(value, Opaque):
        return value.type
    return type(value).__name__


def loss_count(losses):
    return len(losses) if isinstance(losses, list | tuple) else 0


def three_losses_verdict(got, expected):
    return losses_problem(got.get("losses") if isinstance(got, dict) else got, 3)


def losses_decrease_verdict(got, expected):
    losses = got.get("losses") if isinstance(got, dict) else None
    if not (isinstance(losses, list) and all(isinstance(v, float) for v in losses)):
        return f"losses: expected a list of Python floats, got a {type_name(losses)}"
    if not all(math.isfinite(v) for v in losses):
        return "the losses are not all finite (NaN or infinite)"
    if not fell(losses):
        if len(losses) < 2:
            return f"expected a loss per epoch for epochs=30, got {len(losses)}"
        return (f"over {len(losses)} epochs the loss went from {losses[0]:.4f} to "
                f"{losses[-1]:.4f}: it should go down")
    return None


def fell(losses):
    return isinstance(losses, list) and len(losses) > 1 and losses[-1] < losses[0]


# --- make_rings -------------------------------------------------------------------------------

def class_sizes(rng):
    """Two class sizes from 2 to 9, drawn from rng."""
    return [int(n) for n in torch.randint(2, 10, (2,), generator=rng, device=rng.device)]


@check("make_rings", points=1, devices=("cpu",), hints=[
    Hint("Y must be a column of shape [n, 1], as the notes' torch.ones_like(r_p) gives, not a "
         "1-D tensor of shape [n]",
         when=lambda got: "," not in got["Y shape"]),
    Hint("Y must be float32 (nn.BCELoss needs float targets): build it with torch.ones(n, 1) "
         "and torch.zeros(n, 1), not with an integer dtype",
         when=lambda got: got["Y dtype"] in (torch.int64, torch.int32, torch.bool))])
def shapes_and_dtypes(m, device, rng):
    """X is [n, 2] and Y is [n, 1], both float32 CPU tensors"""
    n_positive, n_negative = class_sizes(rng)
    gen = cpu_generator(seeds_from(rng, 1)[0])
    X, Y = m.make_rings(n_positive, n_negative, generator=gen)
    return {"X shape": str(list(X.shape)), "X dtype": X.dtype, "X device": X.device.type,
            "Y shape": str(list(Y.shape)), "Y dtype": Y.dtype, "Y device": Y.device.type}


def zeros_then_ones(values):
    return 0.0 in values and 1.0 in values and values == sorted(values)


LABEL_ORDER_HINT = Hint(
    "the labels are in the wrong order: positives first, so Y holds n_positive ones and then "
    "n_negative zeros",
    when=lambda got: zeros_then_ones(got["Y (flattened)"].values.tolist()))


@check("make_rings", points=1, devices=("cpu",), hints=[LABEL_ORDER_HINT])
def labels(m, device, rng):
    """Y holds n_positive ones, then n_negative zeros"""
    n_positive, n_negative = class_sizes(rng)
    gen = cpu_generator(seeds_from(rng, 1)[0])
    _, Y = m.make_rings(n_positive, n_negative, generator=gen)
    return {"Y (flattened)": Y.reshape(-1).to(torch.float32)}


def same_tensor(a, b):
    """Parent side: two observed tensors are equal (shape, dtype and values)."""
    return (isinstance(a, TensorValue) and isinstance(b, TensorValue)
            and a.dtype == b.dtype and a.shape == b.shape and torch.equal(a.values, b.values))


def rings_verdict(same, different):
    """A judge: the X named in each pair of ``same`` are equal, those of ``different`` not."""
    def verdict(got, expected):
        for key in expected:
            if not isinstance(got.get(key), TensorValue):
                return f"{key}: expected a tensor, got {type(got.get(key)).__name__}"
        for (a, b), message in same:
            if not same_tensor(got[a], got[b]):
                return message
        for (a, b), message in different:
            if same_tensor(got[a], got[b]):
                return message
        return None
    return verdict


REPRODUCIBLE = rings_verdict(
    same=[(("X", "X, equal seed"), "two generators seeded equally gave different X")],
    different=[(("X", "X, second call with the same generator"),
                "a second call with the same generator (which has advanced) gave the same X")])
USES_THE_GENERATOR = rings_verdict(
    same=[(("X, seed a", "X, seed a, global RNG reseeded"),
           "equally seeded generators gave different X after torch.manual_seed changed: X "
           "depends on the global RNG")],
    different=[(("X, seed a", "X, seed b"), "generators seeded differently gave the same X")])

GENERATOR_MESSAGE = (
    "draw every random number from `generator`: torch.normal(..., generator=generator) and "
    "torch.rand(..., generator=generator); the global RNG (no generator=) makes equal seeds "
    "give different rings")


@check("make_rings", points=1, devices=("cpu",), judge=REPRODUCIBLE, hints=[
    Hint(GENERATOR_MESSAGE, when=lambda got: REPRODUCIBLE(got, got) is not None)])
def reproducible(m, device, rng):
    """equally seeded generators give equal X; a second call with the same generator does not"""
    seed = seeds_from(rng, 1)[0]
    first = cpu_generator(seed)
    X1, _ = m.make_rings(30, 20, generator=first)
    X2, _ = m.make_rings(30, 20, generator=cpu_generator(seed))
    X3, _ = m.make_rings(30, 20, generator=first)
    return {"X": X1, "X, equal seed": X2, "X, second call with the same generator": X3}


@check("make_rings", points=1, devices=("cpu",), judge=USES_THE_GENERATOR, hints=[
    Hint(GENERATOR_MESSAGE, when=lambda got: USES_THE_GENERATOR(got, got) is not None)])
def uses_the_generator(m, device, rng):
    """X depends on the generator's seed and not on the global RNG"""
    seed_a, seed_b = seeds_from(rng, 2)
    torch.manual_seed(1)
    Xa, _ = m.make_rings(30, 20, generator=cpu_generator(seed_a))
    torch.manual_seed(1)
    Xb, _ = m.make_rings(30, 20, generator=cpu_generator(seed_b))
    torch.manual_seed(2)
    Xa_again, _ = m.make_rings(30, 20, generator=cpu_generator(seed_a))
    return {"X, seed a": Xa, "X, seed b": Xb, "X, seed a, global RNG reseeded": Xa_again}


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

@check("build_classifier", points=1, judge=output_verdict)
def output_shape(m, device, rng):
    """maps a [64, 2] float32 batch to a [64, 1] float32 output on the input's device"""
    x = 8 * torch.randn(64, 2, generator=rng, device=device)
    model = m.build_classifier().to(device)
    with torch.no_grad():
        return {"output": model(x)}


SIGMOID_HINT = Hint(
    "outputs outside [0, 1] are not probabilities: end the model with a sigmoid "
    "(nn.Sigmoid() or torch.sigmoid), so that nn.BCELoss can use them",
    when=lambda got: bool(outside_unit_interval(got)))


@check("build_classifier", points=1, judge=probabilities_verdict, hints=[SIGMOID_HINT])
def probabilities(m, device, rng):
    """outputs are probabilities in [0, 1], for large inputs too"""
    x = 8 * torch.randn(200, 2, generator=rng, device=device)
    model = m.build_classifier().to(device)
    with torch.no_grad():
        return {"outputs": model(x), "outputs for inputs 1000 times larger": model(1000 * x)}


@check("build_classifier", points=1, judge=parameter_count_verdict)
def parameter_bound(m, device, rng):
    """at most 10,000 parameters"""
    model = m.build_classifier()
    return {"parameter shapes": [list(p.shape) for p in model.parameters()]}


@check("build_classifier", points=0.5, judge=module_verdict)
def trainable_module(m, device, rng):
    """returns an nn.Module with trainable parameters"""
    model = m.build_classifier()
    return {"classes": [f"{c.__module__}.{c.__qualname__}" for c in type(model).__mro__],
            "requires_grad of each parameter": capture(
                lambda: [p.requires_grad for p in model.parameters()])}


# --- train_classifier -------------------------------------------------------------------------

@check("train_classifier", points=3, time_limit=120, judge=agreement_verdict,
       hints=[LOSS_METHOD_HINT], title=(
           "with its default epochs, agrees with the best possible classifier on >= 90 % of "
           "fresh points, within 60 s of CPU"))
def reaches_accuracy(m, device, rng):
    """The model trained with the student's default epochs answers as the best possible
    classifier (inner ring exactly where the distance from the origin is below 6.5) on at
    least MIN_AGREEMENT of fresh unlabelled points."""
    return observe_training(m, device, rng, small_model, 1000, 4000)


def observe_training(m, device, rng, make_model, n_train, n_test):
    """Train ``make_model(device, rng)`` with the student's default epochs on ``n_train``
    points of each ring; observe its probabilities on ``n_test`` fresh unlabelled points,
    for agreement_verdict."""
    X, Y = ring_data(n_train, n_train, rng, device)
    X_test = test_points(n_test, rng, device)
    model = make_model(device, rng)
    before = parameters_of(model)
    warm_up_optimizers(device)
    started = _cpu_time()
    losses = m.train_classifier(model, X, Y, generator=rng)
    cpu = _cpu_time() - started
    with torch.no_grad():
        probabilities = model(X_test)
    observed = {"test points": X_test, "probabilities on the test points": probabilities,
                "parameters": unchanged(parameters_of(model), before),
                "losses": capture(as_floats, losses)}
    if cpu > CPU_LIMIT_S:
        # Only a time over the limit is observed: it is all agreement_verdict needs, and the
        # reference (which grade build only records within the limit) then records nothing
        # that depends on the speed of the machine that built it.
        observed["CPU seconds"] = cpu
    return observed


IN_PLACE_HINT = Hint(
    "the model passed in is unchanged after training: train that very model in place (no "
    "copy.deepcopy, no new model from build_classifier())",
    when=lambda got: parameters_changed(got.get("parameters")) is False)


@check("train_classifier", points=1, time_limit=30, judge=parameters_verdict,
       hints=[LOSS_METHOD_HINT, IN_PLACE_HINT])
def trains_in_place(m, device, rng):
    """trains the model it is given, in place"""
    X, Y = ring_data(300, 300, rng, device)
    model = small_model(device, rng)
    before = parameters_of(model)
    m.train_classifier(model, X, Y, epochs=2, generator=rng)
    return {"parameters": unchanged(parameters_of(model), before)}


PER_EPOCH_MESSAGE = "one loss per epoch, not one per batch: average each epoch's batch losses"
PER_BATCH_HINT = Hint(PER_EPOCH_MESSAGE, when=lambda got: loss_count(got["losses"]) > 3)


@check("train_classifier", points=1, time_limit=30, judge=three_losses_verdict, hints=[
    LOSS_METHOD_HINT, PER_BATCH_HINT,
    Hint("store numbers, not tensors: loss.item() gives a Python float",
         when=lambda got: any(isinstance(v, TensorValue) for v in got["losses"]))])
def returns_per_epoch_losses(m, device, rng):
    """epochs=3 returns a list of 3 Python floats, one per epoch"""
    X, Y = ring_data(300, 300, rng, device)
    model = small_model(device, rng)
    losses = capture(m.train_classifier, model, X, Y, epochs=3, generator=rng)
    if isinstance(losses, Raised):
        return losses
    return {"losses": losses}


def as_floats(losses):
    return [float(v) for v in losses]


ZERO_GRAD_HINT = Hint(
    "the loss did not fall over 30 epochs: clear the gradients in every step with "
    "optimizer.zero_grad() (else the gradients of all past steps add up), call "
    "loss.backward() and optimizer.step(), and check that the learning rate is not too large",
    when=lambda got: not fell(got["losses"]))


@check("train_classifier", points=1, time_limit=30, judge=losses_decrease_verdict,
       hints=[LOSS_METHOD_HINT, ZERO_GRAD_HINT])
def losses_decrease(m, device, rng):
    """over 30 epochs the loss goes down: the last epoch's loss is below the first's"""
    X, Y = ring_data(500, 500, rng, device)
    model = small_model(device, rng)
    return {"losses": as_floats(m.train_classifier(model, X, Y, epochs=30, generator=rng))}


# --- what one epoch is ------------------------------------------------------------------------

EVENTS = "training forwards and losses, in order"
ROW_KEYS = "X's rows"


def row_keys(X):
    """Each row of X as a pair of numbers, exact (float32 values as Python floats): a key per
    sample, since continuous draws never give two samples both coordinates alike. (A single
    number per row, such as x + 2y rounded, tied for some pair of 1,100 samples at about
    one salt in four.)"""
    return X.tolist()


def record_training(model, train):
    """Run ``train()`` and record, in order, every forward of ``model`` made with gradients
    enabled (the keys of the rows it got) and every backward of a 0-d tensor (its value,
    whether by loss.backward() or torch.autograd.backward): the batches and batch losses of
    the training, as data for the judge."""
    events = []
    backward = torch.autograd.backward  # what loss.backward() calls too

    def recording_backward(tensors, *args, **kwargs):
        if isinstance(tensors, torch.Tensor) and tensors.dim() == 0:
            events.append(["loss", float(tensors.detach())])
        return backward(tensors, *args, **kwargs)

    def on_forward(module, inputs, output):
        if torch.is_grad_enabled() and inputs and isinstance(inputs[0], torch.Tensor):
            events.append(["forward", row_keys(inputs[0].detach())])

    hook = model.register_forward_hook(on_forward)
    torch.autograd.backward = recording_backward
    try:
        result = capture(train)
    finally:
        torch.autograd.backward = backward
        hook.remove()
    return result, events


def epochs_verdict(got, expected):
    """Judge of one_pass_per_epoch: :func:`epoch_verdict` for each training observed."""
    if isinstance(got, Raised) or not isinstance(got, dict) or got.keys() != expected.keys():
        found = compare(got, expected)
        return found.text() if found else "unexpected observation"
    for name, wanted in expected.items():
        problem = epoch_verdict(got[name], wanted)
        if problem:
            return f"{name}: {problem}"
    return None


def epoch_verdict(got, expected):
    """The forwards split into consecutive epochs that each see every sample of X exactly
    once, and each epoch's returned loss is the mean of the batch losses its backward calls
    saw. X's rows are the reference's (a recording of other data does not match them); the
    batch size and order are the student's own."""
    if isinstance(got, Raised) or not isinstance(got, dict) or got.keys() != expected.keys():
        found = compare(got, expected)
        return found.text() if found else "unexpected observation"
    keys = {tuple(k): i for i, k in enumerate(expected[ROW_KEYS])}
    n, epochs = len(keys), len(expected["losses"])
    losses = got["losses"]
    # Not a list of one float per epoch: returns_per_epoch_losses' business; the passes
    # are still judged here.
    per_epoch = (isinstance(losses, list) and len(losses) == epochs
                 and all(isinstance(v, float) for v in losses))
    seen, epoch, batch_losses = [], 0, [[] for _ in range(epochs)]
    for kind, value in got[EVENTS]:
        if kind == "forward":
            if epoch >= epochs:
                return (f"the model saw more batches than {epochs} epochs hold: an epoch is one "
                        "pass over the samples")
            rows = [keys.get(tuple(v)) for v in value]
            if None in rows:
                return "a training batch held rows that are not rows of X"
            seen.extend(rows)
            if len(seen) >= n:
                if sorted(seen) != list(range(n)):
                    twice = len(seen) - len(set(seen))
                    return (f"epoch {epoch + 1} is not one pass over the {n} samples: "
                            f"{n - len(set(seen))} never came and {twice} came again "
                            "(batches must cover each sample exactly once per epoch)")
                seen, epoch = [], epoch + 1
        elif kind == "loss":
            # A batch's loss follows its forward: after the forward that ends an epoch, it
            # still belongs to that epoch.
            index = epoch if seen or epoch == 0 else epoch - 1
            if index < epochs:
                batch_losses[index].append(value)
    if epoch != epochs or seen:
        return (f"the model saw {epoch} full passes over the samples for {epochs} epochs: an "
                "epoch is one pass")
    if not per_epoch:
        return None
    for e, (returned, batch) in enumerate(zip(losses, batch_losses, strict=True)):
        if not batch:
            return f"epoch {e + 1}: no loss.backward() on a 0-d loss was seen"
        mean = sum(batch) / len(batch)
        if not math.isclose(returned, mean, rel_tol=1e-5, abs_tol=1e-7):
            return (f"epoch {e + 1}: returned {returned:.6g}, but the mean of its "
                    f"{len(batch)} batch losses is {mean:.6g}")
    return None


@check("train_classifier", points=1, time_limit=30, judge=epochs_verdict,
       hints=[LOSS_METHOD_HINT])
def one_pass_per_epoch(m, device, rng):
    """each epoch is one pass over the samples (every sample exactly once), and its loss is
    the mean of its batch losses (1,100 samples for 2 epochs, 200 for 1)"""
    observed = {}
    # Every draw before any training: the student's training may draw from rng or not.
    cases = [(ring_data(n, n, rng, device), small_model(device, rng), n, epochs)
             for n, epochs in ((550, 2), (100, 1))]
    for (X, Y), model, n, epochs in cases:
        losses, events = record_training(
            model, lambda model=model, X=X, Y=Y, epochs=epochs: m.train_classifier(
                model, X, Y, epochs=epochs, generator=rng))
        name = f"{2 * n} samples, {epochs} epochs"
        observed[name] = losses if isinstance(losses, Raised) else {
            "losses": capture(as_floats, losses), EVENTS: events, ROW_KEYS: row_keys(X)}
    return observed


def ran_verdict(got, expected):
    """Judge of trains_on_the_data_device: the training ran to its end and fed the model
    batches of X's rows (the reference's rows: a recording of other data does not match
    them). What it learned is the other checks' business."""
    if isinstance(got, Raised) or not isinstance(got, dict) or got.keys() != expected.keys():
        found = compare(got, expected)
        return found.text() if found else "unexpected observation"
    keys = {tuple(k) for k in expected[ROW_KEYS]}
    batches = [value for kind, value in got[EVENTS] if kind == "forward"]
    if not batches or any(tuple(v) not in keys for batch in batches for v in batch):
        return "the model was not given batches of X's rows"
    return None


@check("train_classifier", points=0.5, time_limit=30, judge=ran_verdict, hints=[
    Hint("a tensor was made without device= and went to the default device, which is not the "
         "data's: create the order with torch.randperm(n, generator=generator, "
         "device=X.device)", when=went_to_the_default_device)])
def trains_on_the_data_device(m, device, rng):
    """every tensor it makes is on X's device, not the default device

    A check runs it with the default device set elsewhere: the mistake a GPU shows, seen on
    the CPU too."""
    X, Y = ring_data(300, 300, rng, device)
    model = small_model(device, rng)
    with default_device_elsewhere(device):
        losses, events = record_training(
            model, lambda: m.train_classifier(model, X, Y, epochs=2, generator=rng))
    if isinstance(losses, Raised):
        return losses
    return {EVENTS: events, ROW_KEYS: row_keys(X)}
