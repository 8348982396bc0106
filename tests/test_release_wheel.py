"""The students' copy carries the grader as a wheel (``wheels/torchgrade-*.whl``): its README
and CI workflow install that file, so the copy needs nothing from the package index but torch
and the grader's dependencies, and never a name another project owns there.

The wheel is checked as a file (the grader package and its metadata, nothing of the course)
and by use: installed into a fresh virtual environment, its own ``grade`` checks a stub of
the release from outside this repository."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import pytest

import grader
from grader import api
from grader.course.release import secret_lines
from grader.course.wheel import DISTRIBUTION, build_wheel
from grader.model.assignments import load_assignment
from helpers import ASSIGNMENTS, SOLUTIONS

ASSIGNMENT = "04_custom_function"
PACKAGE = Path(grader.__file__).parent


def make_course(where: Path) -> Path:
    """A course of one real assignment, its solution and its committed references."""
    shutil.copytree(ASSIGNMENTS / ASSIGNMENT, where / "assignments" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(SOLUTIONS / ASSIGNMENT, where / "solutions" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return where


def members(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_wheel_holds_the_grader_package_and_metadata_pip_needs(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    version = metadata.version(DISTRIBUTION)
    assert wheel.name == f"{DISTRIBUTION}-{version}-py3-none-any.whl"
    files = members(wheel)
    info = f"{DISTRIBUTION}-{version}.dist-info"
    package = {n for n in files if not n.startswith(f"{info}/")}
    assert all(n.startswith("grader/") for n in package)
    sources = {f"grader/{p.relative_to(PACKAGE).as_posix()}" for p in PACKAGE.rglob("*.py")
               if "__pycache__" not in p.parts}
    assert sources <= package
    assert {"grader/py.typed", "grader/reports/templates/report.html.j2"} <= package
    assert not [n for n in package if n.endswith((".pyc", ".pyo")) or "__pycache__" in n]
    for name in package:
        assert files[name] == (PACKAGE / name.removeprefix("grader/")).read_bytes()
    found = Parser().parsestr(files[f"{info}/METADATA"].decode())
    installed = metadata.metadata(DISTRIBUTION)
    assert (found["Name"], found["Version"]) == (DISTRIBUTION, version)
    assert found["Requires-Python"] == installed["Requires-Python"]
    runtime = [r for r in installed.get_all("Requires-Dist") or () if "extra ==" not in r]
    assert runtime and set(runtime) <= set(found.get_all("Requires-Dist") or ())
    assert "grade = grader.cli:run" in files[f"{info}/entry_points.txt"].decode()
    assert "Root-Is-Purelib: true" in files[f"{info}/WHEEL"].decode()
    record = files[f"{info}/RECORD"].decode().splitlines()
    assert f"{info}/RECORD,," in record
    for line in record:
        name, digest, size = line.rsplit(",", 2)
        if name == f"{info}/RECORD":
            continue
        data = files[name]
        expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        assert (digest, size) == (f"sha256={expected.decode()}", str(len(data)))
    assert len(record) == len(files)


def test_the_same_grader_gives_the_same_wheel(tmp_path: Path) -> None:
    first = build_wheel(tmp_path / "a").read_bytes()
    assert build_wheel(tmp_path / "b").read_bytes() == first


def test_a_release_carries_the_wheel_its_readme_and_workflow_install(tmp_path: Path) -> None:
    course = make_course(tmp_path / "course")
    outcome = api.release(tmp_path / "out", cwd=course)
    out = tmp_path / "out"
    (wheel,) = (out / "wheels").iterdir()
    assert wheel in outcome.files
    assert wheel.name == f"{DISTRIBUTION}-{metadata.version(DISTRIBUTION)}-py3-none-any.whl"
    line = f'pip install "wheels/{wheel.name}"'
    assert line in (out / "README.md").read_text()
    assert line in (out / ".github/workflows/grade.yml").read_text()
    # Nothing of the course is inside: no solution line, no hidden check, no course file.
    secrets = secret_lines(load_assignment(course / "assignments" / ASSIGNMENT))
    assert secrets
    texts = [data.decode(errors="replace") for data in members(wheel).values()]
    assert not [s for s in secrets if any(s in text for text in texts)]
    assert not [n for n in members(wheel) if ASSIGNMENT in n or n.startswith("solutions")]


def test_a_grader_requirement_replaces_the_wheel(tmp_path: Path) -> None:
    course = make_course(tmp_path / "course")
    spec = "torchgrade @ git+https://example.org/course/grade.git@v1"
    api.release(tmp_path / "out", cwd=course, grader_requirement=spec)
    assert not (tmp_path / "out/wheels").exists()
    assert f'pip install "{spec}"' in (tmp_path / "out/README.md").read_text()


def _dependency_paths() -> list[str]:
    """Where this interpreter finds the grader's dependencies (torch and the rest), to make
    them visible to a fresh environment as ``--system-site-packages`` would: through a
    ``.pth`` file, which adds the folders but runs none of their own ``.pth`` files, so this
    repository's editable install of the grader stays out of sight."""
    names = ["torch", "numpy", "click", "jinja2", "nbformat", "IPython", "nbclient",
             "ipykernel"]
    paths: list[str] = []
    for name in names:
        module = __import__(name)
        folder = str(Path(module.__file__).resolve().parent.parent)
        if folder not in paths:
            paths.append(folder)
    return paths


@pytest.mark.slow
def test_the_released_wheel_installs_and_grades_a_stub_from_outside_the_repository(
        tmp_path: Path) -> None:
    course = make_course(tmp_path / "course")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    released = subprocess.run([sys.executable, "-m", "grader", "release", "--out", "students"],
                              cwd=course, env=env, text=True, capture_output=True, timeout=300)
    assert released.returncode == 0, released.stdout + released.stderr
    students = course / "students"
    shutil.move(students, tmp_path / "students")  # away from the course, as students get it
    students = tmp_path / "students"
    shutil.rmtree(course)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], text=True, capture_output=True, check=True).stdout
    (Path(site.strip()) / "grader_dependencies.pth").write_text(
        "\n".join(_dependency_paths()) + "\n")
    (wheel,) = (students / "wheels").glob(f"{DISTRIBUTION}-*.whl")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index",
         "--no-deps", "--quiet", str(wheel)],
        cwd=tmp_path, env=env, text=True, capture_output=True, timeout=300)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    where = subprocess.run([python, "-c", "import grader; print(grader.__file__)"],
                           cwd=students, env=env, text=True, capture_output=True, timeout=120)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout + where.stderr
    # The strict sandbox mounts only the interpreter's own folders, not those a .pth file
    # borrows; an environment with its dependencies installed in it checks at either level.
    checked = subprocess.run([venv / "bin" / "grade", "check", f"assignments/{ASSIGNMENT}",
                              "--sandbox", "basic"],
                             cwd=students, env=env, text=True, capture_output=True, timeout=600)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    result = json.loads((students / "reports" / ASSIGNMENT / "result.json").read_text())
    assert result["schema"] == "grade-result/1" and result["assignment"] == ASSIGNMENT
    assert result["status"] == "graded" and result["score"] == 0 < result["max_score"]
