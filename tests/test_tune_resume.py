"""Resuming a sweep from the project's own records: exact, and never from Ray's pickles."""

from __future__ import annotations

import io
import json
import pickle
import re
import time
import tokenize
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

ray = pytest.importorskip("ray")  # the tune extra; make setup installs it

from prod2vec.cli import main  # noqa: E402
from prod2vec.errors import (  # noqa: E402
    ClusterError,
    ConfigurationError,
    ProjectFileError,
    SweepIncompleteError,
)
from prod2vec.tune.sweep import (  # noqa: E402
    SWEEP_FILE,
    PendingWatchdog,
    StatusLine,
    SweepSettings,
    epoch_table,
    plan_sweep,
    read_plan,
    resume_sweep,
    run_sweep,
    sweep_status,
    trial_table,
    write_sweep,
)
from prod2vec.tune.trainable import FAILED, RECORDS_FOLDER, STOPPED  # noqa: E402
from tests.test_word2vec import PAIRS, SESSIONS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = SweepSettings(
    search="random", samples=6, max_epochs=5, asha=False, concurrency=2, seed=4, k=5
)


class _CreatesAFile:
    """Unpickling this creates ``path``: what a planted ``tuner.pkl`` could do, and worse."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def plant_pickle(folder: Path) -> Path:
    """A ``tuner.pkl`` in ``folder`` whose unpickling would create the returned file."""
    marker = folder.parent / f"{folder.name}_unpickled"
    (folder / "tuner.pkl").write_bytes(pickle.dumps(_CreatesAFile(marker)))
    return marker


def record_lines(sweep: Path, index: int) -> list[str]:
    return (sweep / RECORDS_FOLDER / f"{index:05d}.jsonl").read_text().splitlines()


def test_the_plan_draws_what_ray_drew() -> None:
    """Random search planned up front: notebook 04's live sweep drew exactly these."""
    settings = SweepSettings(search="random", samples=10, max_epochs=6, grace_period=1, seed=7)
    plan = plan_sweep(settings, SESSIONS, PAIRS)
    drawn = [f"{c['vector_size']}/{c['window']}/{c['negative']}" for c in plan.configurations]
    assert sorted(drawn) == ["100/16/16", "18/4/14", "41/6/10", "74/13/5", "85/13/3",
                             "88/12/3", "89/14/7", "89/18/1", "93/16/12", "95/12/16"]  # fmt: skip
    assert plan_sweep(settings, SESSIONS, PAIRS) == plan and plan.trial_count == 10
    assert plan_sweep(settings, SESSIONS[1:], PAIRS).data != plan.data
    first = {"vector_size": 12, "window": 3, "scoring": "input-input"}
    with_point = plan_sweep(settings, SESSIONS, PAIRS, [first])
    assert with_point.configurations[0].items() >= first.items()
    assert len(with_point.configurations) == 10  # a point counts in the samples
    assert plan_sweep(SweepSettings(search="bayes"), SESSIONS, PAIRS).configurations is None
    grid = plan_sweep(SweepSettings(search="grid", samples=2, max_epochs=3), SESSIONS, PAIRS)
    assert grid.trial_count == 2 * 25_872 and grid.configurations[0]["epochs"] == 3


def test_a_resume_keeps_complete_trials_and_runs_the_rest_once(local_ray, tmp_path: Path):
    run_sweep(SESSIONS, PAIRS, SETTINGS, name="sweep", storage=tmp_path, verbose=0)
    sweep = tmp_path / "sweep"
    plan = read_plan(sweep)
    records = sweep / RECORDS_FOLDER
    lines = {index: record_lines(sweep, index) for index in range(6)}
    assert all(json.loads(line[-1])["reason"] == "finished" for line in lines.values())
    # what interruptions leave: a trial cut after 2 epochs, one never started, one failed,
    # one whose last line was torn by a kill; and one that ASHA stopped after 2 epochs
    (records / "00000.jsonl").write_text("\n".join(lines[0][:3]) + "\n")
    (records / "00001.jsonl").unlink()
    failed = json.dumps({"record": "end", "reason": "error"})
    (records / "00002.jsonl").write_text("\n".join([*lines[2][:2], failed]) + "\n")
    (records / "00005.jsonl").write_text("\n".join(lines[5][:3]) + "\n" + lines[5][3][:20])
    stopped = json.dumps({"record": "end", "reason": STOPPED})
    (records / "00003.jsonl").write_text("\n".join([*lines[3][:3], stopped]) + "\n")
    kept = {index: (records / f"{index:05d}.jsonl").stat() for index in (3, 4)}
    marker = plant_pickle(sweep)

    assert resume_sweep(sweep, SESSIONS, PAIRS, verbose=0) == sweep.resolve()

    assert not marker.exists()  # Ray's tuner.pkl was never unpickled
    for index, before in kept.items():  # complete trials were not run again
        after = (records / f"{index:05d}.jsonl").stat()
        assert (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size)
    trials = trial_table(sweep, k=5).set_index("trial_id").sort_index()
    epochs = epoch_table(sweep, k=5)
    assert trials.index.tolist() == [f"trial_{index:05d}" for index in range(6)]
    assert not epochs.duplicated(["trial_id", "epoch"]).any()
    assert len(epochs) == trials["epochs_run"].sum()
    assert trials.loc["trial_00003", ["epochs_run", "stopped_early"]].tolist() == [2, True]
    for index in (0, 1, 2, 4, 5):  # run again from epoch 1, every planned epoch
        row = trials.loc[f"trial_{index:05d}"]
        assert row["epochs_run"] == row["epochs_planned"] == plan.configurations[index]["epochs"]
        assert row["vector_size"] == plan.configurations[index]["vector_size"]
    again = {index: record_lines(sweep, index) for index in (0, 1, 2, 5)}
    assert all(json.loads(line[-1])["reason"] == "finished" for line in again.values())

    # nothing left to run: a second resume starts no trial and changes nothing
    before = sorted((path.name, path.stat().st_mtime_ns) for path in records.iterdir())
    resume_sweep(sweep, SESSIONS, PAIRS, verbose=0)
    with pytest.raises(ConfigurationError, match="ran on other training sessions"):
        resume_sweep(sweep, SESSIONS[1:], PAIRS, verbose=0)
    assert sorted((path.name, path.stat().st_mtime_ns) for path in records.iterdir()) == before


def test_a_bayes_sweep_resumes_with_as_many_new_trials_as_are_missing(local_ray, tmp_path):
    settings = SweepSettings(search="bayes", samples=3, max_epochs=5, asha=False, seed=2, k=5)
    run_sweep(SESSIONS, PAIRS, settings, name="bayes", storage=tmp_path, verbose=0)
    sweep = tmp_path / "bayes"
    kept = record_lines(sweep, 0)
    (sweep / RECORDS_FOLDER / "00001.jsonl").write_text(record_lines(sweep, 1)[0] + "\n")
    resume_sweep(sweep, SESSIONS, PAIRS, verbose=0)
    trials = trial_table(sweep, k=5)
    assert sorted(trials["trial_id"]) == ["trial_00000", "trial_00001", "trial_00002"]
    assert record_lines(sweep, 0) == kept
    assert not epoch_table(sweep, k=5).duplicated(["trial_id", "epoch"]).any()


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (None, "No sweep at"),
        ({}, "was not written by `python -m prod2vec tune`: it has no prod2vec_sweep.json"),
        ({SWEEP_FILE: "{not json"}, "is not a sweep plan this project can read"),
        ({SWEEP_FILE: '{"format": 9}'}, "is not a sweep plan this project can read (format 9"),
    ],
)
def test_resume_refuses_a_folder_the_project_did_not_write(
    tmp_path: Path, capsys, content: dict[str, str] | None, phrase: str
) -> None:
    folder = tmp_path / "foreign"
    marker = None
    if content is not None:
        folder.mkdir()
        marker = plant_pickle(folder)
        for name, text in content.items():
            (folder / name).write_text(text)
    files = sorted(path.name for path in folder.iterdir()) if folder.exists() else None
    assert main(["tune", "--resume", "--name", "foreign", "--storage", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert phrase in error and error.count("\n") == 1
    assert marker is None or not marker.exists()
    assert (sorted(path.name for path in folder.iterdir()) if folder.exists() else None) == files
    with pytest.raises(ProjectFileError, match=re.escape(phrase)):
        read_plan(folder)


def test_the_command_resumes_with_the_sweeps_own_settings(local_ray, tmp_path, capsys, monkeypatch):
    from prod2vec.online_retail import reference_protocol

    split = SimpleNamespace(train=SESSIONS, validation=PAIRS)
    monkeypatch.setattr(
        reference_protocol, "prepare_sessions", lambda: SimpleNamespace(split=split)
    )
    storage, out = tmp_path / "ray", tmp_path / "out"
    common = ["--name", "cli", "--storage", str(storage), "--output", str(out), "--quiet"]
    assert main(["tune", "--samples", "3", "--max-epochs", "5", "--no-asha", *common]) == 0
    sweep = storage / "cli"
    (sweep / RECORDS_FOLDER / "00001.jsonl").write_text(record_lines(sweep, 1)[0] + "\n")
    capsys.readouterr()

    assert main(["tune", "--samples", "3", "--max-epochs", "5", "--no-asha", *common]) == 1
    assert "holds an unfinished sweep (2 of 3 trials complete)" in capsys.readouterr().err
    assert main(["tune", "--resume", "--samp", "4", *common]) == 1  # argparse's prefix
    assert "started with samples 3 (given 4)" in capsys.readouterr().err
    with pytest.raises(ConfigurationError, match="asha False"):
        read_plan(sweep).resumed_with(SweepSettings(samples=3, max_epochs=5, k=10))

    marker = plant_pickle(sweep)
    assert main(["tune", "--resume", "--concurrency", "1", *common]) == 0
    assert "best of 3 trials" in capsys.readouterr().out and not marker.exists()
    trials = pd.read_csv(out / "trials.csv", dtype={"trial_id": str})
    epochs = pd.read_csv(out / "epochs.csv", dtype={"trial_id": str})
    assert sorted(trials["trial_id"]) == ["trial_00000", "trial_00001", "trial_00002"]
    assert not epochs.duplicated(["trial_id", "epoch"]).any()
    assert len(epochs) == trials["epochs_run"].sum() == trials["epochs_planned"].sum()
    search = json.loads((out / "best.json").read_text())["settings"]
    assert (search["samples"], search["asha"], search["concurrency"]) == (3, False, 1)


FORBIDDEN = {
    "pickle", "cloudpickle", "dill", "marshal", "shelve", "joblib", "read_pickle", "Checkpoint",
    "get_checkpoint", "can_restore", "ExperimentAnalysis",
}  # fmt: skip


def test_nothing_in_the_project_loads_a_pickle() -> None:
    """Names in code only: comments and docstrings may explain why there is no pickle."""
    found = []
    for path in sorted((ROOT / "src").rglob("*.py")):
        tokens = [
            token
            for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
            if token.type not in (tokenize.COMMENT, tokenize.STRING, tokenize.NL)
        ]
        for position, token in enumerate(tokens):
            where = f"{path.relative_to(ROOT)}:{token.start[0]}"
            following = [later.string for later in tokens[position + 1 : position + 3]]
            if token.type == tokenize.NAME and token.string in FORBIDDEN:
                found.append(f"{where} {token.string}")
            elif token.string == "Tuner" and following == [".", "restore"]:
                found.append(f"{where} Tuner.restore")
            elif token.string == "allow_pickle" and following != ["=", "False"]:
                found.append(f"{where} allow_pickle")
    assert found == []


def test_a_failing_trial_fails_the_sweep_with_its_error(local_ray, tmp_path, capsys, monkeypatch):
    """A trial that errors: exit 1, its error in one line, nothing final written; the records
    say which trial failed and why, and a resume runs only that trial again."""
    from prod2vec.online_retail import reference_protocol

    split = SimpleNamespace(train=SESSIONS, validation=PAIRS)
    monkeypatch.setattr(
        reference_protocol, "prepare_sessions", lambda: SimpleNamespace(split=split)
    )
    settings = SweepSettings(search="random", samples=2, max_epochs=5, asha=False, seed=4, k=5)
    with pytest.raises(SweepIncompleteError) as failed:
        run_sweep(SESSIONS, PAIRS, settings, name="failing", storage=tmp_path, verbose=0,
                  points_to_evaluate=[{"scoring": "output-output"}])  # fmt: skip
    message = str(failed.value)
    assert not failed.value.interrupted and "\n" not in message
    assert "1 of 2 trials finished (0 stopped early by ASHA), 1 errored" in message
    assert "trial_00000: " in message and "output-output" in message
    assert "--resume --name failing" in message
    sweep = tmp_path / "failing"
    end = json.loads(record_lines(sweep, 0)[-1])
    assert end["reason"] == FAILED and "output-output" in end["error"]
    status = sweep_status(sweep)
    assert (status.finished, status.errored, status.done) == (1, 1, False)
    with pytest.raises(SweepIncompleteError):
        write_sweep(sweep, tmp_path / "out", settings, "python -m prod2vec tune ...")
    assert not (tmp_path / "out").exists()

    kept = record_lines(sweep, 1)
    out = tmp_path / "out"
    common = ["--name", "failing", "--storage", str(tmp_path), "--output", str(out), "--quiet"]
    assert main(["tune", "--resume", *common]) == 1  # the same configuration fails again
    error = capsys.readouterr().err
    assert error.startswith("error: The sweep failing did not finish: 1 of 2 trials finished")
    assert error.count("\n") == 1 and not out.exists()
    assert record_lines(sweep, 1) == kept  # the finished trial was not run again


def test_the_cluster_must_have_cpus_for_a_trial(local_ray, monkeypatch, capsys) -> None:
    from prod2vec.tune import connect

    monkeypatch.setattr(connect, "FREE_CPU_WAIT_S", 0.5)
    assert connect.check_cpus(2) == {"total": 2.0, "free": 2.0}
    with pytest.raises(ClusterError, match=r"the local Ray has 2 CPUs and a trial needs 3"):
        connect.check_cpus(3)
    holder = ray.remote(num_cpus=2)(type("Holder", (), {"ready": lambda self: True})).remote()
    try:
        ray.get(holder.ready.remote())
        capsys.readouterr()
        assert connect.check_cpus(1, "127.0.0.1:6379") == {"total": 2.0, "free": 0.0}
        note = capsys.readouterr().err
        assert note.startswith("note: the Ray cluster at 127.0.0.1:6379 has 0 of its 2 CPUs free")
        assert "the sweep stops if none can start within 180 s" in note
    finally:
        ray.kill(holder)


def test_trials_that_cannot_start_stop_the_run_with_the_reason(local_ray) -> None:
    def trials(*statuses: str) -> list[SimpleNamespace]:
        return [SimpleNamespace(status=status) for status in statuses]

    watchdog = PendingWatchdog(cpus_per_trial=2, address="head:6379", timeout=0.2)
    watchdog.on_step_begin(0, trials("PENDING", "PENDING"))
    watchdog.on_step_begin(1, trials("RUNNING", "PENDING"))
    time.sleep(0.3)
    watchdog.on_step_begin(2, trials("TERMINATED", "RUNNING"))  # running: not stuck
    with pytest.raises(ClusterError, match="No trial could start for 0 s: the Ray cluster at "
                       "head:6379 has .* CPUs free and a trial needs 2"):  # fmt: skip
        time.sleep(0.3)
        watchdog.on_step_begin(3, trials("TERMINATED", "PENDING"))


def test_the_head_must_see_the_sweeps_folder(tmp_path: Path) -> None:
    """With Ray Client the recorder runs on the head: a folder it does not share is refused."""
    from prod2vec.tune.trainable import TrialRecorder

    (tmp_path / SWEEP_FILE).write_text("the driver's plan")
    TrialRecorder(tmp_path, plan=(SWEEP_FILE, "the driver's plan")).setup()
    with pytest.raises(ClusterError, match="does not see .* as the driver does: give --storage"):
        TrialRecorder(tmp_path, plan=(SWEEP_FILE, "another plan")).setup()
    with pytest.raises(ClusterError, match="folder both share"):
        TrialRecorder(tmp_path / "elsewhere", plan=(SWEEP_FILE, "the driver's plan")).setup()
    assert not (tmp_path / "elsewhere").exists()


def test_progress_lines_say_how_far_the_sweep_is(capsys) -> None:
    line = StatusLine(planned=6, kept=2, metric="recall_at_5", interval=60)
    running = SimpleNamespace(status="RUNNING", trial_id="a",
                              config={"config_index": 3, "epochs": 7}, last_result={"epoch": 2},
                              metric_analysis={"recall_at_5": {"max": 0.25}})  # fmt: skip
    ended = SimpleNamespace(status="TERMINATED", config={"config_index": 2, "epochs": 5},
                            last_result={"epoch": 5},
                            metric_analysis={"recall_at_5": {"max": 0.5}})  # fmt: skip
    waiting = SimpleNamespace(status="PENDING", trial_id="b", config={"epochs": 5},
                              last_result={}, metric_analysis={})  # fmt: skip
    assert line.should_report([running, waiting])
    line.report([running, ended, waiting], done=False)
    assert not line.should_report([running, ended, waiting])  # nothing changed since
    printed = capsys.readouterr().out
    assert printed.endswith(
        "3 of 6 trials ended, 0 errored, 1 running, 1 waiting; best recall_at_5 0.5000; "
        "running trial_00003 epoch 2/7\n"
    )
