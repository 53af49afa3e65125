"""The Ray Tune search: real Ray on a small generated corpus, one node and two."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ray = pytest.importorskip("ray")  # the tune extra; make setup installs it

from prod2vec.cli import main  # noqa: E402
from prod2vec.configuration import Configuration  # noqa: E402
from prod2vec.errors import ConfigurationError, SweepIncompleteError  # noqa: E402
from prod2vec.models.word2vec import Word2VecRecommender, train_word2vec  # noqa: E402
from prod2vec.tune.space import ORIGINAL_GRID, grid_space, random_space, word2vec_settings  # noqa: E402
from prod2vec.tune.sweep import (  # noqa: E402
    SweepSettings,
    best_configuration,
    epoch_table,
    resume_sweep,
    run_sweep,
    sweep_status,
    trial_table,
    write_sweep,
)
from tests.interrupting import sigint_as_in_a_terminal  # noqa: E402
from tests.test_word2vec import PAIRS, SESSIONS, SMALL  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TRIAL_COLUMNS = [
    "trial_id", "vector_size", "window", "ns_exponent", "alpha", "negative", "sample", "epochs",
    "scoring", "best_recall_at_5", "best_mrr_at_5", "best_epoch", "last_recall_at_5",
    "last_mrr_at_5", "epochs_run", "epochs_planned", "stopped_early", "cpu_seconds", "node",
    "ended",
]  # fmt: skip
SMALL_SWEEP = SweepSettings(
    search="random", samples=8, max_epochs=9, grace_period=1, concurrency=2, seed=3, k=5
)


def test_the_spaces_cover_the_original_grid_and_more() -> None:
    assert [len(values) for values in ORIGINAL_GRID.values()] == [16, 7, 11, 3, 7]
    assert ORIGINAL_GRID["ns_exponent"][0] == -1.0 and ORIGINAL_GRID["ns_exponent"][-1] == 1.0
    assert set(grid_space()) == {*ORIGINAL_GRID, "epochs", "scoring"}
    assert set(random_space()) == {*ORIGINAL_GRID, "sample", "epochs", "scoring"}
    config = {"vector_size": 16, "alpha": 0.02, "scoring": "input-output", "seed": 3}
    assert word2vec_settings(config) == {"sg": 1, "min_count": 1, "hs": 0, "vector_size": 16,
                                         "alpha": 0.02}  # fmt: skip
    with pytest.raises(ValueError, match="Unknown search"):
        SweepSettings(search="genetic")
    with pytest.raises(ValueError, match="max_epochs must be at least 5"):
        SweepSettings(max_epochs=3)


def test_input_output_scoring_ranks_by_output_vectors() -> None:
    model = train_word2vec(SESSIONS, SMALL)
    recommender = Word2VecRecommender.from_vectors(
        model.wv, output_weights=model.syn1neg, scoring="input-output"
    )
    query = recommender.index_of(["c0i1"])
    unit_in = model.wv.get_vector("c0i1", norm=True)
    outputs = model.syn1neg / np.linalg.norm(model.syn1neg, axis=1, keepdims=True)
    expected = outputs @ unit_in
    scores = recommender._scores(query)[0]
    for position, item in enumerate(recommender.items_):
        assert scores[position] == pytest.approx(expected[model.wv.key_to_index[item]], abs=1e-5)
    with pytest.raises(ValueError, match="needs the output weights"):
        Word2VecRecommender.from_vectors(model.wv, scoring="input-output")
    with pytest.raises(ValueError, match="Unknown scoring"):
        Word2VecRecommender(scoring="output-output")


def test_a_small_sweep_end_to_end(local_ray, tmp_path: Path) -> None:
    results = run_sweep(SESSIONS, PAIRS, SMALL_SWEEP, name="small", storage=tmp_path, verbose=0)
    trials, epochs = trial_table(results, k=5), epoch_table(results, k=5)
    assert list(trials.columns) == TRIAL_COLUMNS
    assert len(trials) == 8 and trials["stopped_early"].any()  # ASHA stopped some
    assert (trials["epochs_run"] <= trials["epochs_planned"]).all()
    assert list(epochs.columns) == ["trial_id", "epoch", "recall_at_5", "mrr_at_5", "cpu_seconds"]
    assert len(epochs) == trials["epochs_run"].sum()
    per_trial = epochs.groupby("trial_id")["recall_at_5"].max()
    assert np.allclose(per_trial.loc[trials["trial_id"]], trials["best_recall_at_5"])
    assert (epochs.groupby("trial_id")["cpu_seconds"].diff().dropna() >= 0).all()

    best = best_configuration(trials, k=5)
    assert best.validation["recall_at_5"] == trials["best_recall_at_5"].max()
    paths = write_sweep(results, tmp_path / "out", SMALL_SWEEP, "python -m prod2vec tune ...")
    written = Configuration.load(paths["best"])
    assert written.provenance.command == "python -m prod2vec tune ..."
    assert set(written.provenance.versions) >= {"python", "ray", "gensim", "optuna"}
    assert written.provenance.search == asdict(SMALL_SWEEP)
    assert (written.word2vec, written.trial_id) == (best.word2vec, best.trial_id)
    assert pd.read_csv(paths["trials"]).shape == trials.shape

    # the same seed draws the same configurations
    again = trial_table(
        run_sweep(SESSIONS, PAIRS, SMALL_SWEEP, name="again", storage=tmp_path, verbose=0), k=5
    )
    columns = ["vector_size", "window", "negative", "epochs", "scoring"]
    pd.testing.assert_frame_equal(
        trials.sort_values(columns)[columns].reset_index(drop=True),
        again.sort_values(columns)[columns].reset_index(drop=True),
    )


def slow_corpus() -> tuple[list[list[str]], pd.DataFrame]:
    """Long sessions: an epoch takes a noticeable fraction of a second."""
    rng = np.random.default_rng(5)
    sessions = [[f"i{item}" for item in rng.integers(0, 300, size=150)] for _ in range(1500)]
    pairs = pd.DataFrame({"query": [f"i{n}" for n in range(50)],
                          "target": [f"i{n + 1}" for n in range(50)]})  # fmt: skip
    return sessions, pairs


def test_an_interrupted_sweep_says_so_and_resumes_exactly(local_ray, tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) to `python -m prod2vec tune`: exit 130, nothing final written, the cut
    trial recorded as interrupted (not as stopped by ASHA); the resume finishes every trial."""
    settings = SweepSettings(search="random", samples=4, max_epochs=6, asha=False,
                             concurrency=1, seed=1)  # fmt: skip
    out = tmp_path / "out"
    script = f"""
import sys, types
sys.path.insert(0, {str(ROOT)!r})
from prod2vec.online_retail import reference_protocol
from tests.test_tune import slow_corpus
train, pairs = slow_corpus()
split = types.SimpleNamespace(train=train, validation=pairs)
reference_protocol.prepare_sessions = lambda: types.SimpleNamespace(split=split)
from prod2vec.cli import main
sys.exit(main(["tune", "--samples", "4", "--max-epochs", "6", "--no-asha", "--concurrency", "1",
               "--seed", "1", "--name", "interrupted", "--storage", {str(tmp_path)!r},
               "--output", {str(out)!r}, "--quiet"]))
"""
    sweep = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True,
                             preexec_fn=sigint_as_in_a_terminal)  # fmt: skip
    folder = tmp_path / "interrupted"
    deadline = time.monotonic() + 180
    while not any(len(path.read_text().splitlines()) > 1
                  for path in folder.glob("prod2vec_trials/*.jsonl")):  # fmt: skip
        assert sweep.poll() is None and time.monotonic() < deadline, "no trial reported"
        time.sleep(0.2)
    sweep.send_signal(signal.SIGINT)
    _, stderr = sweep.communicate(timeout=180)
    assert sweep.returncode == 130, stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("interrupted: The sweep interrupted did not finish: ")
    assert "0 errored, 1 interrupted" in last and "--resume --name interrupted" in last
    assert not out.exists()  # no trials.csv, epochs.csv or best.json from part of a sweep
    ends = [json.loads(path.read_text().splitlines()[-1])
            for path in folder.glob("prod2vec_trials/*.jsonl")]  # fmt: skip
    assert {"record": "end", "reason": "interrupted"} in [
        {key: end.get(key) for key in ("record", "reason")} for end in ends
    ]
    status = sweep_status(folder)
    assert (status.stopped, status.interrupted, status.done) == (0, 1, False)
    with pytest.raises(SweepIncompleteError, match="did not finish"):
        write_sweep(folder, out, settings, "python -m prod2vec tune ...")

    train, pairs = slow_corpus()
    resumed = trial_table(resume_sweep(folder, train, pairs, settings))
    assert len(resumed) == 4 and sweep_status(folder).done
    assert (resumed["epochs_run"] == resumed["epochs_planned"]).all()
    assert (resumed["ended"] == "finished").all() and not resumed["stopped_early"].any()
    epochs = epoch_table(folder)
    assert not epochs.duplicated(["trial_id", "epoch"]).any()
    assert len(epochs) == resumed["epochs_planned"].sum()


@pytest.fixture
def two_node_cluster():
    from ray.cluster_utils import Cluster

    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    ray.shutdown()  # the module's local Ray: the sweep must connect to this cluster instead
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "include_dashboard": False},
    )
    cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    yield cluster
    ray.shutdown()
    cluster.shutdown()


def test_trials_run_on_both_nodes_of_a_cluster(two_node_cluster, tmp_path: Path) -> None:
    settings = SweepSettings(search="random", samples=4, max_epochs=5, asha=False, seed=2, k=5)
    train, pairs = slow_corpus()  # trials long enough to run two at once
    results = run_sweep(
        train,
        pairs,
        settings,
        name="cluster",
        storage=tmp_path,
        address=two_node_cluster.address,
        verbose=0,
    )
    trials = trial_table(results, k=5)
    assert len(trials) == 4 and len(ray.nodes()) == 2
    assert trials["node"].nunique() == 2  # one CPU a node: two trials at once need both


@pytest.mark.parametrize(
    ("arguments", "phrase"),
    [
        (["--samples", "0"], "must be at least 1"),
        (["--search", "genetic"], "invalid choice: 'genetic'"),
        (["--max-epochs", "3"], "max_epochs must be at least 5, got 3: random and Bayesian"),
        (["--concurrency", "x"], "expected a whole number"),
    ],
)
def test_tune_argument_errors_exit_2(capsys, arguments: list[str], phrase: str) -> None:
    with pytest.raises(SystemExit) as exit_code:
        main(["tune", *arguments])
    assert exit_code.value.code == 2
    assert phrase in capsys.readouterr().err


def test_the_pipeline_tunes_on_its_own_split(local_ray, tmp_path: Path) -> None:
    from tests.synthetic import shopping_events, write_csv

    events = write_csv(shopping_events(users=120), tmp_path / "events.csv")
    out = tmp_path / "out"
    assert main(["pipeline", "--input", str(events), "--tune", "--samples", "2",
                 "--max-epochs", "5", "--grace-period", "1", "--storage", str(tmp_path / "ray"),
                 "--out", str(out)]) == 0  # fmt: skip
    trials = pd.read_csv(out / "trials.csv")
    config = json.loads((out / "config.json").read_text())
    assert len(trials) == 2
    best = trials.iloc[0]
    assert config["word2vec"]["vector_size"] == best["vector_size"]
    assert config["scoring"] == best["scoring"]
    assert any((tmp_path / "ray").iterdir())  # Ray's state went where --storage said


def two_trials() -> pd.DataFrame:
    """A trial table of two trials, the sweep's best first."""
    return pd.DataFrame(
        {"trial_id": ["weak", "strong"], "vector_size": [4, 16], "window": [1, 2],
         "ns_exponent": [0.75, 0.75], "alpha": [0.001, 0.025], "negative": [1, 5],
         "sample": [0.001, 0.001], "epochs": [3, 4], "scoring": ["input-input"] * 2,
         "best_recall_at_5": [0.9, 0.8], "best_mrr_at_5": [0.5, 0.4], "best_epoch": [3, 4]}
    )  # fmt: skip


def test_the_best_configuration_is_the_first_trial() -> None:
    best = best_configuration(two_trials(), k=5)
    assert isinstance(best, Configuration)
    assert best.word2vec == {"sg": 1, "min_count": 1, "hs": 0, "vector_size": 4, "window": 1,
                             "ns_exponent": 0.75, "alpha": 0.001, "negative": 1,
                             "sample": 0.001, "epochs": 3}  # fmt: skip
    assert all(type(value) in (int, float) for value in best.word2vec.values())  # JSON-ready
    assert (best.trial_id, best.best_epoch) == ("weak", 3)
    assert best.validation == {"recall_at_5": 0.9, "mrr_at_5": 0.5}
    content = best.to_dict()
    assert Configuration.from_dict(json.loads(json.dumps(content))).to_dict() == content
    with pytest.raises(ConfigurationError, match="no trial that reported"):
        best_configuration(two_trials().iloc[:0], k=5)


def test_read_trials_sorts_and_refuses_a_table_that_is_not_one(tmp_path: Path) -> None:
    from prod2vec.tune.finalists import read_trials

    table = two_trials().iloc[::-1].assign(trial_id=["00002", "00001"])
    table.to_csv(tmp_path / "trials.csv", index=False)
    trials = read_trials(tmp_path / "trials.csv", k=5)
    assert trials["trial_id"].tolist() == ["00001", "00002"]  # text, best first
    (tmp_path / "other.csv").write_text("trial_id,window,b\n1,2,3\n")
    with pytest.raises(ConfigurationError) as refused:
        read_trials(tmp_path / "other.csv", k=5)
    message = str(refused.value)
    assert "other.csv is not a trials.csv" in message and "\n" not in message
    for column in ("vector_size", "scoring", "best_epoch", "best_recall_at_5"):
        assert column in message
    assert "'window'" not in message and "python -m prod2vec tune" in message
    with pytest.raises(ConfigurationError, match="lacks columns.*best_recall_at_10"):
        read_trials(tmp_path / "trials.csv")  # K=10 by default: this table is K=5's


def test_finalists_choose_on_the_mean_validation_curve(tmp_path: Path) -> None:
    from prod2vec.tune.finalists import finalist_configuration, rescore_finalists, write_finalists

    trials = two_trials()
    curves, finalists = rescore_finalists(
        trials, SESSIONS, PAIRS, top=2, model_seeds=(0, 1), k=5, processes=2
    )
    assert len(curves) == 2 * (3 + 4)  # every epoch of every trial and seed
    assert finalists["trial_id"].tolist() == ["strong", "weak"]  # the sweep's order overturned
    mean = curves[curves["trial_id"] == "strong"].groupby("epoch")["Recall@5"].mean()
    assert finalists.loc[0, "mean_recall_at_5"] == pytest.approx(mean.max())
    assert finalists.loc[0, "best_epoch"] == mean.idxmax()
    chosen = finalist_configuration(trials, finalists, k=5)
    assert chosen.word2vec["vector_size"] == 16 and chosen.trial_id == "strong"
    assert chosen.best_epoch == finalists.loc[0, "best_epoch"]
    assert chosen.validation == {"recall_at_5": finalists.loc[0, "mean_recall_at_5"],
                                 "mrr_at_5": finalists.loc[0, "mean_mrr_at_5"]}  # fmt: skip

    best = chosen.with_provenance(command="python -m prod2vec finalists", model_seeds=(0, 1))
    paths = write_finalists(curves, finalists, best, tmp_path / "out")
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "best.json", "curves.csv", "finalists.csv"]  # fmt: skip
    assert Configuration.load(paths["best"]) == best
    assert json.loads(paths["best"].read_text())["model_seeds"] == [0, 1]
    assert len(pd.read_csv(paths["curves"])) == len(curves)

    again, _ = rescore_finalists(trials, SESSIONS, PAIRS, top=1, model_seeds=(0,), k=5)
    first = curves[(curves["trial_id"] == "weak") & (curves["model_seed"] == 0)]
    np.testing.assert_allclose(again["Recall@5"], first["Recall@5"])  # one worker: repeatable


def test_finalists_refuse_a_file_that_is_not_a_trial_table(tmp_path: Path, capsys) -> None:
    table = tmp_path / "trials.csv"
    table.write_text("a,b\n1,2\n")
    assert main(["finalists", "--trials", str(table), "--output", str(tmp_path / "out")]) == 1
    assert "not a trials.csv" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
