"""The child: loads one module (a student's or the reference) and observes it.

It is forked from a warm zygote (:mod:`grader.sandbox.zygote`) that already imported torch
and the grader and loaded the assignment's check files; it gets its job (module, runs and
their time limits, resource limits) from the zygote, sets its own resource limits *before*
any submitted code is imported, and answers on a private pipe with the frames of
:mod:`grader.sandbox.protocol`: ``hello``, then ``loaded`` or ``load_failed``, then one
``observed`` or ``timeout`` per run, then ``done``. It judges nothing: every comparison
happens in the grader's process.
"""

from __future__ import annotations

import hashlib
import json
import linecache
import math
import operator
import os
import random
import signal
import sys
import threading
import time
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from grader.intake.source_text import decode_source, source_lines

if TYPE_CHECKING:
    from grader.model.authoring import CheckSpec
    from grader.sandbox.protocol import CellSpec, ChildFrame, ChildJob, RunSpec, SourceSpec

# Bound before any submitted code can replace them.
_len, _any, _map, _tuple, _enumerate = len, any, map, tuple, enumerate
_isinstance, _setattr, _delattr, _vars = isinstance, setattr, delattr, vars
_is_not = operator.is_not
_exit = os._exit
_monotonic = time.monotonic
_setitimer = getattr(signal, "setitimer", None)
try:
    import resource
except ImportError:  # Windows: no rlimits (grader.sandbox.host says what that costs)
    resource = None  # type: ignore[assignment]


class Clock:
    """A check's (or a cell's) time limit: :meth:`arm` before it runs, :meth:`disarm`
    after; when it runs out, :class:`~grader.errors.CheckTimeout` is raised in the main
    thread.

    By ``SIGALRM`` where there is one (an interval timer); elsewhere (Windows) by a watchdog
    thread that interrupts the main thread (``_thread.interrupt_main``), which Python
    delivers between two bytecodes: a single long call into C finishes first, and the
    grader's wall clock is what ends it. Either way the handler raises only while armed, so
    an interruption that arrives just after :meth:`disarm` is ignored.
    """

    def __init__(self, use_signal: bool) -> None:
        from grader.errors import CheckTimeout

        self._timer = _setitimer if use_signal else None
        self._armed = False
        self._deadline = 0.0
        self._wake = threading.Condition()
        self._watchdog: threading.Thread | None = None

        def on_time_out(signum: int, frame: Any) -> None:
            if self._armed:
                self._armed = False
                raise CheckTimeout()

        signal.signal(signal.SIGALRM if self._timer is not None else signal.SIGINT, on_time_out)

    def arm(self, seconds: float) -> None:
        self._armed = True
        if self._timer is not None:
            self._timer(signal.ITIMER_REAL, seconds)
            return
        with self._wake:
            self._deadline = _monotonic() + seconds
            if self._watchdog is None:
                self._watchdog = threading.Thread(target=self._watch, daemon=True,
                                                  name="grade-clock")
                self._watchdog.start()
            self._wake.notify()

    def disarm(self) -> None:
        self._armed = False
        if self._timer is not None:
            self._timer(signal.ITIMER_REAL, 0)

    def _watch(self) -> None:
        import _thread

        with self._wake:
            while True:
                left = self._deadline - _monotonic()
                if self._armed and left <= 0:
                    _thread.interrupt_main(signal.SIGINT)
                    self._wake.wait()  # until the next arm
                else:
                    self._wake.wait(left if self._armed else None)


def _user_process_count() -> int:
    """Processes and threads of this user now: RLIMIT_NPROC counts them all, not just ours."""
    uid = os.getuid()
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid == uid:
                count += len(os.listdir(f"/proc/{entry}/task"))
        except OSError:
            continue
    return count


def _vm_size() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def apply_limits(limits: dict[str, Any], rlimits: bool = True, proc: bool | None = None
                 ) -> None:
    """Set hard and soft rlimits, so submitted code cannot raise them again: those the host
    has (``rlimits``; the process and memory caps count from what exists now, which only
    ``/proc`` tells: default, whether it is there)."""
    if not rlimits or resource is None:
        return
    if proc is None:
        proc = os.path.isfile("/proc/self/status")

    def both(which: int, value: int) -> None:
        resource.setrlimit(which, (value, value))

    both(resource.RLIMIT_CORE, 0)
    used = resource.getrusage(resource.RUSAGE_SELF)  # the limit counts from now, not from exec
    cpu = math.ceil(used.ru_utime + used.ru_stime) + int(limits["cpu_s"])
    # SIGXCPU at the soft limit says why; SIGKILL one second later if it is ignored.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    both(resource.RLIMIT_FSIZE, int(limits["file_size_mb"]) << 20)
    both(resource.RLIMIT_NOFILE, int(limits["open_files"]))
    if not proc:
        return
    both(resource.RLIMIT_NPROC, _user_process_count() + int(limits["processes"]))
    both(resource.RLIMIT_AS, _vm_size() + (int(limits["memory_mb"]) << 20))


class _Patchables:
    """Attributes of the modules that scenarios and the wire rely on, as they were at start.

    Restored before every run, so a module that patches ``torch.allclose``, ``builtins`` or
    ``torch.Tensor.__eq__`` at import does not change how the next scenario observes.
    """

    def __init__(self, targets: list[Any]) -> None:
        self._saved = [(t, dict(vars(t))) for t in targets]
        # What each namespace looked like after the last restore: when nothing was set,
        # added or removed since, a comparison by identity in C (about 0.1 ms for the
        # thousands of names of torch, numpy and the rest) stands in for the full restore.
        self._clean = [_fingerprint(vars(t)) for t in targets]
        # Cheaper still where CPython's dict version tags can be read: a namespace whose
        # tag is the one it had after the last restore has not been written to since (the
        # tag changes on every write and never comes back), so restore() costs a few
        # microseconds instead of that comparison, twice per run.
        self._version = _dict_version_reader()
        self._dicts = [_underlying_dict(vars(t)) for t in targets]
        self._versions = [self._tag(d) for d in self._dicts]

    def _tag(self, namespace: dict[str, Any]) -> int:
        return self._version(namespace) if self._version is not None else -1

    def restore(self) -> None:
        version, versions, dicts = self._version, self._versions, self._dicts
        for i, (target, saved) in _enumerate(self._saved):
            if version is not None and version(dicts[i]) == versions[i]:
                continue
            current = _vars(target)
            keys, values = self._clean[i]
            if (_len(current) == _len(keys) and not _any(_map(_is_not, current, keys))
                    and not _any(_map(_is_not, current.values(), values))):
                versions[i] = self._tag(dicts[i])  # written, but as it was
                continue
            added = [n for n, v in current.items()
                     if n not in saved and not _isinstance(v, types.ModuleType)]
            for name in added:  # submodules imported lazily since the snapshot stay
                try:
                    _delattr(target, name)
                except (AttributeError, TypeError):
                    pass
            for name, value in saved.items():
                if current.get(name, _MISSING) is not value:
                    try:
                        _setattr(target, name, value)
                    except (AttributeError, TypeError):
                        pass
            self._clean[i] = _fingerprint(current)
            versions[i] = self._tag(dicts[i])


def _dict_version_reader() -> Callable[[dict[str, Any]], int] | None:
    """A reader of a dict's version tag (``ma_version_tag``, right after the object header
    and ``ma_used`` in CPython 3.11's ``PyDictObject``), or None where a self-test finds it
    does not behave as one: it must stay put while a dict is only read and change on an
    insertion, a deletion and a replaced value (which leaves ``ma_used`` as it was)."""
    if sys.implementation.name != "cpython":
        return None
    import ctypes

    offset = object.__basicsize__ + ctypes.sizeof(ctypes.c_ssize_t)
    from_address = ctypes.c_uint64.from_address
    _id = id

    def version(namespace: dict[str, Any]) -> int:
        return from_address(_id(namespace) + offset).value

    probe: dict[str, Any] = {"a": 1}
    tags = [version(probe), version(probe)]
    probe["a"] = 2
    tags.append(version(probe))
    probe["b"] = 3
    tags.append(version(probe))
    del probe["b"]
    tags.append(version(probe))
    if tags[0] != tags[1] or _len(set(tags[1:])) != 4:
        return None
    return version


def _underlying_dict(namespace: Any) -> dict[str, Any]:
    """A class's ``vars()`` is a read-only proxy of its dict: the dict itself, whose tag
    changes when the class is written to."""
    import gc

    mapping = namespace if isinstance(namespace, dict) else gc.get_referents(namespace)[0]
    if not isinstance(mapping, dict):
        raise TypeError(f"not a namespace: {type(namespace).__name__}")
    return mapping


def _fingerprint(namespace: dict[str, Any]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    return _tuple(namespace), _tuple(namespace.values())


_MISSING = object()

class _CodeSeal:
    """The code of the grader's functions that build and send frames, as it was loaded.

    :class:`_Patchables` puts back what a submission assigned in a module's namespace; this
    sees what that cannot: a function whose ``__code__``, defaults or closure were swapped in
    place (``encode_value.__code__ = forged.__code__``). Checked before every frame is sent:
    a child whose encoder is not the grader's any more refuses to speak for it.
    """

    def __init__(self, modules: list[types.ModuleType]) -> None:
        self._sealed: list[tuple[Any, Any, Any, Any]] = []
        for module in modules:
            for value in _tuple(vars(module).values()):
                for fn in _functions_of(value, module.__name__):
                    self._sealed.append((fn, fn.__code__, fn.__defaults__, fn.__kwdefaults__))

    def intact(self) -> bool:
        for fn, code, defaults, kwdefaults in self._sealed:
            if (fn.__code__ is not code or fn.__defaults__ is not defaults
                    or fn.__kwdefaults__ is not kwdefaults):
                return False
        return True


def _functions_of(value: Any, module: str) -> list[Any]:
    """The plain functions a module defines: its own, and the methods of its own classes."""
    if _isinstance(value, types.FunctionType) and value.__module__ == module:
        return [value]
    if _isinstance(value, type) and value.__module__ == module:
        found = []
        for member in _tuple(vars(value).values()):
            inner = getattr(member, "__func__", member)
            if _isinstance(inner, types.FunctionType):
                found.append(inner)
        return found
    return []


def _new_module(name: str, path: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__file__ = path
    sys.modules[name] = module
    return module


def _load_module(name: str, path: str, display: str) -> types.ModuleType:
    """Run the file at ``path`` as module ``name``, its code and lines known as ``display``:
    its bytes decoded as Python decodes a file it imports (byte-order mark, coding line,
    CRLF and CR endings), a file Python would refuse being a SyntaxError at its line."""
    with open(path, "rb") as f:
        source = decode_source(f.read(), display)
    module = _new_module(name, path)
    lines = source_lines(source)
    linecache.cache[display] = (len(source), None, lines, display)
    code = compile(source, display, "exec", dont_inherit=True)
    exec(code, module.__dict__)
    return module


class _Shell:
    """What a notebook's ``get_ipython()`` returns here: IPython's transformers turn magics,
    shell escapes and help into calls on it. Cell magics that only measure (``%%time``,
    ``%%timeit``, ``%%capture``) run their body once, ``%%writefile`` writes its file (into
    the work dir, like any file the notebook writes); everything else (shell commands,
    ``%matplotlib``, ``%%bash``) does nothing."""

    _RUN_BODY = ("time", "timeit", "capture", "prun")

    def __init__(self, namespace: dict[str, Any]) -> None:
        self._namespace = namespace

    def run_line_magic(self, name: str, line: str, *args: Any, **kwargs: Any) -> None:
        return None

    def run_cell_magic(self, name: str, line: str, body: str) -> None:
        if name in self._RUN_BODY:
            # The magic's own line is the cell's first: keep the body's line numbers.
            exec(compile("\n" + body, self._namespace.get("__cell__", "<cell>"), "exec"),
                 self._namespace)
        elif name == "writefile":
            words = line.split()
            append = bool({"-a", "--append"} & set(words))
            target = next((w for w in words if not w.startswith("-")), None)
            if target:
                with open(target, "a" if append else "w", encoding="utf-8") as f:
                    f.write(body)

    def system(self, command: str) -> None:
        return None

    def getoutput(self, command: str, *args: Any, **kwargs: Any) -> list[str]:
        return []


def _run_cells(module: types.ModuleType, display: str, cells: list[CellSpec],
               cell_s: float, send: Callable[[ChildFrame], None],
               restore: Callable[[], None], clock: Clock) -> None:
    """Run a notebook's cells into ``module``, each under its own time limit; a cell that
    fails is reported and the next one runs, as the module's definitions so far stand."""
    from grader.errors import CheckTimeout
    from grader.sandbox.codec import encode_raised

    namespace = module.__dict__
    shell = _Shell(namespace)
    namespace["get_ipython"] = lambda: shell
    namespace["display"] = lambda *args, **kwargs: None
    for cell in cells:
        if cell["mode"] == "skip":
            continue
        number = cell["number"]
        filename = f"{display}, cell {number}"
        source = cell["source"]
        linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True),
                                     filename)
        namespace["__cell__"] = filename
        restore()  # what the cell before patched must not break the channel
        send({"kind": "cell", "cell": number})
        try:
            code = compile(source, filename, "exec", dont_inherit=True)
            clock.arm(cell_s)
            try:
                exec(code, namespace)
            finally:
                clock.disarm()
        except CheckTimeout:
            restore()
            send({"kind": "cell_failed", "cell": number, "timeout": True})
        except BaseException as exc:  # SyntaxError and SystemExit included: the next cell runs
            restore()
            send({"kind": "cell_failed", "cell": number, "error": encode_raised(exc)})
    namespace.pop("__cell__", None)


def _patched(module: types.ModuleType, patch: Any) -> types.ModuleType:
    copy = types.ModuleType(module.__name__)
    copy.__dict__.update(module.__dict__)
    copy.__dict__.update(dict(patch))
    return copy


def seeder() -> Callable[[int, str, bool], Any]:
    """The function that makes a scenario's ``rng``: ``(seed, device, cuda)`` → a generator
    on ``device`` seeded with the check's seed, after the global generators (torch's, CUDA's
    where it runs, ``random``'s and numpy's) are seeded with another: code that draws from
    them instead of the generator it was given must not happen to draw the very same
    numbers. Everything it calls is bound now, before a submission could replace it."""
    import numpy.random
    import torch

    # torch.manual_seed would queue a lazy seed for every accelerator that is not
    # initialised, formatting the Python stack each time (a third of a check's time in a
    # child): the CPU generator is seeded directly, CUDA's where it runs.
    seed_cpu, seed_cuda = torch.default_generator.manual_seed, torch.cuda.manual_seed_all
    seed_random, seed_numpy, generator = random.seed, numpy.random.seed, torch.Generator
    digest, from_bytes = hashlib.sha256, int.from_bytes

    def seeded_generator(seed: int, device: str, cuda: bool) -> Any:
        # Not seed + k: a check may seed a generator of its own with rng.initial_seed() + k,
        # and code that ignores it would then draw the expected numbers from the global one.
        global_seed = from_bytes(digest(b"global:%d" % seed).digest()[:4], "little")
        seed_cpu(global_seed)
        if cuda:
            seed_cuda(global_seed)
        seed_random(global_seed)
        seed_numpy(global_seed)
        return generator(device=device).manual_seed(seed)

    return seeded_generator


class Runtime:
    """What every child needs before its job: torch and the grader imported, the timeout
    alarm installed, a snapshot of the modules a submission might patch.

    A zygote (:mod:`grader.sandbox.zygote`) builds it once, before its first fork, and every
    child it forks inherits it.
    """

    def __init__(self, alarm: bool = True) -> None:
        import builtins
        import math

        import numpy
        import numpy.random
        import torch
        import torch.nn.functional

        # Imported here, not in each child: a zygote's children find them loaded.
        import grader.model.assignments
        import grader.sandbox.codec
        import grader.sandbox.wire  # noqa: F401
        torch.set_num_threads(1)
        self.checks: dict[str, dict[str, CheckSpec] | Exception] = {}
        self.seeded_generator = seeder()

        self.clock = Clock(use_signal=alarm)
        import grader.model.authoring
        import grader.model.observations

        gradcheck_module = sys.modules["torch.autograd.gradcheck"]
        # The grader's own modules in the child are the channel: a submission that swaps
        # the encoder by name is undone before every run and every frame, and one that
        # swaps its code in place is caught by the seal.
        channel = [grader.sandbox.codec, grader.sandbox.wire, grader.model.observations,
                   grader.model.authoring]
        self.patchables = _Patchables([builtins, math, random, torch, torch.Tensor,
                                       torch.autograd, gradcheck_module, torch.testing,
                                       torch.nn.functional, numpy, json, json.encoder,
                                       *channel])
        self.seal = _CodeSeal([*channel, sys.modules[__name__]])

    def warm_up(self, optimizers: bool) -> None:
        """Run what torch imports lazily on first use (autograd's engine, functional
        Jacobians, gradcheck; with ``optimizers``, ``torch.optim``, whose first optimizer
        imports ``torch._dynamo``: a second of CPU that assignments without optimizers need
        not pay), on the CPU only: CUDA must never start in a forking parent."""
        import torch
        import torch.autograd.functional

        x = torch.randn(4, 3, requires_grad=True)
        layer = torch.nn.Linear(3, 2)
        loss = torch.nn.functional.cross_entropy(layer(torch.relu(x)), torch.tensor([0, 1, 0, 1]))
        loss.backward()  # type: ignore[no-untyped-call]
        torch.autograd.functional.jacobian(  # type: ignore[no-untyped-call]
            torch.tanh, torch.randn(3, dtype=torch.float64))
        torch.autograd.gradcheck(torch.sin, (torch.randn(2, dtype=torch.float64,
                                                         requires_grad=True),))
        if optimizers:
            optimizer = torch.optim.SGD([x, *layer.parameters()], lr=0.1)
            optimizer.step()
            optimizer.zero_grad()
        self.patchables.restore()

    def load_checks(self, key: str, assignment: str, sources: list[SourceSpec]) -> None:
        """Compile and execute an assignment's check files once, under ``key``: in a zygote,
        before it forks, so that its children find the checks ready (the grader's process
        loads the same files at start, so they do not touch CUDA either). A failure is kept
        and raised in the child that needs them, as when each child loaded them itself."""
        from grader.model.assignments import load_check_sources
        from grader.model.plan import CheckSource

        if key in self.checks:
            return
        try:
            specs = load_check_sources([CheckSource(**s) for s in sources], assignment)
            self.checks[key] = {spec.id: spec for spec in specs}
        except Exception as exc:
            self.checks[key] = exc
        self.patchables.restore()

    def run_job(self, job: ChildJob, out_fd: int) -> None:
        """Load the job's module and observe every run of it; ends the process."""
        import torch

        from grader.errors import CheckTimeout
        from grader.model.observations import Raised
        from grader.sandbox.codec import encode_raised, encode_value
        from grader.sandbox.protocol import TAMPERED_EXIT as tampered
        from grader.sandbox.wire import write_frames

        patchables, seal, clock = self.patchables, self.seal, self.clock

        def send(*frames: ChildFrame) -> None:
            patchables.restore()
            if not seal.intact():
                _exit(tampered)
            write_frames(out_fd, *frames)

        cuda = job["allow_cuda"] and torch.cuda.is_available()
        send({"kind": "hello", "cuda": torch.cuda.get_device_name(0) if cuda else None})

        sources = job["sources"]
        if sources is not None:
            self.load_checks(job["checks"], job["assignment"], sources)
        specs = self.checks[job["checks"]]
        if isinstance(specs, Exception):
            raise specs
        workdir, path = job["workdir"], job["path"]
        scratch = job.get("scratch")
        if scratch is not None:  # the strict level: the given work dir is read-only here
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)
            shutil.copytree(workdir, scratch)
            path = os.path.join(scratch, os.path.relpath(path, workdir))
            workdir = scratch
        os.chdir(workdir)
        sys.path.insert(0, workdir)
        sys.argv = [job["display"]]
        if cuda:  # CUDA maps much address space at start: map it before the limit is set
            warm = torch.randn(8, 8, device="cuda", requires_grad=True)
            (warm @ warm).sum().backward()  # type: ignore[no-untyped-call]
            torch.cuda.synchronize()
        host = job.get("host") or {}
        apply_limits(job["limits"], host.get("rlimits", True), host.get("proc", True))

        try:
            if job["cells"]:
                module = _new_module(job["module"], path)
                _run_cells(module, job["display"], job["cells"], float(job["limits"]["cell_s"]),
                           send, patchables.restore, self.clock)
            else:
                module = _load_module(job["module"], path, job["display"])
        except BaseException as exc:  # SyntaxError, SystemExit, anything: a result, not a crash
            patchables.restore()
            send({"kind": "load_failed", "error": encode_raised(exc)})
            _exit(0)
        patchables.restore()  # what the import patched must not break the channel
        # Runs on a device this child lacks are answered with the news that it loaded.
        runs: list[RunSpec] = [run for run in job["runs"] if cuda or run["device"] != "cuda"]
        skipped: list[ChildFrame] = [
            {"kind": "skipped", "check": run["check"], "device": "cuda", "hint": run["hint"],
             "reason": "no CUDA device here"}
            for run in job["runs"] if not cuda and run["device"] == "cuda"]
        send({"kind": "loaded"}, *skipped)

        for run in runs:
            patchables.restore()
            spec = specs[run["check"]]
            check, device, hint = run["check"], run["device"], run["hint"]
            target = module if hint is None else _patched(module, spec.hints[hint].patch)
            started = _monotonic()
            try:
                rng = self.seeded_generator(int(run["seed"]), device, cuda)
                clock.arm(run["time_limit_s"])
                try:
                    value = spec.scenario(target, device, rng)
                finally:
                    clock.disarm()
                    patchables.restore()
            except CheckTimeout:
                send({"kind": "timeout", "check": check, "device": device, "hint": hint,
                      "duration_s": _monotonic() - started})
                continue
            except BaseException as exc:
                value = Raised.from_exception(exc)
            elapsed = _monotonic() - started
            try:
                encoded = encode_value(value)
            except BaseException as exc:  # an observation the codec cannot encode
                encoded = encode_raised(exc)
            send({"kind": "observed", "check": check, "device": device, "hint": hint,
                  "value": encoded, "duration_s": elapsed})
        send({"kind": "done"})
        _exit(0)
