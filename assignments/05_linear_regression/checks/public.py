"""Public checks of 05_linear_regression: students see and run these with `grade check`.

Each scenario observes one property; the grader compares the observation of the student's
module with the reference solution's. Three things shape them:

- data_iter's order is the student's choice (any shuffle drawn from ``generator`` is right),
  so its checks never compare orders with the reference's. They return the batches of
  "numbered" data (which samples came in each batch, in the student's order) and a judge in
  the grader's process reads the property off them: which samples came, in batches of which
  sizes, whether each label is still beside its features, whether two orders are equal. The
  samples' numbers start at a number drawn from ``rng``, so in a graded run they are secret
  and the judges hold the batches to the samples that the reference's run was given.
- train_step and train_model are run on a model of the checks' own (``CheckModel``: linear,
  with the plain mean squared error as its loss), so that a mistake in LinearRegression
  costs only LinearRegression's checks.
- While they run, the module's own helpers are swapped for stand-ins (``swapped``): sgd_step
  by ``rebinding_sgd_step`` (for both), data_iter by ``SequentialBatches`` (for
  train_model). A bug in sgd_step or data_iter therefore costs only that exercise's checks.
  The stand-ins are deliberately not what the contract asks (new storage instead of an
  in-place update; no shuffle), so copying them fails sgd_step's and data_iter's own checks.
  train_model does run the student's own train_step: a correct train_step would be a
  solution, which a public file must not hold. Its float check accepts what train_step
  returns, so that a train_step returning tensors costs train_step's check only.

The functions and classes in the "known wrong answers" section are used as hint patches: a
student whose observation matches one gets its message. Where an observation holds the
student's own order, a patch could only match one order, so the hint reads the batches
instead (``only_full_batches``, ``last_batch_empty``, ``labels_apart``).

A scenario runs after the student's code in the same process, which may have patched
``torch.equal``, ``bool`` or ``isinstance``: so scenarios return data (batches, tensors, type
names, :func:`grader.identity` and :func:`grader.storage` labels), never a verdict worked
out on it. Judges and hint predicates run in the grader's process and may compute freely.
"""

import contextlib

import torch

from grader import (
    Hint,
    Raised,
    TensorValue,
    capture,
    check,
    compare,
    default_device_elsewhere,
    identity,
    storage,
    went_to_the_default_device,
)

W_TRUE = ((2.0,), (-3.0,))  # the notes' w0
B_TRUE = 10.0  # the notes' b0
NOISE_STD = 2.0
LS_TOLERANCE = 0.15
_MISSING = object()


# --- what the checks build -------------------------------------------------------------------

FIRST_NAME_BELOW = 100_000
"""Numbered data's first sample number is drawn below this: its numbers stay exact in
float32 (below 2 ** 24)."""


def first_name(device, rng):
    """The number of numbered data's first sample, drawn from ``rng``: in a graded run the
    samples' numbers are secret, so the batches of a recording are no answer."""
    return int(torch.randint(FIRST_NAME_BELOW, (1,), generator=rng, device=device).item())


def numbered_data(n, device, rng, n_features=2):
    """Data whose values name their samples, in increasing order from a number drawn from
    ``rng``: sample i is named ``name = first + i``, features[i] = [name, name / 2, ...] and
    labels[i] = [-(name + 1)], so that a batch says which samples it holds and whether each
    label is still beside its own features."""
    ids = first_name(device, rng) + torch.arange(n, dtype=torch.float32, device=device)
    features = torch.stack([ids / (k + 1) for k in range(n_features)], dim=1)
    return features, -(ids + 1)[:, None]


def read_batches(batches):
    """data_iter's batches as plain Python data: the sample names per batch (from the
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
        # Plus a tenth of the labels' mean: no gradient, so training is the plain mean squared
        # error's, but the loss is not symmetric: swapped arguments are seen.
        return torch.mean((y_pred - y_true) ** 2) + 0.1 * torch.mean(y_true)

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


# --- known wrong answers (hints) -------------------------------------------------------------

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


def data_iter_unpaired(features, labels, batch_size=8, generator=None):
    """Shuffles features and labels with two different permutations."""
    n = len(features)
    f_order = torch.randperm(n, generator=generator, device=features.device)
    l_order = torch.randperm(n, generator=generator, device=features.device)
    for start in range(0, n, batch_size):
        yield (features[f_order[start:start + batch_size]],
               labels[l_order[start:start + batch_size]])


class LinearRegressionIgnoringGenerator:
    """Draws w with torch's global random state instead of `generator`."""

    def __init__(self, n_features, generator=None, device=None):
        self.w = torch.randn([n_features, 1], device=device, requires_grad=True)
        self.b = torch.zeros([1, 1], device=device, requires_grad=True)


class LinearRegressionWithoutHalf:
    """loss_func forgets the / 2: the plain mean squared error."""

    def loss_func(self, y_pred, y_true):
        return torch.mean((y_pred - y_true) ** 2)


def sgd_step_ascending(params, lr):
    """Adds the gradient instead of subtracting it."""
    with torch.no_grad():
        for p in params:
            p += lr * p.grad
            p.grad = None


def sgd_step_rebinding_names(params, lr):
    """Rebinds the list's entries: the caller's tensors never change."""
    with torch.no_grad():
        for i, p in enumerate(params):
            params[i] = p - lr * p.grad
            p.grad = None


def sgd_step_keeping_grads(params, lr):
    """Never clears the gradients."""
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad


def train_step_notes_lr(model, features, labels, lr):
    """Uses the notes' fixed learning rate 0.001 instead of lr."""
    loss = model.loss_func(model.forward(features), labels)
    loss.backward()
    rebinding_sgd_step(model.parameters(), 0.001)
    return loss.item()


def train_step_own_loss(model, features, labels, lr):
    """Computes LinearRegression's loss itself instead of calling model.loss_func."""
    loss = torch.mean((model.forward(features) - labels) ** 2 / 2)
    loss.backward()
    rebinding_sgd_step(model.parameters(), lr)
    return loss.item()


def train_step_loss_after(model, features, labels, lr):
    """Returns the loss of the updated model instead of the loss the step was taken on."""
    loss = model.loss_func(model.forward(features), labels)
    loss.backward()
    rebinding_sgd_step(model.parameters(), lr)
    with torch.no_grad():
        return model.loss_func(model.forward(features), labels).item()


def batch_losses(model, features, labels, batch_size):
    """The loss of each batch, in the input order, for the model as it is: enough for the
    wrong train_models below, whose hints only serve epoch_means (trained with lr = 0)."""
    with torch.no_grad():
        return [model.loss_func(model.forward(x), y).item()
                for x, y in SequentialBatches._batches(features, labels, batch_size)]


def train_model_last_loss(model, features, labels, epochs, batch_size, lr, generator=None):
    """Returns each epoch's last batch loss (what the notes print) instead of the mean."""
    return [batch_losses(model, features, labels, batch_size)[-1] for _ in range(epochs)]


def train_model_sum(model, features, labels, epochs, batch_size, lr, generator=None):
    """Returns each epoch's sum of batch losses instead of their mean."""
    return [sum(batch_losses(model, features, labels, batch_size)) for _ in range(epochs)]


def wrong_signature(function, message):
    """A hint for a TypeError raised when the check calls ``function`` with the contract's
    arguments (for instance the notes' own signatures)."""
    def when(got):
        return (isinstance(got, Raised) and got.is_a("TypeError")
                and got.message.startswith((f"{function}(", f"{function}.__init__(")))
    return Hint(message, when=when)


def raised_with(type_name, *words):
    """A hint predicate: the scenario raised ``type_name`` with all of ``words`` in its message
    (a stub's NotImplementedError, a RuntimeError too, never counts). Built here, at module
    level, into the hints below: it runs in the grader's process."""
    def when(got):
        return (isinstance(got, Raised) and got.is_a(type_name) and not got.not_implemented
                and all(w in got.message for w in words))
    return when


# --- hint predicates and judges (the grader's process) ---------------------------------------

BATCHES = ("feature ids", "label ids")
"""The entries of a data_iter observation that hold batches of sample names."""
CALLS = ("first call", "second call")
"""The entries of an observation of two calls of data_iter (their feature batches)."""


def only_full_batches(got):
    """A hint predicate on observed batches: none at all, or two or more all of one size.
    When that is wrong, the last, smaller batch is missing."""
    sizes = [len(batch) for batch in got["feature ids"]]
    return not sizes or (len(sizes) >= 2 and len(set(sizes)) == 1)


def last_batch_empty(got):
    """A hint predicate on observed batches: the last one holds no sample."""
    batches = got["feature ids"]
    return len(batches) > 0 and len(batches[-1]) == 0


def labels_apart(got):
    """A hint predicate on observed batches: some label is not beside its own features."""
    return got["feature ids"] != got["label ids"]


def in_input_order(got):
    """A hint predicate: the samples came in their input order (numbers increasing)."""
    order = flat(got["feature ids"])
    return order == sorted(order)


def given(expected, key="feature ids"):
    """The sample numbers a check gave data_iter, in their input order: the reference's
    batches hold each of them once (the same inputs: the same seed)."""
    return sorted(flat(expected[key]))


def positions(names, inputs, shown=8):
    """Sample numbers as positions in the input (from 0), for messages."""
    first = inputs[0] if inputs else 0
    text = ", ".join(str(name - first) for name in names[:shown])
    return f"[{text}{', …' if len(names) > shown else ''}]"


def unreadable(got, expected):
    """None when ``got`` has the reference's entries, else what differs."""
    if isinstance(got, dict) and got.keys() == expected.keys():
        return None
    mismatch = compare(got, expected)
    return mismatch.text() if mismatch else "unexpected result"


def strangers(got, keys, inputs):
    """What is wrong when the batches under ``keys`` hold a sample data_iter was not given,
    else None: a batch must be made of the data's own samples."""
    known = set(inputs)
    for key in keys:
        extra = sorted(set(flat(got[key])) - known)
        if extra:
            return (f"{key}: the batches hold values that are none of the {len(inputs)} samples "
                    f"given ({extra[:5]}); batches must be rows of the features and labels "
                    "passed in")
    return None


def other_facts(got, expected, keys):
    """How the entries besides the batches under ``keys`` differ from the reference's."""
    rest = [key for key in expected if key not in keys]
    mismatch = compare({key: got[key] for key in rest}, {key: expected[key] for key in rest})
    return mismatch.text() if mismatch else None


def judge_batches(got, expected):
    """The batches hold samples of the data given; the other entries (batch sizes, devices)
    are the reference's."""
    return (unreadable(got, expected) or strangers(got, BATCHES, given(expected))
            or other_facts(got, expected, BATCHES))


def judge_each_sample_once(got, expected):
    """Every sample given comes exactly once in the feature batches, in any order; the other
    entries (batch sizes) are the reference's."""
    problem = unreadable(got, expected)
    if problem:
        return problem
    inputs, came = given(expected), sorted(flat(got["feature ids"]))
    if came != inputs:
        missing = sorted(set(inputs) - set(came))
        repeated = sorted({name for name in came if came.count(name) > 1})
        parts = [f"{len(came)} samples came in the batches; expected each of the "
                 f"{len(inputs)} given exactly once"]
        if missing:
            parts.append(f"missing: the samples at positions {positions(missing, inputs)}")
        if repeated:
            parts.append(f"more than once: the samples at positions "
                         f"{positions(repeated, inputs)}")
        return "; ".join(parts)
    return other_facts(got, expected, BATCHES)


def judge_pairs(got, expected):
    """Each batch's labels are those of its own features, in the same order; the batches hold
    samples of the data given, and the other entries (dtypes, shapes) are the reference's."""
    inputs = given(expected)
    problem = unreadable(got, expected) or strangers(got, BATCHES, inputs)
    if problem:
        return problem
    features, labels = got["feature ids"], got["label ids"]
    if len(features) != len(labels):
        return f"{len(features)} feature batches but {len(labels)} label batches"
    for i, (xs, ys) in enumerate(zip(features, labels, strict=True)):
        if xs != ys:
            return (f"batch {i}: the features of the samples at positions "
                    f"{positions(xs, inputs)} came with the labels of the samples at "
                    f"positions {positions(ys, inputs)}")
    return other_facts(got, expected, BATCHES)


def judge_shuffled(got, expected):
    """The samples do not come in their input order."""
    inputs = given(expected)
    problem = unreadable(got, expected) or strangers(got, ("feature ids",), inputs)
    if problem:
        return problem
    if flat(got["feature ids"]) == inputs:
        return (f"the {len(inputs)} samples came in their input order (positions 0, 1, 2, … "
                "in turn): they were not shuffled")
    return None


def two_calls(got, expected):
    """The input's sample ids, and the batches of the two calls, or a message when they
    are not batches of those samples."""
    inputs = given(expected, CALLS[0])
    problem = unreadable(got, expected) or strangers(got, CALLS, inputs)
    return inputs, problem, *(None if problem else got[key] for key in CALLS)


def judge_same_orders(got, expected):
    """Two calls with generators seeded alike give the same batches."""
    inputs, problem, first, second = two_calls(got, expected)
    if problem:
        return problem
    if first != second:
        return (f"two generators seeded alike gave two different orders: the first call "
                f"began with the samples at positions {positions(flat(first), inputs)}, the "
                f"second with {positions(flat(second), inputs)}")
    return None


def judge_different_orders(got, expected):
    """Two calls with one generator give different batches."""
    inputs, problem, first, second = two_calls(got, expected)
    if problem:
        return problem
    if first == second:
        return (f"both calls gave the same order, beginning with the samples at positions "
                f"{positions(flat(first), inputs)}")
    return None


def gradient_left(got):
    """A hint predicate: some gradient is still there (not None, not all zeros)."""
    return any(isinstance(grad, TensorValue) and bool((grad.values != 0).any())
               for grad in got.values())


def judge_cleared(got, expected):
    """Each gradient is None or all zeros: either clears it (the reference sets None)."""
    problem = unreadable(got, expected)
    if problem:
        return problem
    for key, grad in got.items():
        if grad is None:
            continue
        if not isinstance(grad, TensorValue):
            return f"{key}: expected None or a tensor of zeros, got a {type(grad).__name__}"
        left = int((grad.values != 0).sum())  # NaN counts as left over
        if left:
            return (f"{key}: still holds a gradient after the step ({left} of "
                    f"{grad.values.numel()} values nonzero); expected None or zeros")
    return None


def class_names(value):
    """The names of a value's class and of the classes it derives from: the grader's process
    reads "is it a float" off them (a subclass of float is one)."""
    return [cls.__name__ for cls in type(value).__mro__]


LOSS_CLASSES = "classes of the returned loss"
ENTRY_CLASSES = "classes of the entries"
ENTRY_SHAPES = "shapes of the entries (None for a number)"


def judge_python_float(got, expected):
    """The returned loss is a Python float (or of a subclass of float)."""
    problem = unreadable(got, expected)
    if problem:
        return problem
    classes = got[LOSS_CLASSES]
    if "float" in classes:
        return None
    return f"the returned loss is a {classes[0]}, expected a Python float"


def returned_tensor(got):
    """A hint predicate: train_step returned a tensor."""
    return "Tensor" in got[LOSS_CLASSES]


def entries_not_floats(got):
    """A hint predicate: some entry of train_model's result is not a Python float."""
    return any("float" not in classes for classes in got[ENTRY_CLASSES])


def judge_one_float_per_epoch(got, expected):
    """A result of the reference's type (a list) with one Python float per epoch; 0-d (or
    one-element) tensors count as floats when the student's train_step returns tensors."""
    problem = unreadable(got, expected)
    if problem:
        return problem
    if got["type of the result"] != expected["type of the result"]:
        return (f"the result is a {got['type of the result']}, expected a "
                f"{expected['type of the result']}")
    classes, shapes = got[ENTRY_CLASSES], got[ENTRY_SHAPES]
    if isinstance(classes, Raised) or isinstance(shapes, Raised):
        return other_facts(got, expected, ())
    if len(classes) != len(expected[ENTRY_CLASSES]):
        return (f"expected {len(expected[ENTRY_CLASSES])} entries, one per epoch, got "
                f"{len(classes)}")
    tensors_allowed = "Tensor" in got["classes of what train_step returns"]
    for i, (kinds, shape) in enumerate(zip(classes, shapes, strict=True)):
        one_number = "Tensor" in kinds and isinstance(shape, list | tuple) and all(
            size == 1 for size in shape)
        if "float" not in kinds and not (tensors_allowed and one_number):
            return f"entry {i} is a {kinds[0]}, not a Python float"
    return None


# --- hints -----------------------------------------------------------------------------------

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
DEFAULT_DEVICE = Hint(
    "a tensor was created without device= and went to the default device, which is not the "
    "input's: pass device=features.device (data_iter) or device=device (LinearRegression) to "
    "every torch.randperm, torch.randn, torch.zeros, ...",
    when=went_to_the_default_device)
CPU_INDEX = Hint(
    "the batch index lives on the CPU (torch.LongTensor(...), or torch.tensor(list) without "
    "device=, as in the notes), and index_select needs it on the features' device: build the "
    "order with torch.randperm(n, generator=generator, device=features.device) and index with "
    "slices of it", when=raised_with("RuntimeError", "same device"))
DROPS_LAST_TEXT = (
    "the last, smaller batch is missing: step through the order with range(0, n, batch_size) "
    "and take order[start:start + batch_size], which is shorter at the end")
EMPTY_LAST_TEXT = (
    "there is an empty batch at the end: when batch_size divides n there are exactly "
    "n / batch_size batches; range(0, n, batch_size) gives the right starts")
DROPS_LAST = Hint(DROPS_LAST_TEXT, patch={"data_iter": data_iter_dropping_last})
"""For observations of batch sizes alone, which hold no order."""
EMPTY_LAST = Hint(EMPTY_LAST_TEXT, patch={"data_iter": data_iter_empty_last})
"""For observations of batch sizes alone, which hold no order."""
FULL_BATCHES_ONLY = Hint(DROPS_LAST_TEXT, when=only_full_batches)
"""DROPS_LAST for observations of batches, which hold the student's order."""
EMPTY_LAST_BATCH = Hint(EMPTY_LAST_TEXT, when=last_batch_empty)
"""EMPTY_LAST for observations of batches, which hold the student's order."""
UNPAIRED = Hint(
    "features and labels were shuffled with different orders: index both with the same "
    "permutation, features[index] and labels[index]", when=labels_apart)
LR_SIGNATURE = wrong_signature(
    "LinearRegression",
    "LinearRegression must be built as LinearRegression(n_features, generator=None, "
    "device=None); the notes' class takes no arguments and copies the shape of a global w0")
NO_PARAMETERS_METHOD = Hint(
    "the class needs a parameters() method returning [self.w, self.b] (the notes' class "
    "has none: its train_step reads model.w and model.b)",
    when=raised_with("AttributeError", "parameters"))
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
LOST_REQUIRES_GRAD = Hint(
    "after sgd_step the parameters no longer require grad, so the next backward() fails: "
    "leave requires_grad alone and update inside torch.no_grad()",
    when=raised_with("RuntimeError", "does not require grad"))
RECORDED_UPDATE = Hint(
    "an in-place update of a leaf that requires grad must not be recorded by autograd: "
    "do it inside `with torch.no_grad():`",
    when=raised_with("RuntimeError", "leaf Variable", "in-place"))


# --- data_iter -------------------------------------------------------------------------------

@check("data_iter", points=1, judge=judge_each_sample_once,
       hints=[CPU_INDEX, FULL_BATCHES_ONLY])
def each_sample_once(m, device, rng):
    """every sample comes exactly once per call (21 samples, batch_size 4)"""
    features, labels = numbered_data(21, device, rng)
    return {"feature ids": read_batches(m.data_iter(features, labels, 4))["feature ids"]}


@check("data_iter", points=1, judge=judge_batches,
       hints=[CPU_INDEX, FULL_BATCHES_ONLY, EMPTY_LAST_BATCH])
def batch_sizes(m, device, rng):
    """batches of batch_size, then one smaller last batch (21 samples, batch_size 4)"""
    features, labels = numbered_data(21, device, rng)
    facts = read_batches(m.data_iter(features, labels, 4))
    return {"feature ids": facts["feature ids"], "label ids": facts["label ids"],
            "feature batch sizes": str([len(ids) for ids in facts["feature ids"]]),
            "label batch sizes": str([len(ids) for ids in facts["label ids"]])}


@check("data_iter", points=1, judge=judge_pairs, hints=[CPU_INDEX, UNPAIRED])
def keeps_pairs(m, device, rng):
    """each label stays beside its own features"""
    features, labels = numbered_data(24, device, rng)
    facts = read_batches(m.data_iter(features, labels, 5))
    return {"feature ids": facts["feature ids"], "label ids": facts["label ids"]}


@check("data_iter", points=0.5, judge=judge_shuffled, hints=[CPU_INDEX, Hint(
    "the samples come in their input order: shuffle them, e.g. with "
    "torch.randperm(n, generator=generator, device=features.device)", when=in_input_order)])
def shuffled(m, device, rng):
    """the samples come in a shuffled order, not the input order"""
    features, labels = numbered_data(32, device, rng)
    return {"feature ids": read_batches(m.data_iter(features, labels, 8))["feature ids"]}


@check("data_iter", points=1, judge=judge_same_orders, hints=[CPU_INDEX,
    Hint("the order does not follow `generator`: np.random.shuffle, random.shuffle and "
         "torch.randperm without generator= draw from global random state that the generator "
         "does not control. Use torch.randperm(n, generator=generator, "
         "device=features.device)",
         when=lambda got: got["first call"] != got["second call"]),
    NO_GENERATOR_PARAMETER, GENERATOR_DEVICE])
def reproducible_from_generator(m, device, rng):
    """two generators with equal seeds give the same order"""
    features, labels = numbered_data(30, device, rng)
    seed = rng.initial_seed()
    first = torch.Generator(device=device).manual_seed(seed)
    second = torch.Generator(device=device).manual_seed(seed)
    order = read_batches(m.data_iter(features, labels, 8, generator=first))["feature ids"]
    torch.rand(5, device=device)  # global random state moves on between the two calls
    again = read_batches(m.data_iter(features, labels, 8, generator=second))["feature ids"]
    return {"first call": order, "second call": again}


@check("data_iter", points=0.5, judge=judge_different_orders, hints=[CPU_INDEX,
    Hint("a second call with the same generator gave the same order again: draw from the "
         "generator itself (it moves on with every draw); do not re-seed it or copy its seed "
         "into a new one inside data_iter",
         when=lambda got: got["first call"] == got["second call"]),
    NO_GENERATOR_PARAMETER, GENERATOR_DEVICE])
def different_orders(m, device, rng):
    """two calls with one generator give two different orders"""
    features, labels = numbered_data(30, device, rng)
    first = read_batches(m.data_iter(features, labels, 8, generator=rng))["feature ids"]
    second = read_batches(m.data_iter(features, labels, 8, generator=rng))["feature ids"]
    return {"first call": first, "second call": second}


@check("data_iter", points=0.5, judge=judge_batches, hints=[CPU_INDEX])
def batches_on_input_device(m, device, rng):
    """batches stay on the input's device"""
    features, labels = numbered_data(10, device, rng)
    facts = read_batches(m.data_iter(features, labels, 4))
    return {"feature ids": facts["feature ids"], "label ids": facts["label ids"],
            "feature batches on": ", ".join(sorted(facts["feature devices"])),
            "label batches on": ", ".join(sorted(facts["label devices"]))}


@check("data_iter", points=0.5, judge=judge_each_sample_once,
       hints=[CPU_INDEX, FULL_BATCHES_ONLY])
def fewer_samples_than_batch_size(m, device, rng):
    """5 samples with batch_size 8 give one batch of 5"""
    features, labels = numbered_data(5, device, rng)
    ids = read_batches(m.data_iter(features, labels, 8))["feature ids"]
    return {"feature ids": ids, "batch sizes": str([len(batch) for batch in ids])}


@check("data_iter", points=0.5, judge=judge_batches, hints=[CPU_INDEX, EMPTY_LAST_BATCH])
def no_empty_last_batch(m, device, rng):
    """12 samples with batch_size 4 give exactly three batches of 4"""
    features, labels = numbered_data(12, device, rng)
    facts = read_batches(m.data_iter(features, labels, 4))
    return {"feature ids": facts["feature ids"], "label ids": facts["label ids"],
            "batch sizes": str([len(batch) for batch in facts["feature ids"]])}


@check("data_iter", points=0.5, judge=judge_batches, hints=[DEFAULT_DEVICE, CPU_INDEX])
def creates_on_the_input_device(m, device, rng):
    """every tensor it makes is on the features' device, not the default device

    Run with torch's default device elsewhere (:func:`grader.default_device_elsewhere`): a
    tensor made without device= fails there. What the GPU runs would catch, seen on the CPU
    too."""
    features, labels = numbered_data(10, device, rng)
    generator = fresh_generator(rng, device)
    with default_device_elsewhere(device):
        facts = capture(lambda: read_batches(m.data_iter(features, labels, 4,
                                                         generator=generator)))
    if isinstance(facts, Raised):
        return facts
    return {"feature ids": facts["feature ids"], "label ids": facts["label ids"]}


# --- LinearRegression ------------------------------------------------------------------------

@check("LinearRegression", points=1, hints=[
    Hint("w must come from `generator`: torch.randn([n_features, 1], generator=generator, "
         "device=device); without generator= it comes from torch's global random state",
         patch={"LinearRegression": LinearRegressionIgnoringGenerator}),
    GENERATOR_DEVICE, LR_SIGNATURE])
def w_from_generator(m, device, rng):
    """w is torch.randn([n_features, 1], generator=generator, device=device)"""
    model = m.LinearRegression(3, generator=fresh_generator(rng, device), device=device)
    return {"w": model.w}


@check("LinearRegression", points=0.5, hints=[LR_SIGNATURE])
def b_zeros(m, device, rng):
    """b is zeros of shape [1, 1] on the device"""
    model = m.LinearRegression(4, generator=fresh_generator(rng, device), device=device)
    return {"b": model.b}


@check("LinearRegression", points=1, hints=[
    Hint("w and b must be leaf tensors: create them with requires_grad=True (or call "
         ".requires_grad_() on the finished tensor); a tensor computed from one that requires "
         "grad, e.g. torch.zeros(..., requires_grad=True).to(device), is not a leaf and gets "
         "no .grad",
         when=lambda got: isinstance(got, dict) and (got.get("w is a leaf") is False
                                                     or got.get("b is a leaf") is False)),
    LR_SIGNATURE])
def float32_leaves(m, device, rng):
    """w and b are float32 leaves with requires_grad=True"""
    model = m.LinearRegression(2, generator=fresh_generator(rng, device), device=device)
    return {f"{name} {what}": value
            for name, t in (("w", model.w), ("b", model.b))
            for what, value in (("dtype", t.dtype), ("is a leaf", t.is_leaf),
                                ("requires grad", t.requires_grad))}


@check("LinearRegression", points=1)
def forward(m, device, rng):
    """forward(x) is x @ w + b (on a model holding the check's w and b), in x's dtype"""
    observed = {}
    for dtype in (torch.float32, torch.float64):
        w = torch.randn(3, 1, generator=rng, device=device, dtype=dtype, requires_grad=True)
        b = torch.randn(1, 1, generator=rng, device=device, dtype=dtype, requires_grad=True)
        x = torch.randn(5, 3, generator=rng, device=device, dtype=dtype)
        observed[f"output ({str(dtype).removeprefix('torch.')})"] = capture(
            model_holding(m, w, b).forward, x)
    return observed


@check("LinearRegression", points=0.5, hints=[DEFAULT_DEVICE, GENERATOR_DEVICE, LR_SIGNATURE])
def creates_on_the_given_device(m, device, rng):
    """w and b are made on the given device, not the default device

    Run with torch's default device elsewhere (:func:`grader.default_device_elsewhere`): a
    parameter made without device= fails there or lands on another device. What the GPU
    runs would catch, seen on the CPU too."""
    generator = fresh_generator(rng, device)
    with default_device_elsewhere(device):
        model = capture(m.LinearRegression, 3, generator=generator, device=device)
    # Each parameter times 0 plus drawn values: those values where it is on the device
    # (whatever it holds: its values are w_from_generator's business), an error elsewhere.
    marks = {name: torch.randn(shape, generator=rng, device=device)
             for name, shape in (("w", (3, 1)), ("b", (1, 1)))}
    if isinstance(model, Raised):
        return model
    return {name: capture(lambda n=name: getattr(model, n).detach() * 0 + marks[n])
            for name in marks}


@check("LinearRegression", points=1, hints=[Hint(
    "this is the plain mean squared error: the notes' loss halves it, "
    "torch.mean((y_pred - y_true) ** 2 / 2)",
    patch={"LinearRegression": LinearRegressionWithoutHalf})])
def loss_func(m, device, rng):
    """loss_func is the mean of (y_pred - y_true) ** 2 / 2, a 0-d tensor in the inputs'
    dtype, differentiable"""
    w = torch.randn(2, 1, generator=rng, device=device, requires_grad=True)
    b = torch.zeros(1, 1, device=device, requires_grad=True)
    model = model_holding(m, w, b)
    y_pred = torch.randn(6, 1, generator=rng, device=device)
    y_true = torch.randn(6, 1, generator=rng, device=device)
    pred64 = torch.randn(6, 1, generator=rng, device=device, dtype=torch.float64,
                         requires_grad=True)
    true64 = torch.randn(6, 1, generator=rng, device=device, dtype=torch.float64)

    def gradient():
        (grad,) = torch.autograd.grad(model.loss_func(pred64, true64), pred64)
        return grad

    return {"loss": model.loss_func(y_pred, y_true),
            "loss (float64)": capture(model.loss_func, pred64, true64),
            "gradient to y_pred (float64)": capture(gradient)}


OBJECTS = "objects: parameters()'s, then model.w and model.b"


@check("LinearRegression", points=0.5, hints=[Hint(
    "parameters() must return the model's own tensors, [self.w, self.b], not copies "
    "(no .detach(), .clone() or new tensors): sgd_step updates what it returns",
    when=lambda got: got[OBJECTS][:-2] != got[OBJECTS][-2:]), NO_PARAMETERS_METHOD])
def parameters(m, device, rng):
    """parameters() returns [w, b], the very tensors the model holds

    The observation holds what parameters() returned (compared with the reference's: [w, b]
    in that order) and which objects they are next to model.w and model.b (identity labels,
    compared in the grader's process)."""
    w = torch.randn(2, 1, generator=rng, device=device, requires_grad=True)
    b = torch.zeros(1, 1, device=device, requires_grad=True)
    model = model_holding(m, w, b)
    params = list(model.parameters())
    return {"parameters()": params,
            OBJECTS: [identity(p) for p in params] + [identity(model.w), identity(model.b)]}


# --- sgd_step --------------------------------------------------------------------------------

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


@check("sgd_step", points=1, hints=[
    Hint("the parameters moved up the gradient: subtract it, p -= lr * p.grad",
         patch={"sgd_step": sgd_step_ascending}),
    Hint("the caller's w and b did not move: `params[i] = ...` or `p = p - ...` only rebinds a "
         "name. Update the tensors themselves, p -= lr * p.grad inside torch.no_grad()",
         patch={"sgd_step": sgd_step_rebinding_names}), LOST_REQUIRES_GRAD, NO_SGD_STEP])
def matches_torch_sgd(m, device, rng):
    """values match torch.optim.SGD over 5 steps with lr 0.1

    The check clears the gradients itself before each backward: this check is about the
    update alone (clears_gradients is about clearing)."""
    (w, b), x, y = sgd_problem(device, rng)
    steps = {}
    for step in range(1, 6):
        backward_on([w, b], x, y)
        with torch.no_grad():
            m.sgd_step([w, b], 0.1)
        steps[f"after step {step}"] = {"w": w.detach().clone(), "b": b.detach().clone()}
    return steps


CALLERS = "the caller's tensors"
LISTED = "the list after the step"
STORAGE_BEFORE = "storage of the caller's tensors before the step"
STORAGE_AFTER = "storage of the caller's tensors after the step"


def in_place_observation(params, given, storage_before):
    """Which objects the caller's tensors and the list's entries are, and which memory the
    caller's tensors live in before and after the step: labels that the grader's process
    compares with the reference's (the same objects, the same storage)."""
    return {CALLERS: [identity(p) for p in given], LISTED: [identity(p) for p in params],
            STORAGE_BEFORE: storage_before, STORAGE_AFTER: [storage(p) for p in given]}


@check("sgd_step", points=1, hints=[
    Hint("sgd_step replaced the parameters instead of updating them in place: "
         "`p.data = p.data - lr * p.grad` gives p new storage, and `params[i] = ...` or "
         "`p = p - ...` leaves the caller's tensor as it was. Write `p -= lr * p.grad` (or "
         "p.sub_(lr * p.grad)) inside torch.no_grad()",
         when=lambda got: got[LISTED] != got[CALLERS]
         or got[STORAGE_AFTER] != got[STORAGE_BEFORE]), NO_SGD_STEP])
def updates_in_place(m, device, rng):
    """updates in place: the same tensor objects, in the same storage"""
    params, x, y = sgd_problem(device, rng)
    backward_on(params, x, y)
    given = list(params)
    storage_before = [storage(p) for p in params]
    with torch.no_grad():
        m.sgd_step(params, 0.1)
    return in_place_observation(params, given, storage_before)


@check("sgd_step", points=1, hints=[RECORDED_UPDATE, NO_SGD_STEP])
def records_no_history(m, device, rng):
    """records no autograd history: w and b stay leaves without grad_fn"""
    params, x, y = sgd_problem(device, rng)
    backward_on(params, x, y)
    m.sgd_step(params, 0.1)
    return {f"{name} {what}": value
            for name, p in (("w", params[0]), ("b", params[1]))
            for what, value in (("is a leaf", p.is_leaf),
                                ("grad_fn's type", type(p.grad_fn).__name__))}


@check("sgd_step", points=0.5, hints=[
    Hint("sgd_step switched requires_grad off: the next forward would record nothing and "
         "backward() would fail. Leave requires_grad alone and update inside torch.no_grad()",
         when=lambda got: isinstance(got, dict) and False in got.values()), NO_SGD_STEP])
def keeps_requires_grad(m, device, rng):
    """w and b keep requires_grad=True"""
    params, x, y = sgd_problem(device, rng)
    w, b = params
    backward_on(params, x, y)
    with torch.no_grad():
        m.sgd_step(params, 0.1)
    return {"w requires grad": w.requires_grad, "b requires grad": b.requires_grad}


@check("sgd_step", points=1, judge=judge_cleared, hints=[
    Hint("the gradients are still there after the step, and the next backward() would add to "
         "them: clear each one after its update, p.grad.zero_() or p.grad = None",
         patch={"sgd_step": sgd_step_keeping_grads}), NO_SGD_STEP])
def clears_gradients(m, device, rng):
    """clears the gradients (zeroed or None)

    The gradients themselves are observed: the judge takes None or all zeros."""
    params, x, y = sgd_problem(device, rng)
    backward_on(params, x, y)
    with torch.no_grad():
        m.sgd_step(params, 0.1)
    return {"w.grad": params[0].grad, "b.grad": params[1].grad}


# --- train_step ------------------------------------------------------------------------------

def train_step_problem(device, rng, n_features=3, n=16):
    w = torch.randn(n_features, 1, generator=rng, device=device)
    b = torch.randn(1, 1, generator=rng, device=device)
    x = torch.randn(n, n_features, generator=rng, device=device)
    y = torch.randn(n, 1, generator=rng, device=device)
    return CheckModel(w, b), x, y


OWN_LOSS = Hint(
    "train_step must compute the loss with model.loss_func (and the prediction with "
    "model.forward): the checks train a model of their own whose loss is the plain mean "
    "squared error, not LinearRegression's",
    patch={"train_step": train_step_own_loss})


@check("train_step", points=0.5, judge=judge_python_float, hints=[
    Hint("return the loss as a Python number: loss.item(), not the tensor",
         when=returned_tensor), TRAIN_STEP_SIGNATURE])
def returns_float(m, device, rng):
    """returns a Python float

    The returned value's class and the classes it derives from are observed: the judge takes
    a float or a subclass of it."""
    model, x, y = train_step_problem(device, rng)
    with swapped(m, sgd_step=rebinding_sgd_step):
        loss = m.train_step(model, x, y, 0.1)
    return {LOSS_CLASSES: class_names(loss)}


@check("train_step", points=1, hints=[
    Hint("this is the loss after the update: return the loss that the step was computed from",
         patch={"train_step": train_step_loss_after}), OWN_LOSS, TRAIN_STEP_SIGNATURE])
def returns_loss_before_step(m, device, rng):
    """returns the loss of the model before its update"""
    model, x, y = train_step_problem(device, rng)
    with swapped(m, sgd_step=rebinding_sgd_step):
        loss = m.train_step(model, x, y, 0.1)
    return {"returned loss": capture(float, loss)}


@check("train_step", points=1, hints=[
    Hint("the parameters moved as with lr = 0.001, the notes' fixed value: use the lr "
         "argument", patch={"train_step": train_step_notes_lr}),
    OWN_LOSS, TRAIN_STEP_SIGNATURE])
def one_sgd_step(m, device, rng):
    """takes exactly one SGD step with lr on the model's loss"""
    model, x, y = train_step_problem(device, rng)
    with swapped(m, sgd_step=rebinding_sgd_step):
        m.train_step(model, x, y, 0.1)
    return {"w after train_step": model.w, "b after train_step": model.b}


@check("train_step", points=0.5, judge=judge_cleared, hints=[
    Hint("gradients are left over after train_step: the next call's backward() would add to "
         "them. Clear them after the update (sgd_step does)", when=gradient_left),
    TRAIN_STEP_SIGNATURE])
def clears_gradients_after_step(m, device, rng):
    """leaves the gradients cleared"""
    model, x, y = train_step_problem(device, rng)
    with swapped(m, sgd_step=rebinding_sgd_step):
        m.train_step(model, x, y, 0.1)
    return {"w.grad": model.w.grad, "b.grad": model.b.grad}


# --- train_model -----------------------------------------------------------------------------

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


LOSSES_RTOL = 1e-4
LOSSES_ATOL = 1e-6
"""How far the per-epoch losses of losses_decrease may stray from the reference's. With the
checks' sgd_step and batches in input order, a correct train_step and train_model give the
reference's numbers but for the rounding of the order of float operations (about 1e-7)."""


def judge_decreasing(got, expected):
    """The per-epoch losses go down, and they are those of this check's training: within
    LOSSES_RTOL of the reference's on the same data (drawn from the check's seed, secret in a
    graded run) with the same batches, so that losses learnt by heart are not enough."""
    losses = got.get("losses") if isinstance(got, dict) else None
    if not isinstance(losses, list) or not losses or not all(
            isinstance(v, float) for v in losses):
        mismatch = compare(got, expected)
        return mismatch.text() if mismatch else "unexpected result"
    if not (len(losses) >= 2 and losses[-1] < losses[0]):
        return (f"the per-epoch losses did not go down: {fmt_losses(losses)} (the last epoch's "
                "mean should be below the first's)")
    mismatch = compare(losses, expected["losses"], LOSSES_RTOL, LOSSES_ATOL)
    if mismatch is None:
        return None
    return (f"the per-epoch losses {fmt_losses(losses)} are not those of training on this "
            f"check's data with its batches, {fmt_losses(expected['losses'])} "
            f"({mismatch.text()})")


@check("train_model", points=0.5, judge=judge_one_float_per_epoch, hints=[
    Hint("each entry must be a Python float: convert each epoch's mean with float(...) (a "
         "0-d tensor is not one)", when=entries_not_floats), TRAIN_MODEL_SIGNATURE])
def one_float_per_epoch(m, device, rng):
    """returns a list with one Python float per epoch

    A train_step that returns 0-d tensors (train_step/returns_float's business) may leave
    tensors in the list: those count as floats here. The result's type, its entries' classes
    and shapes, and the classes of what train_step returns are observed (no values: the
    check is about types); the judge decides."""
    model, x, y = train_step_problem(device, rng, n_features=2, n=4)
    _, _, losses, _ = train(m, device, rng, n=60, epochs=3, batch_size=20, lr=0.01)
    with swapped(m, sgd_step=rebinding_sgd_step):
        step_result = capture(m.train_step, model, x, y, 0.0)
    return {"type of the result": type(losses).__name__,
            ENTRY_CLASSES: capture(lambda: [class_names(v) for v in losses]),
            ENTRY_SHAPES: capture(lambda: [getattr(v, "shape", None) for v in losses]),
            "classes of what train_step returns": class_names(step_result)}


@check("train_model", points=1, rtol=1e-5, atol=1e-6, hints=[
    Hint("these are the losses of each epoch's last batch: return the mean of all the "
         "epoch's batch losses", patch={"train_model": train_model_last_loss}),
    Hint("these are sums of the batch losses: divide by the number of batches",
         patch={"train_model": train_model_sum}), TRAINS_WITH_YOUR_TRAIN_STEP,
    TRAIN_MODEL_SIGNATURE])
def epoch_means(m, device, rng):
    """each entry is the mean of that epoch's batch losses

    With lr = 0 and batches of equal size, every epoch's mean is the loss of the whole data
    set, whatever the order."""
    _, _, losses, _ = train(m, device, rng, n=60, epochs=3, batch_size=20, lr=0.0)
    return {"per-epoch losses": [capture(float, v) for v in losses]}


@check("train_model", points=0.5, hints=[
    Hint("train_model must take each epoch's batches from data_iter(features, labels, "
         "batch_size, generator=generator), one call per epoch, passing its batch_size and "
         "generator on (so that equal seeds give equal runs)",
         when=lambda got: isinstance(got, dict)), TRAIN_MODEL_SIGNATURE])
def uses_data_iter(m, device, rng):
    """gets each epoch's batches from data_iter with its batch_size and generator

    Which generator each call got is observed as identity labels next to the check's own:
    the same object as the reference passes on."""
    _, _, _, calls = train(m, device, rng, n=60, epochs=3, batch_size=20, lr=0.01)
    return {"the check's generator": identity(rng),
            "data_iter calls": len(calls),
            "batch sizes asked for": sorted({size for size, _ in calls}),
            "generators passed on": [identity(generator) for _, generator in calls]}


@check("train_model", points=0.5, judge=judge_decreasing,
       hints=[TRAINS_WITH_YOUR_TRAIN_STEP, TRAIN_MODEL_SIGNATURE])
def losses_decrease(m, device, rng):
    """the per-epoch losses go down (notes' data, 5 epochs)

    The judge also holds them to the reference's losses on the same data and batches (see
    judge_decreasing): decreasing numbers that are not this data's earn nothing."""
    _, _, losses, _ = train(m, device, rng, n=400, epochs=5, batch_size=40, lr=0.01)
    return {"losses": [capture(float, v) for v in losses]}


@check("train_model", points=2, judge=judge_recovery, time_limit=20,
       hints=[TRAINS_WITH_YOUR_TRAIN_STEP, TRAIN_MODEL_SIGNATURE])
def recovers_w_and_b(m, device, rng):
    """recovers w and b: within 0.15 of the least-squares fit of the notes' data

    n = 400, 40 epochs, batch_size 40, lr 0.01."""
    model, (X, Y), losses, _ = train(m, device, rng, n=400, epochs=40, batch_size=40, lr=0.01)
    return {"w": model.w, "b": model.b, "features": X, "labels": Y,
            "losses": [capture(float, v) for v in losses]}
