"""``grade mutate`` end to end: a course's solution mutated, graded as a batch, reported in
mutation.json and mutation.html, resumed, with equivalents marked and checked."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.batch.mutants import mutants
from helpers import ASSIGNMENTS, SOLUTIONS

pytestmark = pytest.mark.slow  # real batches of child processes

NAME = "04_custom_function"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=900)


class Ids(HTMLParser):
    """The ids of the page's survivor and equivalent sections, and the score's text."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[str]] = {"survivor": [], "equivalent": []}
        self.score = ""
        self._in_score = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "section":
            for kind in self.sections:
                if kind in classes:
                    self.sections[kind].append(a.get("id") or "")
        self._in_score = a.get("id") == "score"

    def handle_data(self, data: str) -> None:
        if self._in_score:
            self.score += data

    def handle_endtag(self, tag: str) -> None:
        self._in_score = False


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("mutate")
    shutil.copytree(ASSIGNMENTS / NAME, where / "assignments" / NAME)
    shutil.copytree(SOLUTIONS / NAME, where / "solutions" / NAME)
    return where


def find(description_part: str) -> str:
    source = (SOLUTIONS / NAME / "custom_function.py").read_text()
    (found,) = [m.id for m in mutants(source) if description_part in m.description]
    return found


def test_mutate_grades_reports_resumes_and_reads_the_equivalents(course: Path) -> None:
    equivalent = find("return input.clamp(min=0) → return input.clamp(min=0).detach()")
    killed = find("return input.clamp(min=0) → return None")
    (course / "assignments" / NAME / "mutants-equivalent.toml").write_text(
        f'[[equivalent]]\nid = "{equivalent}"\nreason = "forward runs without grad: '
        f'Function.apply makes its output part of the graph whatever forward returns"\n\n'
        f'[[equivalent]]\nid = "{killed}"\nreason = "wrongly marked"\n\n'
        f'[[equivalent]]\nid = "statement-000000000000"\nreason = "from an older solution"\n')
    done = run_cli("mutate", NAME, "--out", "out", "--seed", "5", cwd=course)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((course / "out/mutation.json").read_text())
    total = len(mutants((SOLUTIONS / NAME / "custom_function.py").read_text()))
    assert data["generated"] == total == len(data["outcomes"])
    verdicts = {o["id"]: o for o in data["outcomes"]}
    assert verdicts[equivalent]["verdict"] == "equivalent"
    assert verdicts[equivalent]["reason"].startswith("forward runs without grad")
    assert verdicts[killed]["verdict"] == "killed" and verdicts[killed]["killed_by"]
    assert data["killed_equivalents"] == [killed]
    assert data["stale_equivalents"] == ["statement-000000000000"]
    counts = {v: sum(o["verdict"] == v for o in data["outcomes"])
              for v in ("killed", "survived", "equivalent")}
    assert (data["killed"], data["survived"], data["equivalent"]) == (
        counts["killed"], counts["survived"], counts["equivalent"])
    assert data["score"] == round(100 * counts["killed"] / (total - counts["equivalent"]), 2)
    for o in data["outcomes"]:
        if o["verdict"] == "survived":
            assert o["passed"] and not o["killed_by"] and o["diff"].startswith("--- a/")
            assert f"survived {o['id']}  {o['description']}" in done.stdout
    assert f"mutation score {data['score']:.1f}%" in done.stdout
    assert "statement-000000000000 is marked equivalent but no mutant" in done.stderr
    assert f"{killed} is marked equivalent but the checks kill it" in done.stderr
    page = Ids()
    page.feed((course / "out/mutation.html").read_text())
    assert page.sections["survivor"] == [o["id"] for o in data["outcomes"]
                                         if o["verdict"] == "survived"]
    assert page.sections["equivalent"] == [equivalent]
    assert page.score == f"{data['score']:.1f}%"

    again = run_cli("mutate", NAME, "--out", "out", "--seed", "5", "--fail-under", "100.5",
                    cwd=course)
    assert again.returncode == 1, again.stdout + again.stderr  # below the threshold
    resumed = json.loads((course / "out/mutation.json").read_text())
    assert resumed["reused"] == total and resumed["graded_now"] == 0
    assert [o["verdict"] for o in resumed["outcomes"]] == \
        [o["verdict"] for o in data["outcomes"]]


def test_a_sample_grades_only_its_mutants_and_the_folder_follows_it(course: Path) -> None:
    done = run_cli("mutate", NAME, "--out", "sample", "--limit", "6", "--seed", "2",
                   cwd=course)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((course / "sample/mutation.json").read_text())
    assert len(data["outcomes"]) == 6 and data["generated"] > 6
    files = sorted(p.stem for p in (course / "sample/mutants").iterdir())
    assert files == sorted(o["id"] for o in data["outcomes"])
    bad = run_cli("mutate", NAME, "--limit", "0", cwd=course)
    assert bad.returncode == 2 and bad.stderr.strip() == "grade: --limit must be at least 1"
    nowhere = run_cli("mutate", "99_nothing", cwd=course)
    assert nowhere.returncode == 2 and nowhere.stderr.count("\n") == 1
