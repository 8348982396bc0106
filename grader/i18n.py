"""The language students read: English, the language of every record, or Chinese (zh_CN).

Results stay in English (``result.json`` is the record an instructor and other tools read,
and its ids and messages must not depend on who ran the command); a report is translated
when it is rendered. Two kinds of text reach a student:

* the grader's own words, written in the source as ``N_("expected shape {expected}, got
  {got}")`` and formatted in English. The message catalogue ``grader/locale/zh_CN.po``
  (gettext's PO format, read with Babel) holds each such template with its translation;
* an assignment's words (check titles, hints, judges' messages), in the assignment's own
  catalogue ``assignments/NN/locale/zh_CN.po`` or given in both languages in the check file
  (``title={"en": ..., "zh": ...}``).

A finished English message is translated back through its template: ``expected shape [3],
got [4]`` matches ``expected shape {expected}, got {got}``, and the values in the braces are
kept (or translated in turn, when they are phrases such as ``a tensor of shape [3]``). What
no entry matches is left in English and recorded in :attr:`Translator.misses`, so that a
test can hold a catalogue complete.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

LANGS = ("en", "zh_CN")
"""The languages reports render in; ``en`` is also the language of every record."""

GRADER_CATALOGUES = Path(__file__).parent / "locale"
EXTRACT_KEYWORDS = {"N_": None, "tr": None, "_": None}
"""The names Babel's extractor reads messages from: ``N_("...")`` marks a template in
Python, ``tr("...", name=value)`` translates one with a :class:`Translator` named ``tr``,
and templates call ``_("...", name=value)``."""
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_MAX_DEPTH = 4


def N_(message: str) -> str:  # noqa: N802 (gettext's name for a message marked, not translated)
    """Marks an English template for the message catalogue; returns it unchanged (records
    are English). Babel's extractor finds every call by this name."""
    return message


def normalise(lang: str | None) -> str | None:
    """``zh``, ``zh-CN``, ``zh_CN.UTF-8``, ``zh_Hans`` → ``zh_CN``; ``en_GB``, ``C`` → ``en``;
    ``None`` for a language this grader has no catalogue for (and for nothing given)."""
    if not lang:
        return None
    code = lang.split(".")[0].split("@")[0].replace("-", "_").lower()
    if code.startswith("zh"):
        return "zh_CN"
    if code in ("c", "posix") or code.startswith("en"):
        return "en"
    return None


def choose(option: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language of a command: ``--lang``, then ``GRADE_LANG``, then the locale
    (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, as gettext reads them), else English.

    An unknown ``--lang`` is an error (:func:`parse`); an unknown locale is not (a student
    with ``fr_FR`` reads English)."""
    env = os.environ if environ is None else environ
    if option:
        return parse(option)
    if env.get("GRADE_LANG"):
        return parse(env["GRADE_LANG"])
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(name):
            return normalise(env[name]) or "en"
    return "en"


def parse(lang: str) -> str:
    """``lang`` as one of :data:`LANGS`, or ValueError naming the choices."""
    found = normalise(lang)
    if found is None:
        raise ValueError(f"unknown language {lang!r}: choose one of {', '.join(LANGS)} "
                         "(zh and zh-CN mean zh_CN)")
    return found


@dataclass(frozen=True)
class _Template:
    tokens: tuple[tuple[bool, str], ...]  # (is a placeholder, its name or the literal text)
    translation: str
    literal: int  # characters outside placeholders: the more, the more specific


def _template(msgid: str, msgstr: str) -> _Template | None:
    tokens: list[tuple[bool, str]] = []
    last = 0
    for m in _PLACEHOLDER.finditer(msgid):
        if m.start() > last:
            tokens.append((False, msgid[last:m.start()]))
        elif tokens and tokens[-1][0]:
            return None  # two placeholders side by side: no text tells them apart
        tokens.append((True, m.group(1)))
        last = m.end()
    if last < len(msgid):
        tokens.append((False, msgid[last:]))
    literal = sum(len(text) for placeholder, text in tokens if not placeholder)
    if literal == 0 or len(tokens) == 1:
        return None
    return _Template(tuple(tokens), msgstr, literal)


_MAX_SPLITS = 64
_SHAPES = {name: re.compile(pattern) for name, pattern in {
    "path": r"[^:\n]{1,80}",  # an observation's key path (x › [0] › grad), without a colon
    "count": r"\d+", "total": r"\d+", "line": r"\d+",
    # names of exercises: "{first} and {second}" must not read a sentence's "and"
    "first": r"[\w.]+(?: and [\w.]+)*", "second": r"[\w.]+", "exercise": r"[\w.]+",
}.items()}
"""What some placeholders can hold, by name, so that a template does not read a sentence
as a path (``{path}: {message}`` against ``zero it: where input <= 0``)."""
_PROSE = frozenset({"hint", "note", "message", "summary", "why"})
"""Placeholders that hold words of a catalogue (a hint, a note): one left in English is a
miss, where a value (a number, code, an exception's text) is not."""
_VERBATIM = frozenset({"exception", "code", "error"})
_LOOSE = frozenset({"detail"})  # a stub's own message, or whatever a student raised
_SENTENCE = re.compile(r"[A-Za-z]{2,}[ ,]+[A-Za-z]{2,}[ ,]+[A-Za-z]{2,}")
"""Three English words in a row: a placeholder value left so holds words the catalogue
lacks, and that reading is refused (the line stays English and is a miss) rather than
shown half translated."""
"""Placeholders whose value is never translated: code, and what an exception said (torch's
or the student's words, quoted as they were)."""



def _splits(tokens: tuple[tuple[bool, str], ...], text: str) -> Iterator[dict[str, str]]:
    """Every way ``text`` reads as ``tokens`` (a placeholder takes one character or more;
    a name used twice takes the same text), shortest placeholders first."""
    def walk(i: int, at: int, values: dict[str, str]) -> Iterator[dict[str, str]]:
        if i == len(tokens):
            if at == len(text):
                yield dict(values)
            return
        placeholder, value = tokens[i]
        if not placeholder:
            if text.startswith(value, at):
                yield from walk(i + 1, at + len(value), values)
            return
        if i + 1 == len(tokens):
            ends = [len(text)] if at < len(text) else []
        else:
            following = tokens[i + 1][1]
            ends, start = [], at + 1
            while (found := text.find(following, start)) != -1:
                ends.append(found)
                start = found + 1
        shape = _SHAPES.get(value)
        for end in ends:
            piece = text[at:end]
            if values.get(value, piece) != piece:
                continue
            if shape is not None and not shape.fullmatch(piece):
                continue
            values[value] = piece
            yield from walk(i + 1, end, values)
            if value in values and tokens.index((True, value)) == i:
                del values[value]

    return walk(0, 0, {})


@dataclass(eq=False)  # one translator is one object: hashable, a dataclass field's default
class Translator:
    """English text into :attr:`lang`. ``entries`` maps English (a whole message, or a
    template with ``{name}`` placeholders) to its translation."""

    lang: str = "en"
    entries: dict[str, str] = field(default_factory=dict)
    misses: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        found = (_template(k, v) for k, v in self.entries.items())
        self._templates = sorted((t for t in found if t is not None),
                                 key=lambda t: -t.literal)
        self._memo: dict[tuple[str, int], tuple[str, int, tuple[str, ...]] | None] = {}

    @property
    def english(self) -> bool:
        return self.lang == "en"

    def __call__(self, msgid: str, **values: object) -> str:
        """The grader's own words: ``msgid`` (marked with :func:`N_` in the source)
        translated, then formatted with ``values``."""
        text = msgid if self.english else self.entries.get(msgid) or msgid
        if not self.english and msgid not in self.entries:
            self.misses.add(msgid)
        return _fill(text, {k: str(v) for k, v in values.items()}) if values else text

    def text(self, english: str) -> str:
        """A finished English message (possibly several lines) in this language, line by
        line; leading spaces are kept. A line nothing matches stays English and is
        recorded in :attr:`misses`."""
        if self.english or not english:
            return english
        out = []
        for line in english.split("\n"):
            core = line.lstrip()
            if not core:
                out.append(line)
                continue
            found = self._phrase(core.rstrip(), 0)
            if found is None:
                self.misses.add(core.rstrip())
                out.append(line)
            else:
                out.append(line[:len(line) - len(core)] + found)
        return "\n".join(out)

    def _phrase(self, text: str, depth: int) -> str | None:
        found = self._best(text, depth)
        if found is None:
            return None
        self.misses.update(found[2])
        return found[0]

    def _best(self, text: str, depth: int) -> tuple[str, int, tuple[str, ...]] | None:
        """``text`` translated, how many of its characters the catalogue's words covered,
        and the prose inside it left in English: of the ways the templates read it, the one
        that covers most wins."""
        exact = self.entries.get(text)
        if exact:
            return exact, len(text), ()
        if depth >= _MAX_DEPTH:
            return None
        key = (text, depth)
        if key in self._memo:
            return self._memo[key]
        best: tuple[int, str, tuple[str, ...]] | None = None
        for template in self._templates:
            if best is not None and best[0] >= len(text):
                break  # every character is covered: no reading does better
            for n, values in enumerate(_splits(template.tokens, text)):
                if n == _MAX_SPLITS:
                    break
                covered, filled, prose = template.literal, {}, []
                for name, value in values.items():
                    if name in _VERBATIM:  # kept as it is, on purpose: accounted for
                        filled[name] = value
                        covered += len(value)
                        continue
                    inner = self._best(value, depth + 1)
                    if inner is None:
                        if name not in _LOOSE and _SENTENCE.search(value):
                            break  # English words the template does not account for
                        filled[name] = value
                        if name in _PROSE:
                            prose.append(value)
                        continue
                    filled[name], more = inner[0], inner[1]
                    covered += more
                    if name in _PROSE:
                        prose.extend(inner[2])
                else:
                    if best is None or covered > best[0]:
                        best = covered, _fill(template.translation, filled), tuple(prose)
        found = (best[1], best[0], best[2]) if best is not None else None
        self._memo[key] = found
        return found

    def with_entries(self, entries: Mapping[str, str]) -> Translator:
        """This translator with more entries (an assignment's catalogue) that take
        precedence over its own."""
        if self.english or not entries:
            return self
        return Translator(self.lang, {**self.entries, **entries}, self.misses)


def _fill(template: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def read_catalogue(path: Path) -> dict[str, str]:
    """The translated entries of a PO file (untranslated and fuzzy ones left out: they
    would show English dressed as translated, or a stale translation)."""
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        catalogue = read_po(f)
    return {str(m.id): str(m.string) for m in catalogue
            if m.id and m.string and not m.fuzzy and isinstance(m.id, str)}


@functools.cache
def _grader_entries(lang: str) -> dict[str, str]:
    """Every catalogue of ``grader/locale/<lang>/`` (one per part of the grader: grading,
    reports, the command line, the notebook)."""
    entries: dict[str, str] = {}
    for path in sorted((GRADER_CATALOGUES / lang).glob("*.po")):
        entries.update(read_catalogue(path))
    return entries


def translator(lang: str = "en", more: Iterable[Mapping[str, str]] = ()) -> Translator:
    """The grader's catalogue for ``lang``, with ``more`` entries (an assignment's) on top."""
    if lang == "en":
        return Translator("en")
    entries = dict(_grader_entries(lang))
    for extra in more:
        entries.update(extra)
    return Translator(lang, entries)


ENGLISH = Translator("en")
