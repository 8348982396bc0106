"""Hidden checks of 05_linear_regression: run only at grading time, never released.

They repeat the public checks' properties on other seeds, sizes, dtypes and learning rates,
and add edge cases (the default batch_size, batch_size 1 and n, 3-D features with 1-D integer
labels, inputs left unchanged, shuffles that mix the whole data set, float64 parameters, two
training steps in a row, a batch size that does not divide the data). Every scenario builds
its random inputs before it calls the student's code. This file is executed on its own: the
helpers it shares with public.py (data builders, the checks' model and stand-ins, judges,
signature hints) are copied here; see public.py's docstring for why the stand-ins exist.
"""

import contextlib

import torch

from grader import Hint, capture, check
from grader.compare import compare
from grader.observations import Raised

W_TRUE = ((2.0,), (-3.0,))  # the notes' w0
B_TRUE = 10.0  # the notes' b0
NOISE_STD = 2.0
LS_TOLERANCE = 0.15
_MISSING = object()


# --- what the checks build (copied from public.py) -------------------------------------------

def numbered_data(n, device, n_features=2):
    """Data whose values name their samples: features[i] = [i, i / 2, ...] and
    labels[i] = [-(i + 1)], so that a batch says which samples it holds and whether each
    label is still beside its own features."""
    ids = torch.arange(n, dtype=torch.float32, device=device)
    features = torch.stack([ids / (k + 1) for k in range(n_features)], dim=1)
    return features, -(ids + 1)[:, None]


def read_batches(batches):
    """Facts about data_iter's batches as plain Python data: sample ids per batch (from the
    features and from the labels) and the device of every batch."""
    facts = {"feature ids": [], "label ids": [], "feature devices": set(),
             "label devices": set()}
    for features, labels in batches:
        facts["feature ids"].append(features[:, 0].round().long().tolist())
        facts["label ids"].append((-labels[:, 0] - 1).round().long().tolist())
        facts["feature devices"].add(features.device.type)
        facts["label devices"].add(labels.device.type)
    return facts


def flat(id_lists):
    return [i for ids in id_lists for i in ids]


def notes_data(n, device, rng, w=W_TRUE, b=B_TRUE):
    """The notes' data set: X uniform in [-5, 5), Y = X @ w + b + N(0, 2) noise."""
    w = torch.tensor(w, device=device)
    X = 10 * torch.rand([n, w.shape[0]], generator=rng, device=device) - 5.0
    noise = torch.normal(0.0, NOISE_STD, size=[n, 1], generator=rng, device=device)
    return X, X @ w + b + noise


class CheckModel:
    """The model train_step and train_model are checked with: linear like LinearRegression,
    but built by the checks, with the plain mean squared error (no / 2) as its loss. Training
    code must use model.forward, model.loss_func and model.parameters() (or model.w and
    model.b), never a loss of its own."""

    def __init__(self, w, b):
        self.w = w.detach().clone().requires_grad_(True)
        self.b = b.detach().clone().requires_grad_(True)

    def forward(self, x):
        return x @ self.w + self.b

    def loss_func(self, y_pred, y_true):
        return torch.mean((y_pred - y_true) ** 2)

    def parameters(self):
        return [self.w, self.b]


def rebinding_sgd_step(params, lr):
    """The stand-in for sgd_step while train_step and train_model run: right values, but new
    storage instead of an in-place update, so it would fail sgd_step's in-place check."""
    with torch.no_grad():
        for p in params:
            p.data = p - lr * p.grad
            p.grad = None


class SequentialBatches:
    """The stand-in for data_iter while train_model runs: batches in the input order (no
    shuffle, so not a correct data_iter); it records what train_model asked it for."""

    def __init__(self):
        self.calls = []

    def __call__(self, features, labels, batch_size=8, generator=None):
        self.calls.append((batch_size, generator))
        return self._batches(features, labels, batch_size)

    @staticmethod
    def _batches(features, labels, batch_size):
        for start in range(0, len(features), batch_size):
            yield features[start:start + batch_size], labels[start:start + batch_size]


@contextlib.contextmanager
def swapped(m, **stand_ins):
    """Names of the module under test replaced while a scenario runs, then put back (the
    module stays loaded for the next check)."""
    names = vars(m)
    saved = {name: names.get(name, _MISSING) for name in stand_ins}
    names.update(stand_ins)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is _MISSING:
                names.pop(name, None)
            else:
                names[name] = value


def training_stand_ins(m):
    """The stand-ins for a train_model check, and the data_iter recorder among them."""
    batches = SequentialBatches()
    return {"sgd_step": rebinding_sgd_step, "data_iter": batches}, batches


def model_holding(m, w, b):
    """A LinearRegression that holds the check's own w and b. It is built with __init__ when
    that works and without it when it does not, so that a broken __init__ costs only
    __init__'s checks."""
    cls = m.LinearRegression
    try:
        model = cls(w.shape[0], generator=None, device=w.device)
    except Exception:
        model = cls.__new__(cls)
    model.w, model.b = w, b
    return model


def fresh_generator(rng, device, offset=1):
    """A generator seeded apart from torch's global random state: the grader seeds both with
    the check's seed, so draws from ``rng`` itself could not tell the two apart."""
    return torch.Generator(device=device).manual_seed(rng.initial_seed() + offset)


def cleared(grad):
    return grad is None or bool((grad == 0).all())


# --- known wrong answers and hints (copied from public.py) ----------------------------------

def data_iter_dropping_last(features, labels, batch_size=8, generator=None):
    """Stops before the last, smaller batch (range(0, n - batch_size + 1, batch_size))."""
    order = torch.randperm(len(features), generator=generator, device=features.device)
    for start in range(0, len(features) - batch_size + 1, batch_size):
        index = order[start:start + batch_size]
        yield features[index], labels[index]


def data_iter_empty_last(features, labels, batch_size=8, generator=None):
    """One batch too many: n // batch_size + 1 batches, the last one empty when n divides."""
    order = torch.randperm(len(features), generator=generator, device=features.device)
    for k in range(len(features) // batch_size + 1):
        index = order[k * batch_size:(k + 1) * batch_size]
        yield features[index], labels[index]


def wrong_signature(function, message):
    """A hint for a TypeError raised when the check calls ``function`` with the contract's
    arguments (for instance the notes' own signatures)."""
    def when(got):
        return (isinstance(got, Raised) and got.is_a("TypeError")
                and got.message.startswith((f"{function}(", f"{function}.__init__(")))
    return Hint(message, when=when)


def raised_with(type_name, *words):
    """A hint predicate: the scenario raised ``type_name`` with all of ``words`` in its message
    (a stub's NotImplementedError, a RuntimeError too, never counts)."""
    def when(got):
        return (isinstance(got, Raised) and got.is_a(type_name) and not got.not_implemented
                and all(w in got.message for w in words))
    return when


NO_GENERATOR_PARAMETER = wrong_signature(
    "data_iter",
    "data_iter must accept generator=None and draw its order from it. The notes' data_iter "
    "has no generator parameter and shuffles with np.random.shuffle, which no torch.Generator "
    "controls: use torch.randperm(n, generator=generator, device=features.device)")
GENERATOR_DEVICE = Hint(
    "a generator draws only on its own device: create random tensors directly on the "
    "input's device (torch.randperm(n, generator=generator, device=features.device), "
    "torch.randn(..., generator=generator, device=device)), not on the CPU and then .to(device)",
    when=raised_with("RuntimeError", "generator"))
CPU_INDEX = Hint(
    "the batch index lives on the CPU (torch.LongTensor(...), or torch.tensor(list) without "
    "device=, as in the notes), and index_select needs it on the features' device: build the "
    "order with torch.randperm(n, generator=generator, device=features.device) and index with "
    "slices of it", when=raised_with("RuntimeError", "same device"))
DROPS_LAST = Hint(
    "the last, smaller batch is missing: step through the order with range(0, n, batch_size) "
    "and take order[start:start + batch_size], which is shorter at the end",
    patch={"data_iter": data_iter_dropping_last})
EMPTY_LAST = Hint(
    "there is an empty batch at the end: when batch_size divides n there are exactly "
    "n / batch_size batches; range(0, n, batch_size) gives the right starts",
    patch={"data_iter": data_iter_empty_last})
LR_SIGNATURE = wrong_signature(
    "LinearRegression",
    "LinearRegression must be built as LinearRegression(n_features, generator=None, "
    "device=None); the notes' class takes no arguments and copies the shape of a global w0")
TRAIN_STEP_SIGNATURE = wrong_signature(
    "train_step",
    "train_step must take the learning rate: train_step(model, features, labels, lr). The "
    "notes' train_step(model, features, labels) hard-codes 0.001 and returns the loss tensor; "
    "use lr and return loss.item()")
TRAINS_WITH_YOUR_TRAIN_STEP = Hint(
    "(train_model's numbers come from your own train_step, run with the checks' sgd_step and "
    "batches: if a train_step check fails as well, fix that first)",
    when=lambda got: not isinstance(got, Raised))
TRAIN_MODEL_SIGNATURE = wrong_signature(
    "train_model",
    "train_model must be train_model(model, features, labels, epochs, batch_size, lr, "
    "generator=None) and return the per-epoch mean losses; the notes' train_model(model, "
    "epochs) reads the global X and Y and only prints")
NO_SGD_STEP = Hint(
    "write sgd_step(params, lr): the notes do this update inline in train_step "
    "(model.w -= lr * model.w.grad under torch.no_grad(), then zero the gradient)",
    when=raised_with("AttributeError", "sgd_step"))

# --- training helpers (copied from public.py) -----------------------------------------------

def sgd_problem(device, rng, dtype=torch.float32):
    """Leaves w [3, 1] and b [1, 1] and a batch (x, y) to take gradients on."""
    w = torch.randn(3, 1, generator=rng, device=device, dtype=dtype).requires_grad_(True)
    b = torch.randn(1, 1, generator=rng, device=device, dtype=dtype).requires_grad_(True)
    x = torch.randn(8, 3, generator=rng, device=device, dtype=dtype)
    y = torch.randn(8, 1, generator=rng, device=device, dtype=dtype)
    return [w, b], x, y


def backward_on(params, x, y):
    """Fresh gradients for params: the old ones are dropped first."""
    w, b = params[0], params[-1]
    for p in params:
        p.grad = None
    torch.mean((x @ w + b - y) ** 2).backward()


def train_step_problem(device, rng, n_features=3, n=16):
    w = torch.randn(n_features, 1, generator=rng, device=device)
    b = torch.randn(1, 1, generator=rng, device=device)
    x = torch.randn(n, n_features, generator=rng, device=device)
    y = torch.randn(n, 1, generator=rng, device=device)
    return CheckModel(w, b), x, y


def train(m, device, rng, n, epochs, batch_size, lr):
    """Run the student's train_model on the notes' data with the check's model and stand-ins;
    returns what a judge needs, and what data_iter was asked for."""
    X, Y = notes_data(n, device, rng)
    model = CheckModel(torch.randn(2, 1, generator=rng, device=device),
                       torch.zeros(1, 1, device=device))
    data = (X.clone(), Y.clone())
    stand_ins, batches = training_stand_ins(m)
    with swapped(m, **stand_ins):
        losses = m.train_model(model, X, Y, epochs, batch_size, lr, generator=rng)
    return model, data, losses, batches.calls


def ls_fit(X, Y):
    """The least-squares fit (w, b) of Y ≈ X @ w + b, in float64 on the CPU."""
    A = torch.cat([X.double(), torch.ones(len(X), 1, dtype=torch.float64)], dim=1)
    solution = torch.linalg.lstsq(A, Y.double()).solution
    return solution[:-1], solution[-1:]


def fmt(t):
    return "[" + ", ".join(f"{v:.3f}" for v in t.reshape(-1).tolist()) + "]"


def judge_recovery(got, expected):
    """w and b within LS_TOLERANCE of the least-squares fit of the check's data (the data is
    taken from the reference's observation: same seed, same data)."""
    if not isinstance(got, dict) or not {"w", "b"} <= got.keys():
        mismatch = compare(got, expected)
        return mismatch.text() if mismatch else "unexpected result"
    w_ls, b_ls = ls_fit(expected["features"].values, expected["labels"].values)
    w, b = got["w"].values.double(), got["b"].values.double()
    if w.shape != w_ls.shape or b.shape != b_ls.shape:
        return f"model.w and model.b changed shape: {list(w.shape)} and {list(b.shape)}"
    error = max((w - w_ls).abs().max().item(), (b - b_ls).abs().max().item())
    if error <= LS_TOLERANCE:  # False for NaN too
        return None
    return (f"after training, w = {fmt(w)} and b = {fmt(b)}; the least-squares fit of this "
            f"data is w = {fmt(w_ls)}, b = {fmt(b_ls)}: off by up to {error:.3g} (allowed "
            f"{LS_TOLERANCE}). Per-epoch losses returned: {fmt_losses(got.get('losses'))}")


def fmt_losses(losses, shown=6):
    if not isinstance(losses, list):
        return repr(losses)
    text = [f"{v:.4g}" if isinstance(v, float) else "?" for v in losses[:shown]]
    return ", ".join(text) + (f", … ({len(losses)} in all)" if len(losses) > shown else "")


def batch_sizes_of(m, n, *args, device, **kwargs):
    features, labels = numbered_data(n, device)
    ids = read_batches(m.data_iter(features, labels, *args, **kwargs))["feature ids"]
    return str([len(batch) for batch in ids])


# --- data_iter -------------------------------------------------------------------------------

@check("data_iter", points=0.5,
       hints=[CPU_INDEX, DROPS_LAST, NO_GENERATOR_PARAMETER, GENERATOR_DEVICE])
def each_sample_once_with_generator(m, device, rng):
    """with a generator, 103 samples in batches of 10 each come exactly once"""
    features, labels = numbered_data(103, device)
    facts = read_batches(m.data_iter(features, labels, 10, generator=rng))
    ids = flat(facts["feature ids"])
    return {"samples in the batches": len(ids),
            "every sample exactly once": sorted(ids) == list(range(103)),
            "batch sizes": str([len(batch) for batch in facts["feature ids"]])}


@check("data_iter", points=0.5, hints=[CPU_INDEX, DROPS_LAST, Hint(
    "the default batch_size must be 8: def data_iter(features, labels, batch_size=8, "
    "generator=None)",
    when=lambda got: isinstance(got, dict) and "8" not in got.get("batch sizes", ""))])
def default_batch_size(m, device, rng):
    """the default batch_size is 8 (20 samples give batches of 8, 8 and 4)"""
    return {"batch sizes": batch_sizes_of(m, 20, device=device)}


@check("data_iter", points=0.5, hints=[CPU_INDEX, DROPS_LAST, EMPTY_LAST])
def batch_size_one_and_n(m, device, rng):
    """batch_size 1 gives one batch per sample; batch_size n gives one batch of all"""
    return {"batch_size 1, 5 samples": capture(batch_sizes_of, m, 5, 1, device=device),
            "batch_size 6, 6 samples": capture(batch_sizes_of, m, 6, 6, device=device)}


@check("data_iter", points=0.5, hints=[CPU_INDEX, Hint(
    "every batch holds neighbouring samples: shuffling the order of fixed blocks is not "
    "enough. Shuffle the samples themselves (a permutation of all n indices), then cut it "
    "into batches",
    when=lambda got: isinstance(got, dict)
    and got.get("batches mix samples from the whole data set") is False),
    NO_GENERATOR_PARAMETER, GENERATOR_DEVICE])
def mixes_samples(m, device, rng):
    """the shuffle mixes samples across the data set, not only the order of batches"""
    features, labels = numbered_data(64, device)
    ids = read_batches(m.data_iter(features, labels, 8, generator=rng))["feature ids"]
    blocks = all(sorted(batch) == list(range(min(batch), min(batch) + len(batch)))
                 for batch in ids if batch)
    return {"batches mix samples from the whole data set": not blocks}


@check("data_iter", points=1, hints=[CPU_INDEX, NO_GENERATOR_PARAMETER, GENERATOR_DEVICE])
def other_shapes_and_dtypes(m, device, rng):
    """3-D float64 features with 1-D int64 labels: pairs kept, dtypes and shapes kept"""
    n = 23
    ids = torch.arange(n, device=device)
    features = ids.double()[:, None, None].expand(n, 2, 3).clone()
    labels = -(ids + 1)
    pairs, dtypes, shapes = [], set(), set()
    for xb, yb in m.data_iter(features, labels, 5, generator=rng):
        pairs.append(xb[:, 0, 0].long().tolist() == (-yb - 1).tolist())
        dtypes.add(f"{xb.dtype}, {yb.dtype}")
        shapes.add(f"{list(xb.shape[1:])}, {list(yb.shape[1:])}")
    return {"every label beside its own features": all(pairs),
            "batch dtypes (features, labels)": ", ".join(sorted(dtypes)),
            "batch shapes after the batch dimension": ", ".join(sorted(shapes))}


@check("data_iter", points=0.5, hints=[CPU_INDEX, Hint(
    "data_iter changed the caller's tensors: do not shuffle them in place "
    "(features[:] = features[order], np.random.shuffle(features.numpy()), ...); index them "
    "into new batch tensors instead",
    when=lambda got: isinstance(got, dict) and False in got.values())])
def leaves_inputs_unchanged(m, device, rng):
    """the caller's features and labels are left unchanged"""
    features, labels = numbered_data(17, device)
    before = (features.clone(), labels.clone())
    for _ in m.data_iter(features, labels, 4):
        pass
    return {"features unchanged": bool(torch.equal(features, before[0])),
            "labels unchanged": bool(torch.equal(labels, before[1]))}


@check("data_iter", points=0.5, hints=[CPU_INDEX,
    Hint("the order does not follow `generator`: draw it with torch.randperm(n, "
         "generator=generator, device=features.device)",
         when=lambda got: isinstance(got, dict)
         and got.get("equal seeds give the same order") is False),
    NO_GENERATOR_PARAMETER, GENERATOR_DEVICE])
def reproducible_other_seed(m, device, rng):
    """equal seeds give the same order (50 samples, batch_size 6, another seed)"""
    features, labels = numbered_data(50, device)
    first = torch.Generator(device=device).manual_seed(rng.initial_seed() + 1)
    second = torch.Generator(device=device).manual_seed(rng.initial_seed() + 1)
    order = read_batches(m.data_iter(features, labels, 6, generator=first))["feature ids"]
    torch.randn(7, device=device)
    again = read_batches(m.data_iter(features, labels, 6, generator=second))["feature ids"]
    return {"equal seeds give the same order": order == again}


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
            "leaves requiring grad": all(t.is_leaf and t.requires_grad
                                         for t in (model.w, model.b))}


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


@check("sgd_step", points=1, hints=[
    Hint("after sgd_step the parameters no longer require grad, so the next backward() fails: "
         "leave requires_grad alone and update inside torch.no_grad()",
         when=raised_with("RuntimeError", "does not require grad")), NO_SGD_STEP])
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


@check("sgd_step", points=0.5, hints=[NO_SGD_STEP])
def clears_every_gradient(m, device, rng):
    """clears the gradient of each of three parameters"""
    params, x = three_params(device, rng)
    backward_three(params, x)
    with torch.no_grad():
        m.sgd_step(params, 0.05)
    return {f"gradient {i} cleared": cleared(p.grad) for i, p in enumerate(params)}


@check("sgd_step", points=0.5, hints=[NO_SGD_STEP])
def in_place_for_every_shape(m, device, rng):
    """a 2-D, a 1-D and a [1, 1] parameter keep their objects and storage"""
    params, x = three_params(device, rng)
    backward_three(params, x)
    given = list(params)
    storage = [p.data_ptr() for p in params]
    with torch.no_grad():
        m.sgd_step(params, 0.05)
    return {"the list still holds the caller's tensors":
            all(p is q for p, q in zip(params, given, strict=True)),
            "every parameter keeps its storage":
            [p.data_ptr() for p in given] == storage}


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
            "entries": len(losses) if hasattr(losses, "__len__") else None,
            "data_iter calls": len(batches.calls),
            "generator passed on": all(g is None for _, g in batches.calls)}


@check("train_model", points=2, judge=judge_recovery, time_limit=20,
       hints=[TRAINS_WITH_YOUR_TRAIN_STEP, TRAIN_MODEL_SIGNATURE])
def recovers_with_uneven_batches(m, device, rng):
    """recovers w and b with batch_size 32, whose last batch (16) is smaller

    The notes' data with another seed; 30 epochs, lr 0.01; within 0.15 of the least-squares
    fit."""
    model, (X, Y), losses, _ = train(m, device, rng, n=400, epochs=30, batch_size=32, lr=0.01)
    return {"w": model.w, "b": model.b, "features": X, "labels": Y,
            "losses": [capture(float, v) for v in losses]}
