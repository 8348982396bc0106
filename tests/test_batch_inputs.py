"""The SUBMISSIONS folder of ``grade batch``: ids from names, and zips unpacked safely.

Every archive here is a real zip written at test time; every refused zip must leave the
disk as it was (nothing outside ``workspace/<id>``, and no half-unpacked folder either).
"""

from __future__ import annotations

import stat
import warnings
import zipfile
from pathlib import Path

import pytest

from grader.errors import UsageError
from grader.intake.batch_inputs import (
    MAX_ZIP_BYTES,
    MAX_ZIP_MEMBERS,
    Entry,
    compile_id_pattern,
    discover_entries,
    prepare,
)
from grader.intake.submissions import module_from_path
from grader.model.assignments import Assignment

MODULE = "custom_function"
STUB = b"def f(x):\n    return x\n"


def make_zip(path: Path, members: dict[str, bytes],
             compression: int = zipfile.ZIP_DEFLATED) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def zeros_zip(path: Path, size: int, compression: int) -> Path:
    """A zip of one member of ``size`` zero bytes, written without holding it in memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression) as archive:
        with archive.open("custom_function.py", "w") as out:
            chunk = bytes(1 << 20)
            for _ in range(size >> 20):
                out.write(chunk)
    return path


def tree(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.lstat().st_size for p in root.rglob("*")}


def refused(tmp_path: Path, archive: Path, entry_id: str = "alice") -> str:
    """Prepare ``archive`` and insist it was refused without touching the disk."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    before = tree(tmp_path)
    prepared = prepare(Entry(entry_id, archive, "zip"), work, MODULE)
    assert prepared.path is None
    assert prepared.problem is not None and prepared.problem.startswith(f"{archive.name}: ")
    assert tree(tmp_path) == before
    return prepared.problem


def unpacked(tmp_path: Path, archive: Path, entry_id: str = "alice") -> Path:
    prepared = prepare(Entry(entry_id, archive, "zip"), tmp_path / "work", MODULE)
    assert prepared.problem is None
    assert prepared.path is not None
    assert prepared.path.is_relative_to(tmp_path / "work" / entry_id)
    return prepared.path


# --- discovery: which entries, which ids ---------------------------------------------------

def test_each_kind_of_entry_is_named_by_its_id(tmp_path: Path) -> None:
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "custom_function.py").write_bytes(STUB)
    (tmp_path / "bob.py").write_bytes(STUB)
    (tmp_path / "carol.ipynb").write_text("{}")
    make_zip(tmp_path / "dave.zip", {"custom_function.py": STUB})

    found = discover_entries(tmp_path, MODULE)

    assert [(e.id, e.source.name, e.kind) for e in found.entries] == [
        ("alice", "alice", "folder"), ("bob", "bob.py", "py"),
        ("carol", "carol.ipynb", "ipynb"), ("dave", "dave.zip", "zip")]
    assert found.ignored == () and found.problems == ()


def test_an_id_is_the_whole_name_without_the_extension(tmp_path: Path) -> None:
    names = ["hw4_alice.py", "hw4_bob.py", "bug_relu.py", "bug_leaky.py",
             "custom_function_v2.py", "frank_late_99_homework.ipynb"]
    for name in names:
        (tmp_path / name).write_bytes(STUB)
    make_zip(tmp_path / "gus_1_custom_function.zip", {"custom_function.py": STUB})
    (tmp_path / "zhang_san").mkdir()  # a folder keeps its whole name

    found = discover_entries(tmp_path, MODULE)

    expected = sorted([(n.rsplit(".", 1)[0], n) for n in names]
                      + [("gus_1_custom_function", "gus_1_custom_function.zip"),
                         ("zhang_san", "zhang_san")])
    assert [(e.id, e.source.name) for e in found.entries] == expected
    assert found.problems == () and found.refused == ()


def test_entries_come_sorted_by_id_whatever_the_file_names(tmp_path: Path) -> None:
    for name in ("zed.py", "adam_9_1_x.py", "mia.ipynb"):
        (tmp_path / name).write_bytes(STUB)
    (tmp_path / "bea").mkdir()

    ids = [e.id for e in discover_entries(tmp_path, MODULE).entries]

    assert ids == ["adam", "bea", "mia", "zed"]


@pytest.mark.parametrize("name", ["custom_function.py", "custom_function.ipynb",
                                  "custom_function.zip"])
def test_a_file_named_like_the_stub_names_no_student(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(STUB)

    found = discover_entries(tmp_path, MODULE)

    assert found.entries == ()
    [problem] = found.problems
    assert problem.id is None
    assert problem.message.startswith(f"{name}: no student id")


def test_two_entries_with_one_id_are_both_refused_and_both_named(tmp_path: Path) -> None:
    (tmp_path / "alice.py").write_bytes(STUB)
    make_zip(tmp_path / "alice_123_456_custom_function.zip", {"custom_function.py": STUB})
    (tmp_path / "Bob").mkdir()
    (tmp_path / "bob.ipynb").write_text("{}")
    (tmp_path / "carol.py").write_bytes(STUB)

    found = discover_entries(tmp_path, MODULE)

    assert [e.id for e in found.entries] == ["carol"]
    messages = {p.id: p.message for p in found.problems}
    assert set(messages) == {"alice", "Bob"}
    assert "alice.py" in messages["alice"]
    assert "alice_123_456_custom_function.zip" in messages["alice"]
    assert "Bob" in messages["Bob"] and "bob.ipynb" in messages["Bob"]


def test_other_files_are_ignored_and_listed_hidden_ones_are_not(tmp_path: Path) -> None:
    (tmp_path / "alice.py").write_bytes(STUB)
    (tmp_path / "notes.txt").write_text("grading notes")
    (tmp_path / "bob.PY").write_bytes(STUB)
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    (tmp_path / ".git").mkdir()
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / "__pycache__").mkdir()

    found = discover_entries(tmp_path, MODULE)

    assert [e.id for e in found.entries] == ["alice"]
    assert sorted(p.name for p in found.ignored) == ["bob.PY", "notes.txt"]
    assert found.problems == ()


@pytest.mark.parametrize("name", ["grades.csv", "Summary.html", "a\\b", "tab\there", "x" * 129,
                                  "a..b"])
def test_an_id_that_cannot_name_a_folder_is_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / name).mkdir()
    (tmp_path / "fine").mkdir()

    found = discover_entries(tmp_path, MODULE)

    assert [e.id for e in found.entries] == ["fine"]
    [problem] = found.problems
    assert problem.message.startswith(f"{name}: the id ")


def test_submissions_must_be_a_folder(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a folder of submissions"):
        discover_entries(tmp_path / "missing", MODULE)
    (tmp_path / "a.py").write_bytes(STUB)
    with pytest.raises(UsageError):
        discover_entries(tmp_path / "a.py", MODULE)


# --- prepare: where each submission is ----------------------------------------------------

@pytest.mark.parametrize("kind", ["folder", "py", "ipynb"])
def test_a_folder_or_file_is_graded_where_it_is(tmp_path: Path, kind: str) -> None:
    source = tmp_path / "subs" / ("alice" if kind == "folder" else f"alice.{kind}")
    source.parent.mkdir()
    if kind == "folder":
        source.mkdir()
    else:
        source.write_bytes(STUB)
    work = tmp_path / "work"

    [entry] = discover_entries(source.parent, MODULE).entries
    prepared = prepare(entry, work, MODULE)

    assert (prepared.id, prepared.path, prepared.problem) == ("alice", source, None)
    assert not work.exists()


def test_a_zip_with_files_at_its_root_gives_its_folder(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "alice.zip",
                       {"custom_function.py": STUB, "data/points.csv": b"1,2\n"})

    path = unpacked(tmp_path, archive)

    assert path == tmp_path / "work" / "alice"
    assert (path / "custom_function.py").read_bytes() == STUB
    assert (path / "data" / "points.csv").read_bytes() == b"1,2\n"


def test_a_zip_with_one_top_folder_gives_that_folder(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "alice.zip", {
        "hw4/": b"", "hw4/custom_function.py": STUB, "hw4/helper.py": b"X = 1\n",
        "__MACOSX/hw4/._custom_function.py": b"junk", "hw4/.DS_Store": b"junk"})

    path = unpacked(tmp_path, archive)

    assert path == tmp_path / "work" / "alice" / "hw4"
    assert sorted(p.name for p in path.iterdir()) == ["custom_function.py", "helper.py"]
    assert not (tmp_path / "work" / "alice" / "__MACOSX").exists()


def test_a_zip_holding_the_stubs_notebook_gives_its_folder(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "alice.zip", {"custom_function.ipynb": b"{}",
                                                "other.py": STUB})

    path = unpacked(tmp_path, archive)

    assert path == tmp_path / "work" / "alice"


@pytest.mark.parametrize("name", ["my_work.ipynb", "Custom Function (1).py"])
def test_a_zip_with_one_file_of_another_name_gives_that_file(tmp_path: Path, name: str) -> None:
    archive = make_zip(tmp_path / "alice.zip", {f"top/{name}": STUB, "top/notes.md": b"hi"})

    path = unpacked(tmp_path, archive)

    assert path == tmp_path / "work" / "alice" / "top" / name
    assert path.read_bytes() == STUB


def test_unpacking_keeps_the_saved_times(tmp_path: Path) -> None:
    archive = tmp_path / "alice.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr(zipfile.ZipInfo("custom_function.py", (2024, 3, 1, 10, 0, 0)), STUB)
        out.writestr(zipfile.ZipInfo("custom_function.ipynb", (2024, 3, 2, 10, 0, 0)), b"{}")

    path = unpacked(tmp_path, archive)

    py, nb = (path / "custom_function.py").stat(), (path / "custom_function.ipynb").stat()
    assert nb.st_mtime - py.st_mtime == 24 * 3600


def test_a_zip_prepares_a_module_that_module_from_path_accepts(
        tmp_path: Path, custom_function: Assignment) -> None:
    archive = make_zip(tmp_path / "subs" / "alice_77_88_hw.zip",
                       {"hw/custom_function.py": STUB, "hw/weights.txt": b"0.5\n"})
    [entry] = discover_entries(tmp_path / "subs", custom_function.module).entries

    prepared = prepare(entry, tmp_path / "work", custom_function.module)
    assert prepared.path is not None
    module = module_from_path(prepared.path, custom_function)

    assert module.source == tmp_path / "work" / "alice" / "hw" / "custom_function.py"
    assert [rel for rel, _ in module.extra_files] == ["weights.txt"]
    assert archive.exists()


def test_preparing_again_starts_from_an_empty_folder(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "alice.zip", {"custom_function.py": STUB, "old.txt": b"1"})
    unpacked(tmp_path, archive)
    make_zip(archive, {"custom_function.py": b"# v2\n"})

    path = unpacked(tmp_path, archive)

    assert sorted(p.name for p in path.iterdir()) == ["custom_function.py"]
    assert (path / "custom_function.py").read_bytes() == b"# v2\n"


def test_a_stale_link_in_the_workspace_is_removed_not_followed(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("keep")
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "alice").symlink_to(precious)
    archive = make_zip(tmp_path / "alice.zip", {"custom_function.py": STUB})

    path = unpacked(tmp_path, archive)

    assert not path.is_symlink()
    assert [p.name for p in precious.iterdir()] == ["keep.txt"]


# --- zips that are graded as problems, never unpacked --------------------------------------

NOTHING_TO_GRADE = "no custom_function.py or custom_function.ipynb in the zip, and not a single"


@pytest.mark.parametrize("members, problem", [
    ({}, "the zip holds no files"),
    ({"__MACOSX/._custom_function.py": b"x", ".custom_function.py": b"x"},
     "the zip holds no files"),
    ({"readme.md": b"x"}, f"{NOTHING_TO_GRADE} .py or .ipynb to grade instead (found: none)"),
    ({"a.py": STUB, "b.py": STUB}, "(found: a.py, b.py)"),
    ({"hw/custom.py": STUB, "hw/custom.ipynb": b"{}"}, "(found: custom.ipynb, custom.py)"),
])
def test_a_zip_without_one_thing_to_grade_says_what_it_found(
        tmp_path: Path, members: dict[str, bytes], problem: str) -> None:
    message = refused(tmp_path, make_zip(tmp_path / "alice.zip", members))

    assert problem in message


@pytest.mark.parametrize("name", ["../evil.py", "../../evil.py", "hw/../../../evil.py",
                                  "..\\..\\evil.py"])
def test_a_member_climbing_out_is_refused(tmp_path: Path, name: str) -> None:
    archive = make_zip(tmp_path / "alice.zip", {"custom_function.py": STUB, name: b"pwned"})

    assert "climbs out of its folder" in refused(tmp_path, archive)


def test_an_absolute_member_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "outside" / "evil.py"
    archive = make_zip(tmp_path / "alice.zip", {"custom_function.py": STUB, str(target): b"x"})

    assert "is an absolute path" in refused(tmp_path, archive)
    assert not target.exists()


def test_a_symlink_member_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "alice.zip"
    link = zipfile.ZipInfo("custom_function.py")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr(link, "/etc/passwd")

    assert "is a symbolic link" in refused(tmp_path, archive)


def test_too_many_members_are_refused(tmp_path: Path) -> None:
    members = {f"f{i}.txt": b"x" for i in range(MAX_ZIP_MEMBERS)}
    ok = make_zip(tmp_path / "bob.zip", {"custom_function.py": STUB,
                                         **dict(list(members.items())[:-1])})
    assert unpacked(tmp_path, ok, "bob") == tmp_path / "work" / "bob"

    archive = make_zip(tmp_path / "alice.zip", {"custom_function.py": STUB, **members})

    assert f"too many files in the zip ({MAX_ZIP_MEMBERS + 1}; at most" in refused(
        tmp_path, archive)


@pytest.mark.parametrize("mib", [20, 60])
def test_a_zip_bomb_is_refused(tmp_path: Path, mib: int) -> None:
    archive = zeros_zip(tmp_path / "alice.zip", mib << 20, zipfile.ZIP_DEFLATED)
    assert archive.stat().st_size < (mib << 20) // 100

    assert "zip bomb" in refused(tmp_path, archive)


def test_too_much_in_all_is_refused_even_when_stored(tmp_path: Path) -> None:
    archive = zeros_zip(tmp_path / "alice.zip", MAX_ZIP_BYTES + (1 << 20), zipfile.ZIP_STORED)

    assert "too large unpacked (51 MiB; at most 50 MiB)" in refused(tmp_path, archive)


def test_a_header_lying_about_the_size_gets_no_more_than_it_declared(tmp_path: Path) -> None:
    archive = zeros_zip(tmp_path / "alice.zip", 60 << 20, zipfile.ZIP_DEFLATED)
    data = bytearray(archive.read_bytes())
    declared = (1 << 20).to_bytes(4, "little")
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    data[local + 22:local + 26] = declared
    data[central + 24:central + 28] = declared
    archive.write_bytes(bytes(data))
    with zipfile.ZipFile(archive) as check:
        assert check.infolist()[0].file_size == 1 << 20

    message = refused(tmp_path, archive)

    assert "not a readable zip file" in message or "more than its header declares" in message


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04" + b"\0" * 40])
def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path, content: bytes) -> None:
    archive = tmp_path / "alice.zip"
    archive.write_bytes(content)

    assert "not a readable zip file" in refused(tmp_path, archive)


def test_a_damaged_member_is_refused_and_nothing_of_it_stays(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "alice.zip",
                       {"custom_function.py": STUB, "data.bin": bytes(range(256)) * 400})
    data = bytearray(archive.read_bytes())
    start = data.find(b"data.bin") + len("data.bin") + 10
    data[start:start + 200] = bytes(200)
    archive.write_bytes(bytes(data))

    assert "not a readable zip file" in refused(tmp_path, archive)


def test_a_truncated_zip_is_refused(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "alice.zip", {"custom_function.py": STUB * 100})
    archive.write_bytes(archive.read_bytes()[:-30])

    assert "not a readable zip file" in refused(tmp_path, archive)


def test_a_path_twice_in_one_zip_is_refused(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate name
        archive = make_zip(tmp_path / "alice.zip", {"custom_function.py": STUB})
        with zipfile.ZipFile(archive, "a") as out:
            out.writestr("custom_function.py", b"# again\n")

    assert "appears twice" in refused(tmp_path, archive)


def test_a_compression_without_bounded_reads_is_refused(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "alice.zip", {"custom_function.py": STUB}, zipfile.ZIP_BZIP2)

    assert "unsupported compression" in refused(tmp_path, archive)


def test_a_password_protected_member_is_refused(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "alice.zip", {"custom_function.py": STUB})
    data = bytearray(archive.read_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature) + flags_at
        data[at] |= 0x1
    archive.write_bytes(bytes(data))

    assert "password-protected" in refused(tmp_path, archive)


def test_an_unsafe_id_is_never_used_as_a_folder(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "alice.zip", {"custom_function.py": STUB})

    assert "cannot name a folder" in refused(tmp_path, archive, entry_id="../alice")


# --- LMS export names, --id-pattern, and what is said about entries left out --------------

@pytest.mark.parametrize("name, kind, expected", [
    ("zhangsan_LATE_123456_7890123_hw4.py", "py", "zhangsan"),
    ("alice_123456_7890123_custom_function.py", "py", "alice"),
    ("zhang_san_123456_7890123_custom_function-1.ipynb", "ipynb", "zhang_san"),
    ("Alice Smith_4711_assignsubmission_file_custom_function.py", "py", "Alice Smith"),
    ("Alice Smith_4711_assignsubmission_file_", "folder", "Alice Smith"),
    ("Homework 4_asmith_attempt_2024-03-01-23-59-59_custom_function.py", "py", "asmith"),
    ("hw_4_asmith_attempt_2024-03-01-23-59-59_work.zip", "zip", "asmith"),
])
def test_an_lms_export_name_gives_the_students_login_or_name(
        tmp_path: Path, name: str, kind: str, expected: str) -> None:
    if kind == "folder":
        (tmp_path / name).mkdir()
    elif kind == "zip":
        make_zip(tmp_path / name, {"custom_function.py": STUB})
    else:
        (tmp_path / name).write_bytes(STUB)

    found = discover_entries(tmp_path, MODULE)

    assert [(e.id, e.source.name, e.kind) for e in found.entries] == [(expected, name, kind)]
    assert found.problems == () and found.refused == ()


def test_blackboards_attempt_receipts_are_skipped_without_a_word(tmp_path: Path) -> None:
    stem = "Homework 4_asmith_attempt_2024-03-01-23-59-59"
    (tmp_path / f"{stem}_custom_function.py").write_bytes(STUB)
    (tmp_path / f"{stem}.txt").write_text("Name: A Smith (asmith)\n")
    (tmp_path / "notes.txt").write_text("mine")

    found = discover_entries(tmp_path, MODULE)

    assert [e.id for e in found.entries] == ["asmith"]
    assert [p.name for p in found.ignored] == ["notes.txt"]


def test_a_moodle_online_text_submission_is_refused_in_a_line(tmp_path: Path) -> None:
    (tmp_path / "Bo Li_4712_assignsubmission_onlinetext_").mkdir()

    found = discover_entries(tmp_path, MODULE)

    assert found.entries == ()
    [line] = found.refused
    assert line.startswith("Bo Li_4712_assignsubmission_onlinetext_: ")
    assert "onlinetext" in line.split(": ", 1)[1]


def test_one_login_twice_after_extraction_refuses_both_each_naming_the_other(
        tmp_path: Path) -> None:
    first = "carol_123_456_custom_function.py"
    second = "carol_LATE_123_457_helpers.py"
    (tmp_path / first).write_bytes(STUB)
    (tmp_path / second).write_bytes(STUB)
    (tmp_path / "dan.py").write_bytes(STUB)

    found = discover_entries(tmp_path, MODULE)

    assert [e.id for e in found.entries] == ["dan"]
    [problem] = found.problems
    assert problem.id == "carol" and first in problem.message and second in problem.message
    assert len(found.refused) == 2
    for this, other in ((first, second), (second, first)):
        [line] = [r for r in found.refused if r.startswith(f"{this}: ")]
        assert "'carol'" in line and other in line and "\n" not in line


def test_of_several_blackboard_attempts_the_newest_is_graded_and_the_others_said(
        tmp_path: Path) -> None:
    older = "Homework 4_asmith_attempt_2024-03-01-23-59-59_custom_function.py"
    newest = "Homework 4_asmith_attempt_2024-03-02-08-00-00_custom_function.py"
    oldest = "Homework 4_asmith_attempt_2024-02-28-10-00-00_custom_function.py"
    for name in (older, newest, oldest):
        (tmp_path / name).write_bytes(STUB)

    found = discover_entries(tmp_path, MODULE)

    assert [(e.id, e.source.name) for e in found.entries] == [("asmith", newest)]
    assert found.problems == ()
    assert sorted(line.split(": ", 1)[0] for line in found.refused) == sorted([older, oldest])
    assert all(newest in line and "older attempt" in line for line in found.refused)


def test_two_files_of_the_newest_blackboard_attempt_are_both_refused(tmp_path: Path) -> None:
    stem = "Homework 4_asmith_attempt_2024-03-02-08-00-00"
    (tmp_path / f"{stem}_custom_function.py").write_bytes(STUB)
    (tmp_path / f"{stem}_helpers.py").write_bytes(STUB)

    found = discover_entries(tmp_path, MODULE)

    assert found.entries == ()
    assert [p.id for p in found.problems] == ["asmith"]
    assert len(found.refused) == 2


def test_an_id_pattern_gives_its_id_group_and_refuses_what_it_does_not_match(
        tmp_path: Path) -> None:
    for name in ("hw4_alice.py", "hw4_zhang_san.ipynb", "alice_123_456_x.py", "notes.py"):
        (tmp_path / name).write_bytes(STUB)

    found = discover_entries(tmp_path, MODULE, compile_id_pattern(r"^hw4_(?P<id>[^.]+)\."))

    assert [(e.id, e.source.name) for e in found.entries] == [
        ("alice", "hw4_alice.py"), ("zhang_san", "hw4_zhang_san.ipynb")]
    assert sorted(line.split(": ", 1)[0] for line in found.refused) == [
        "alice_123_456_x.py", "notes.py"]
    assert all("does not match --id-pattern" in line for line in found.refused)
    assert all(p.id is None for p in found.problems)


def test_an_id_pattern_without_a_named_group_uses_group_1(tmp_path: Path) -> None:
    (tmp_path / "2024-bob-final.py").write_bytes(STUB)

    found = discover_entries(tmp_path, MODULE, compile_id_pattern(r"^\d+-(\w+)-"))

    assert [e.id for e in found.entries] == ["bob"]


@pytest.mark.parametrize("text, phrase", [("hw4_(", "not a regular expression"),
                                          (r"^hw4_\w+", "no group for the id")])
def test_an_id_pattern_that_cannot_give_ids_is_refused_before_grading(
        text: str, phrase: str) -> None:
    with pytest.raises(UsageError, match=phrase):
        compile_id_pattern(text)
