"""The CML model build, as CML makes it: a launched project, its jobs' files, .gitignore, then
``cdsw-build.sh`` in a fresh environment, then the endpoint answers.

A model build copies the project's files as ``.gitignore`` filters them, runs
``cdsw-build.sh`` in the runtime's Python, then imports the endpoint script. Here: the
project's files as a fresh clone has them; beside them what CML and the jobs put there (the
install job's ``.local``, pip's cache, the data cache, and the pipeline job's served model,
trained on generated data); the snapshot that ``.gitignore`` lets through, checked for what it
must and must not hold; a new virtual environment standing for the runtime, which already has
the dependencies (the test environment's packages, but not prod2vec, are made visible to it:
no network); the build script run in it; and the endpoint script run by it, from the snapshot.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.synthetic import shopping_events, write_csv

ROOT = Path(__file__).resolve().parents[1]
#: CML refuses a project file over 50 MB in a build
LARGEST_FILE = 50 * 1024**2
#: what the endpoint script prints when run by the built environment
ANSWER = """
import json, runpy, prod2vec
endpoint = runpy.run_path("cml/endpoint.py")
print(json.dumps({
    "package": prod2vec.__file__,
    "answer": endpoint["recommend"]({"items": ["t1-i2", "t1-i3"], "k": 3}),
    "bad": endpoint["recommend"]({"items": ["no-such-item"]}),
}))
"""


def _git_files(folder: Path, *options: str) -> list[str]:
    listed = subprocess.run(
        ["git", "-C", str(folder), "ls-files", "-z", *options],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return [name for name in listed.split("\0") if name]


def _copy(files: list[str], source: Path, target: Path) -> None:
    for name in files:
        if (source / name).is_file():  # a file deleted but not yet committed is not there
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target / name)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The launched project after its jobs, and the files a model build copies from it."""
    project = tmp_path_factory.mktemp("launched") / "project"
    # a fresh clone's files: those git tracks, and new ones it does not ignore
    _copy(_git_files(ROOT, "--cached", "--others", "--exclude-standard"), ROOT, project)
    for name, size in ((".local/lib/python3.11/site-packages/gensim/_matutils.so", 1000),
                       (".cache/pip/http-v2/wheel", 60 * 1024**2),
                       ("data/online_retail.parquet", 1000)):  # fmt: skip
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        with (project / name).open("wb") as file:
            file.truncate(size)  # sparse: what counts is what the build would copy
    write_csv(shopping_events(users=120), project / "data" / "events.csv")
    job = subprocess.run(
        [sys.executable, "cml/run_pipeline.py"],
        cwd=project,
        env={
            **os.environ,
            "PROD2VEC_PIPELINE_ARGS": "--input data/events.csv",
            "PROD2VEC_PROJECT_DIR": str(project),
        },  # fmt: skip
        capture_output=True,
        text=True,
    )
    assert job.returncode == 0, job.stderr
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    return project, _git_files(project, "--others", "--exclude-standard")


def test_the_build_sees_the_served_model_and_nothing_cml_keeps_aside(snapshot) -> None:
    project, files = snapshot
    served = {name for name in files if name.startswith("served/online_retail/")}
    for needed in ("serving.json", ".prod2vec-run.json", "vectors.npz", "projector/metadata.tsv"):
        assert f"served/online_retail/{needed}" in served, needed
    assert {"cdsw-build.sh", "cml/endpoint.py", "pyproject.toml", ".project-metadata.yaml"} <= set(
        files
    )
    assert not [name for name in files if name.startswith((".local/", ".cache/", ".venv/"))]
    assert not {"data/online_retail.parquet", "data/events.csv"} & set(files)
    assert max((project / name).stat().st_size for name in files) < LARGEST_FILE


def test_cdsw_build_installs_what_the_endpoint_needs_and_it_answers(snapshot, tmp_path) -> None:
    project, files = snapshot
    build = tmp_path / "build"
    _copy(files, project, build)
    runtime = tmp_path / "runtime"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(runtime)], check=True)
    # the runtime image's packages (pip and setuptools too): this environment's, but prod2vec
    installed = tmp_path / "installed"
    installed.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(("prod2vec", "__editable__", "_prod2vec")):
            (installed / entry.name).symlink_to(entry)
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = subprocess.run(
        [runtime / "bin" / "python", "-c", where], capture_output=True, text=True, check=True
    ).stdout.strip()
    Path(purelib, "runtime_image.pth").write_text(f"{installed}\n")
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PROD2VEC_", "PYTHON", "VIRTUAL_ENV"))
    }
    environment.update(
        PATH=os.pathsep.join([str(runtime / "bin"), environment.get("PATH", "")]),
        PIP_NO_INDEX="1",  # no network: the dependencies are there, as in a runtime image
        PIP_NO_BUILD_ISOLATION="0",  # ... and so is setuptools
        PYTHONHASHSEED="0",
    )
    built = subprocess.run(
        ["bash", "cdsw-build.sh"], cwd=build, env=environment, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stdout + built.stderr
    run = subprocess.run(
        [runtime / "bin" / "python", "-c", ANSWER],
        cwd=build, env=environment, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.splitlines()[-1])
    assert Path(result["package"]).is_relative_to(runtime)  # installed by the build
    recommendations = result["answer"]["recommendations"]
    assert len(recommendations) == 3
    assert {"item", "description", "score"} == set(recommendations[0])
    assert not {"t1-i2", "t1-i3"} & {row["item"] for row in recommendations}
    assert result["bad"]["error"].startswith("unknown items ['no-such-item']")
