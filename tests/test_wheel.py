"""The built wheel carries everything the exercises read at run time: built from a copy of the
source, installed into a fresh virtual environment and run from a folder outside the source tree,
``micrograd-mlp exercises start`` writes the workbook from the wheel's templates, ``check``
reports the blank workbook with the wheel's message catalogue, and a solved exercise unlocks its
reference solution from the wheel's ``solutions/``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from micrograd_mlp import exercises

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("setuptools", reason="setuptools builds the wheel")


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 120):
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.slow
def test_wheel_installs_and_runs_the_exercises_from_package_data(tmp_path: Path):
    # Build from a copy, so that nothing (build/, *.egg-info) is written into the source tree.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "micrograd_mlp",
        source / "micrograd_mlp",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["MICROGRAD_MLP_LANG"] = "en"
    dist = tmp_path / "dist"
    built = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(source),
        ],
        tmp_path,
        env,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = dist.glob("micrograd_mlp-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for e in exercises.EXERCISES:
        assert f"micrograd_mlp/exercises/templates/{e.stem}.py.tmpl" in names
        assert f"micrograd_mlp/exercises/solutions/{e.stem}.py.tmpl" in names
    for lang in ("en", "ko"):
        assert f"micrograd_mlp/messages/{lang}/explorer.json" in names

    # A fresh environment that sees the installed numpy, graphviz, ... but gets the package
    # itself from the wheel (pip runs from the system site-packages, installs into the venv).
    venv = tmp_path / "venv"
    made = _run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        tmp_path,
        env,
    )
    assert made.returncode == 0, made.stderr
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    installed = _run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--ignore-installed",
            "--no-index",
            str(wheel),
        ],
        tmp_path,
        env,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    elsewhere = tmp_path / "elsewhere"  # not the source tree, not its parent
    elsewhere.mkdir()
    where = _run(
        [str(python), "-c", "import micrograd_mlp.exercises as e; print(e.__file__)"],
        elsewhere,
        env,
    )
    package_file = Path(where.stdout.strip())
    assert venv in package_file.parents, where.stdout + where.stderr

    script = python.parent / "micrograd-mlp"
    workbook = elsewhere / "wb"
    started = _run([str(script), "exercises", "start", str(workbook)], elsewhere, env)
    assert started.returncode == 0, started.stderr
    assert "10 file(s) written" in started.stdout
    for e in exercises.EXERCISES:
        # Exactly what the wheel's template and catalogue give (the same as the source's).
        assert (workbook / e.file).read_text(encoding="utf-8") == exercises.render(
            e, "en", str(workbook)
        )

    checked = _run(
        [str(script), "exercises", "check", str(workbook), "--timeout", "60"], elsewhere, env, 300
    )
    assert checked.returncode == 1, checked.stderr
    assert checked.stdout.count("is not written yet (it raises NotImplementedError)") == 10
    assert "0 of 10 checked exercises passed." in checked.stdout
    korean = _run(
        [str(script), "exercises", "check", str(workbook), "1", "--lang", "ko"], elsewhere, env
    )
    assert korean.returncode == 1 and "시작 전" in korean.stdout

    # The solution stays locked until the exercise passes; then the wheel's copy prints.
    solution = [str(script), "exercises", "solution", str(workbook), "1"]
    locked = _run(solution, elsewhere, env)
    assert locked.returncode == 1 and "has not passed yet" in locked.stderr
    solve = "from micrograd_mlp import exercises as e; print(e.render_solution(e.EXERCISES[0]))"
    solved = _run([str(python), "-c", solve], elsewhere, env)
    assert solved.returncode == 0, solved.stderr
    (workbook / "ex01_local_derivatives.py").write_text(solved.stdout, encoding="utf-8")
    passed = _run([str(script), "exercises", "check", str(workbook), "1"], elsewhere, env)
    assert passed.returncode == 0 and "[1] local derivatives: passed" in passed.stdout
    shown = _run(solution, elsewhere, env)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == exercises.render_solution(exercises.EXERCISES[0], "en")
