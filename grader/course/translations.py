"""``grade translate``: an assignment's catalogue of its own words, kept in step with its
checks.

An assignment speaks through its title, its check titles and its hints (and its judges'
messages, which are code and are added to the catalogue by hand, as templates). This
collects the first three from the check files, public and hidden, and merges them into
``assignments/NN/locale/<lang>.po`` with Babel: new strings are added untranslated, each
with the checks that use it as its location; translations already made are kept; strings no
check uses any more are kept as obsolete (``#~``), so that a title reworded back finds its
translation. Entries written by hand (templates for judges' messages) carry the flag
``manual`` and are never made obsolete.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError
from grader.i18n import LANGS
from grader.model.assignments import Assignment

MANUAL = "manual"
"""The flag of an entry written by hand (a judge's message as a template)."""


HEADER = """\
# {lang} words of the assignment {name}: its title, check titles and hints, and its
# judges' messages (as templates, flagged `manual`). `grade translate` keeps it in step
# with the checks; a string left without a translation shows in English."""


@dataclass(frozen=True)
class CatalogueOutcome:
    """One assignment's catalogue updated: where, how many strings, how many still lack a
    translation (which then show in English), and those."""

    assignment: str
    path: Path
    strings: int
    added: int
    untranslated: tuple[str, ...]


def assignment_strings(assignment: Assignment) -> dict[str, list[str]]:
    """Every English string of ``assignment``'s own that a student may read (its title, check
    titles, hints, and its contracts' reasons), with the ids of the checks that use it (the
    assignment's title has none), in order of appearance.
    Strings given in several languages in the check files are left out: they carry their
    translations with them."""
    given = {english for spec in assignment.checks for _, english, _ in spec.translations}
    found: dict[str, list[str]] = {}
    if assignment.title and assignment.title != assignment.name:
        found.setdefault(assignment.title, [])
    for spec in assignment.checks:
        for text in (spec.title, *(h.message for h in spec.hints)):
            if text not in given:
                found.setdefault(text, []).append(spec.id)
    for exercise, contract in assignment.contracts.items():
        if contract.reason:  # "not accepted: ... must not use torch.optim: <reason>"
            found.setdefault(contract.reason, []).append(f"{exercise} (assignment.toml)")
    return found


def update_catalogue(assignment: Assignment, lang: str) -> CatalogueOutcome:
    """Merge :func:`assignment_strings` into the assignment's ``locale/<lang>.po``."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    if lang == "en" or lang not in LANGS:
        raise UsageError(f"no catalogue is kept for {lang!r}: choose one of "
                         f"{', '.join(x for x in LANGS if x != 'en')}")
    path = assignment.root / "locale" / f"{lang}.po"
    if path.is_file():
        with path.open("rb") as f:
            old = read_po(f, locale=lang)
    else:
        old = Catalog(locale=lang)
    strings = assignment_strings(assignment)
    # The header's dates stay those of the first catalogue: a run that adds nothing
    # changes nothing.
    new = Catalog(locale=lang, project=assignment.name, version="1", charset="utf-8",
                  fuzzy=False, header_comment=HEADER.format(name=assignment.name, lang=lang),
                  creation_date=old.creation_date, revision_date=old.revision_date,
                  last_translator=old.last_translator, language_team=old.language_team)
    added = 0
    for text, ids in strings.items():
        before = old.get(text)
        if before is None:
            added += 1
        new.add(text, before.string if before is not None else "",
                locations=[(check_id, 0) for check_id in ids],
                user_comments=list(before.user_comments) if before is not None else [])
    for message in old:
        if not isinstance(message.id, str) or not message.id or message.id in strings:
            continue
        if MANUAL in message.flags:
            new.add(message.id, message.string, flags=message.flags,
                    user_comments=list(message.user_comments))
        else:
            new.obsolete[message.id] = message
    for key, message in old.obsolete.items():
        if key not in strings and new.get(key) is None:
            new.obsolete[key] = message
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, new, width=0, omit_header=False, include_lineno=False,
                 sort_output=False)
    untranslated = tuple(str(m.id) for m in new if m.id and not m.string)
    return CatalogueOutcome(assignment.name, path, len(strings), added, untranslated)


def public_catalogue(assignment: Assignment, path: Path) -> bytes:
    """The catalogue at ``path`` as students receive it: only what the public checks and
    the assignment say (titles, hints, contract reasons, and the hand-written templates whose
    every piece of text is in the public checks' source), with no locations. The whole
    catalogue would carry the hidden checks' titles and hints into the students' copy."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    with path.open("rb") as f:
        full = read_po(f, locale=path.stem)
    public_source = "\n".join(s.source for s in assignment.sources_in("public"))
    hidden_words = {text for spec in assignment.hidden_checks()
                    for text in (spec.title, *(h.message for h in spec.hints))}
    public_words = {text for spec in assignment.public_checks()
                    for text in (spec.title, *(h.message for h in spec.hints))}
    public_words |= {c.reason for c in assignment.contracts.values() if c.reason}
    public_words.add(assignment.title)
    kept = Catalog(locale=full.locale, project=assignment.name, version="1", charset="utf-8",
                   fuzzy=False, header_comment=full.header_comment,
                   creation_date=full.creation_date, revision_date=full.revision_date)
    for message in full:
        text = message.id
        if not isinstance(text, str) or not text or not message.string:
            continue
        if text in public_words or (MANUAL in message.flags and text not in hidden_words
                                    and _pieces_in(text, public_source)):
            kept.add(text, message.string)
    out = io.BytesIO()
    write_po(out, kept, width=0, omit_header=False, include_lineno=False,
             include_previous=False, sort_output=False, ignore_obsolete=True)
    return out.getvalue()


def _pieces_in(template: str, source: str) -> bool:
    """Every piece of ``template``'s own text (around its placeholders) is in ``source``."""
    pieces = [p.strip() for p in re.split(r"\{\w+\}", template)]
    return all(p in source for p in pieces if len(p) >= 3)
