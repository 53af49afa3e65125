"""`python -m prod2vec pipeline` never deletes what it did not write, never leaves anything
half-written, checks everything it can before the first epoch, and stops on Ctrl-C in one line.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
from gensim.models import KeyedVectors

from prod2vec import cli, pipeline
from prod2vec.cli import main
from prod2vec.configuration import Configuration
from prod2vec.data.sessions import SessionSplit
from prod2vec.errors import ProjectFileError
from prod2vec.models.word2vec import DEFAULT_PARAMS
from prod2vec.outputs import atomic, run_folder
from prod2vec.outputs.atomic import (
    TEMPORARY_MARKER,
    _interrupts_held_back,
    atomic_folder,
    remove_stale_temporaries,
)
from prod2vec.outputs.export import save_keyed_vectors, text_export_collisions
from prod2vec.outputs.run_folder import MARKER, RunFolder
from tests.interrupting import interrupt_pipeline
from tests.synthetic import labels_table, shopping_events, write_csv

ROOT = Path(__file__).resolve().parents[1]


def run(*arguments: str | Path) -> int:
    return main(["pipeline", *map(str, arguments)])


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its content."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def temporaries(folder: Path) -> list[Path]:
    return [path for path in folder.iterdir() if path.name.startswith(".out.")]


@pytest.fixture
def events(tmp_path: Path) -> Path:
    return write_csv(shopping_events(), tmp_path / "events.csv")


@pytest.fixture
def never_read(monkeypatch) -> None:
    """Reading the input fails the test: a refusal must come before it."""

    def read(args):
        raise AssertionError("the input was read before the refusal")

    monkeypatch.setattr(cli, "_read_input", read)


# --- the run marker, and what --overwrite may replace -------------------------------------


def test_a_run_folder_carries_the_marker_and_overwrite_replaces_only_such_folders(
    events: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "out"
    assert run("--input", events, "--out", out) == 0
    marker = json.loads(RunFolder(out).marker.read_text())
    assert marker["format"] == run_folder.FORMAT_VERSION
    assert marker["command"].startswith("python -m prod2vec pipeline --input")
    first = RunFolder(out).marker.read_bytes()
    assert run("--input", events, "--out", out, "--overwrite") == 0
    assert RunFolder(out).marker.read_bytes() != first and RunFolder(out).vectors.is_file()
    assert temporaries(tmp_path) == []


def test_overwrite_refuses_a_folder_without_the_marker(
    events: Path, tmp_path: Path, capsys, never_read
) -> None:
    out = tmp_path / "out"
    (out / "notes").mkdir(parents=True)
    (out / "notes" / "mine.txt").write_text("keep me")
    (out / "metrics.json").write_text("{}")  # looks like a run, but prod2vec did not write it
    before = snapshot(tmp_path)
    assert run("--input", events, "--out", out, "--overwrite") == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"holds no {MARKER}" in error
    assert "choose another --out, or remove it yourself" in error
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("out", "phrase"),
    [
        ("data", "--input"),  # the folder holding the input
        (".", "--input"),  # a folder holding the input's folder
        ("labels", "--metadata"),
        ("configs", "--config"),
        ("work", "the working folder"),
        ("project", "the project"),
    ],
)
def test_overwrite_never_replaces_a_folder_holding_what_the_run_needs(
    tmp_path: Path, monkeypatch, capsys, never_read, out: str, phrase: str
) -> None:
    for folder in ("data", "labels", "configs", "work", "project"):
        (tmp_path / folder).mkdir()
    events = write_csv(shopping_events(), tmp_path / "data" / "events.csv")
    (tmp_path / "data" / "other.txt").write_text("the user's")
    labels = write_csv(labels_table(), tmp_path / "labels" / "labels.csv")
    config = Configuration(word2vec=DEFAULT_PARAMS).save(tmp_path / "configs" / "best.json")
    (tmp_path / "project" / "pyproject.toml").write_text('name = "prod2vec"\n')
    # even a folder that holds the marker: one the user later put the input in
    for folder in ("data", "labels", "configs", "work", "project"):
        (tmp_path / folder / MARKER).write_text("{}")
    (tmp_path / MARKER).write_text("{}")
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("PROD2VEC_PROJECT_DIR", str(tmp_path / "project"))
    before = snapshot(tmp_path)
    arguments = ["--input", events, "--metadata", labels, "--config", config]
    assert run(*arguments, "--out", tmp_path / out, "--overwrite") == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"is or holds {phrase}" in error
    assert "choose another --out" in error
    assert snapshot(tmp_path) == before


def test_online_retail_data_folder_is_never_replaced(
    tmp_path: Path, monkeypatch, capsys, never_read
) -> None:
    data = tmp_path / "retail"
    data.mkdir()
    (data / "online_retail.parquet").write_bytes(b"cache")
    (data / MARKER).write_text("{}")
    monkeypatch.setenv("PROD2VEC_DATA_DIR", str(data))
    assert run("--out", data, "--overwrite") == 1
    assert "is or holds the Online Retail data folder" in capsys.readouterr().err
    assert (data / "online_retail.parquet").read_bytes() == b"cache"


def test_an_unwritable_out_is_found_before_reading(
    events: Path, tmp_path: Path, monkeypatch, capsys, never_read
) -> None:
    """The parent of an existing --out is tried too: replacing a folder writes beside it."""
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text("{}")
    real = tempfile.TemporaryFile

    def read_only_parent(*args, dir=None, **kwargs):  # noqa: A002 (tempfile's name)
        if dir is not None and Path(dir) == tmp_path:
            raise OSError(errno.EROFS, "Read-only file system")
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(atomic.tempfile, "TemporaryFile", read_only_parent)
    assert run("--input", events, "--out", out, "--overwrite") == 1
    error = capsys.readouterr().err
    assert f"Cannot write to the output folder {out} (Read-only file system)" in error
    assert (out / MARKER).is_file()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_parent_is_refused(events: Path, tmp_path: Path, capsys, never_read) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        assert run("--input", events, "--out", parent / "out") == 1
    finally:
        parent.chmod(0o755)
    assert "Permission denied" in capsys.readouterr().err


# --- before the first epoch ----------------------------------------------------------------


def test_ids_the_text_export_would_merge_are_refused_before_training(
    tmp_path: Path, capsys
) -> None:
    frame = shopping_events()
    frame["item_id"] = frame["item_id"].replace({"t0-i1": "t0 i1", "t0-i2": "t0_i1"})
    events = write_csv(frame, tmp_path / "events.csv")
    assert run("--input", events, "--out", tmp_path / "out") == 1
    error = capsys.readouterr().err
    assert "'t0 i1' and 't0_i1'" in error and "Rename one id of each group" in error
    assert "train (at most" not in error  # refused before the first epoch
    assert not (tmp_path / "out").exists() and temporaries(tmp_path) == []


def test_text_export_collisions_name_every_group(tmp_path: Path) -> None:
    ids = ["A B", "A_B", "A\tB", "x", "c d", "c_d", "ok"]
    assert text_export_collisions(ids, "_") == [["A\tB", "A B", "A_B"], ["c d", "c_d"]]
    assert text_export_collisions(["a b", "a-b"], "_") == []
    vectors = KeyedVectors(vector_size=2)
    vectors.add_vectors(["A B", "A_B"], [[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="two item ids equal \\('A B' = 'A_B'\\)"):
        save_keyed_vectors(vectors, tmp_path / "vectors.txt", "_")
    assert list(tmp_path.iterdir()) == []


def test_more_memory_than_the_machine_has_is_refused_before_training(
    events: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    needed = 2 * 2**20
    monkeypatch.setattr(pipeline, "available_memory_bytes", lambda: needed - 1)
    monkeypatch.setattr(pipeline, "training_memory_bytes", lambda split, configuration: needed)
    assert run("--input", events, "--out", tmp_path / "out") == 1
    error = capsys.readouterr().err
    assert "Training needs about 2 MiB of memory (96 items x vector_size 64" in error
    assert "more than the 2 MiB available: lower vector_size in --config" in error
    assert "train (at most" not in error
    assert not (tmp_path / "out").exists()


def test_the_memory_estimate_grows_with_the_catalogue_and_the_vector_size() -> None:
    train = [[f"i{n}", f"i{n + 1}", f"i{n + 2}"] for n in range(0, 3000, 3)]
    pairs = pd.DataFrame({"user": ["u"], "query": ["i0"], "target": ["i1"]})
    split = SessionSplit(train=train, test=pairs, validation=pairs)
    small, large = (
        pipeline.training_memory_bytes(
            split, Configuration(word2vec={**DEFAULT_PARAMS, "vector_size": size})
        )
        for size in (10, 10_000)
    )
    assert large - small == 4 * 3000 * (10_000 - 10) * 4  # four float32 matrices
    available = pipeline.available_memory_bytes()
    assert available is not None and 2**20 < available < 2**50


# --- writing: nothing half-written, errors name the user's paths ----------------------------


def test_a_write_error_names_the_users_path_not_the_temporary_one(
    events: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    def disk_full(vectors, path, *args):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(run_folder, "save_vectors", disk_full)
    out = tmp_path / "out"
    assert run("--input", events, "--out", out) == 1
    error = capsys.readouterr().err.splitlines()[-1]
    assert error == (
        f"error: Could not write {out / 'vectors.npz'} (No space left on device): nothing was "
        f"written to {out}. Free some space or choose another folder, then run again."
    )
    assert not out.exists() and temporaries(tmp_path) == []


def test_ctrl_c_inside_atomic_folder_leaves_the_previous_folder_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("previous run")
    with pytest.raises(KeyboardInterrupt), atomic_folder(out, overwrite=True) as folder:
        (folder / "new.txt").write_text("half")
        raise KeyboardInterrupt
    assert snapshot(out) == {"old.txt": b"previous run"} and temporaries(tmp_path) == []


def test_atomic_folder_never_replaces_a_folder_without_the_marker(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with (
        pytest.raises(ProjectFileError, match="holds no .marker"),
        atomic_folder(out, overwrite=True, marker=".marker"),
    ):
        pass
    assert snapshot(out) == {"mine.txt": b"keep me"} and temporaries(tmp_path) == []


@pytest.fixture
def sigint_disposition():
    """Set SIGINT's handler for one test, whatever this process inherited (a background job
    of a non-interactive shell starts with SIGINT ignored), and restore it afterwards."""
    inherited = signal.getsignal(signal.SIGINT)
    yield lambda handler: signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGINT, inherited)


def test_ctrl_c_is_held_back_until_a_rename_pair_is_done(sigint_disposition) -> None:
    sigint_disposition(signal.default_int_handler)
    done = []
    with pytest.raises(KeyboardInterrupt), _interrupts_held_back():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # a signal handler would run here
        done.append("both renames")
    assert done == ["both renames"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_process_that_ignores_ctrl_c_keeps_ignoring_it(sigint_disposition) -> None:
    sigint_disposition(signal.SIG_IGN)
    with _interrupts_held_back():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN


# --- temporary folders that killed runs left -------------------------------------------------


def dead_pid() -> int:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
    return int(finished.stdout)


def temporary_folder(parent: Path, name: str, owner: dict | None) -> Path:
    folder = parent / name
    (folder / "projector").mkdir(parents=True)
    (folder / "vectors.npz").write_bytes(b"x" * 1000)
    if owner is not None:
        (folder / TEMPORARY_MARKER).write_text(json.dumps(owner))
    return folder


def test_only_stale_temporary_folders_of_the_project_are_removed(tmp_path: Path) -> None:
    host = socket.gethostname()
    stale = temporary_folder(tmp_path, ".out.0123456789ab.tmp", {"pid": dead_pid(), "host": host})
    live = temporary_folder(tmp_path, ".out.aaaaaaaaaaaa.tmp", {"pid": os.getpid(), "host": host})
    foreign = temporary_folder(tmp_path, ".out.bbbbbbbbbbbb.tmp", None)
    elsewhere = temporary_folder(
        tmp_path, ".out.cccccccccccc.tmp", {"pid": dead_pid(), "host": host + "-other"}
    )
    other_name = temporary_folder(
        tmp_path, ".outer.dddddddddddd.tmp", {"pid": dead_pid(), "host": host}
    )
    kept = {path: snapshot(path) for path in (live, foreign, elsewhere, other_name)}
    assert remove_stale_temporaries(tmp_path / "out") == [stale]
    assert not stale.exists()
    assert {path: snapshot(path) for path in kept} == kept


def test_a_previous_run_is_kept_when_a_kill_came_between_the_two_renames(tmp_path: Path) -> None:
    previous = temporary_folder(
        tmp_path, ".out.0123456789ab.old", {"pid": dead_pid(), "host": socket.gethostname()}
    )
    assert remove_stale_temporaries(tmp_path / "out") == []  # out is missing: it may be all
    (tmp_path / "out").mkdir()
    assert remove_stale_temporaries(tmp_path / "out") == [previous]


def test_the_next_run_removes_stale_temporaries_before_reading(
    events: Path, tmp_path: Path, never_read
) -> None:
    stale = temporary_folder(
        tmp_path, ".out.0123456789ab.tmp", {"pid": dead_pid(), "host": socket.gethostname()}
    )
    with pytest.raises(AssertionError, match="input was read"):
        run("--input", events, "--out", tmp_path / "out")
    assert not stale.exists() and not (tmp_path / "out").exists()


# --- Ctrl-C ----------------------------------------------------------------------------------


def test_ctrl_c_prints_one_line_and_exits_130(
    events: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_read_input", interrupted)
    out = tmp_path / "out"
    assert run("--input", events, "--out", out) == 130
    assert (
        capsys.readouterr().err
        == f"read the input ...\ninterrupted: nothing was written to {out}\n"
    )
    with pytest.raises(KeyboardInterrupt):
        main(["--debug", "pipeline", "--input", str(events), "--out", str(out)])


def test_ctrl_c_after_the_last_rename_says_the_run_is_complete(
    events: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    def interrupted(results):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "wide_table", interrupted)
    out = tmp_path / "out"
    assert run("--input", events, "--out", out) == 130
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"interrupted: {out} had been written completely"
    )
    assert RunFolder(out).marker.is_file()


def test_sigint_during_training_stops_cleanly(tmp_path: Path) -> None:
    """The real thing: SIGINT to `python -m prod2vec pipeline` in the middle of training."""
    events = write_csv(shopping_events(users=600, events=12), tmp_path / "events.csv")
    config = Configuration(word2vec={**DEFAULT_PARAMS, "epochs": 2000}).save(tmp_path / "long.json")
    out = tmp_path / "out"
    arguments = ["--input", str(events), "--out", str(out), "--config", str(config),
                 "--patience", "2000"]  # fmt: skip
    # well into training: an epoch takes about 10 ms, 2,000 are planned
    text = interrupt_pipeline(arguments, "  epoch 2:", 1.0, tmp_path)
    lines = text.splitlines()
    assert "Traceback" not in text
    assert lines[-1] == f"interrupted: nothing was written to {out}"
    assert lines[-2].startswith("  epoch ")  # the one line is all it says
    assert not out.exists() and temporaries(tmp_path) == []
