"""Word2Vec training, callbacks and early stopping on a small synthetic corpus."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from prod2vec.configuration import Configuration
from prod2vec.defaults import MODEL_SEED
from prod2vec.errors import ConfigurationError, ModelFileError
from prod2vec.evaluation.results import pair_metrics
from prod2vec.models.callbacks import (
    EarlyStopping,
    LossLogger,
    MetricLogger,
    StopAfterEpoch,
    TrainingControl,
    training_history,
)
from prod2vec.models.ranking import _exact_top_k, top_k_indices
from prod2vec.models.word2vec import (
    DEFAULT_SEED,
    MAX_VECTOR_SIZE,
    MAX_WINDOW,
    VectorFileError,
    Word2VecRecommender,
    check_scoring,
    check_word2vec_settings,
    linear_alpha_schedule,
    load_vectors,
    save_vectors,
    train_word2vec,
)

SMALL = {"vector_size": 16, "window": 2, "min_count": 1, "sg": 1, "negative": 5, "epochs": 6}


def clustered_corpus(n_sessions: int = 240, seed: int = 0) -> tuple[list[list[str]], pd.DataFrame]:
    """Sessions that wander inside one of 6 clusters of 8 items; pairs from the same clusters."""
    rng = np.random.default_rng(seed)
    sessions = []
    for _ in range(n_sessions):
        cluster = rng.integers(6)
        sessions.append([f"c{cluster}i{i}" for i in rng.integers(8, size=rng.integers(6, 15))])
    clusters, members = rng.integers(6, size=60), rng.integers(8, size=60)
    queries = [f"c{c}i{i}" for c, i in zip(clusters, members, strict=True)]
    targets = [f"{q.split('i')[0]}i{(int(q.split('i')[1]) + 1) % 8}" for q in queries]
    return sessions, pd.DataFrame({"query": queries, "target": targets})


SESSIONS, PAIRS = clustered_corpus()


class VectorRecorder(CallbackAny2Vec):
    """Copies the vectors after every epoch (test only)."""

    def __init__(self) -> None:
        self.snapshots: list[np.ndarray] = []

    def on_epoch_end(self, model: Word2Vec) -> None:
        self.snapshots.append(model.wv.vectors.copy())


def test_same_seed_one_worker_gives_identical_vectors() -> None:
    first = train_word2vec(SESSIONS, SMALL, seed=7)
    again = train_word2vec(SESSIONS, SMALL, seed=7)
    other = train_word2vec(SESSIONS, SMALL, seed=8)
    assert first.wv.index_to_key == again.wv.index_to_key
    np.testing.assert_array_equal(first.wv.vectors, again.wv.vectors)
    assert not np.array_equal(first.wv.vectors, other.wv.vectors)


def test_early_stopping_really_stops_and_restores_the_best_epoch() -> None:
    logger, recorder = MetricLogger(PAIRS, k=5), VectorRecorder()
    stopper = EarlyStopping(logger, metric="Recall@5", patience=2)
    model = train_word2vec(SESSIONS, {**SMALL, "epochs": 40}, callbacks=[logger, stopper, recorder])

    assert stopper.stopped_epoch is not None and stopper.stopped_epoch < 40
    # no epoch ran after the stop: every callback saw exactly stopped_epoch epochs
    assert len(recorder.snapshots) == len(logger.history) == stopper.stopped_epoch
    assert stopper.stopped_epoch == stopper.best_epoch + stopper.patience
    history = logger.history["Recall@5"]
    assert stopper.best_value == history.max() == history.loc[stopper.best_epoch]
    np.testing.assert_array_equal(model.wv.vectors, recorder.snapshots[stopper.best_epoch - 1])
    assert not np.array_equal(model.wv.vectors, recorder.snapshots[-1])
    restored = pair_metrics(Word2VecRecommender.from_vectors(model.wv), PAIRS, k=5)
    assert restored["Recall@5"].mean() == pytest.approx(stopper.best_value)


def test_min_delta_counts_small_gains_as_no_gain() -> None:
    logger = MetricLogger(PAIRS, k=5)
    stopper = EarlyStopping(logger, metric="MRR@5", patience=1, min_delta=1.0)
    train_word2vec(SESSIONS, {**SMALL, "epochs": 10}, callbacks=[logger, stopper])
    assert (stopper.best_epoch, stopper.stopped_epoch) == (1, 2)


def test_early_stopping_needs_its_logger_first() -> None:
    logger = MetricLogger(PAIRS)
    with pytest.raises(RuntimeError, match="MetricLogger before the EarlyStopping"):
        train_word2vec(SESSIONS, SMALL, callbacks=[EarlyStopping(logger), logger])
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(logger, patience=0)


def test_metric_logger_uses_live_vectors_not_stale_norms() -> None:
    logger = MetricLogger(PAIRS, k=3)
    model = train_word2vec(SESSIONS, {**SMALL, "epochs": 2})
    model.wv.fill_norms()  # Gensim caches norms of the current vectors...
    model.train(SESSIONS, total_examples=model.corpus_count, epochs=1, callbacks=[logger])
    # ...which are stale now; the logger must rank with the vectors of the new epoch
    fresh = Word2VecRecommender.from_vectors(model.wv)
    assert logger.history.iloc[-1]["MRR@3"] == pair_metrics(fresh, PAIRS, k=3)["MRR@3"].mean()


def test_batch_recommendations_equal_gensim_most_similar() -> None:
    model = train_word2vec(SESSIONS, SMALL)
    recommender = Word2VecRecommender.from_vectors(model.wv)
    items = model.wv.index_to_key[:10]
    expected = [[word for word, _ in model.wv.most_similar(item, topn=5)] for item in items]
    assert recommender.recommend(items, k=5).tolist() == expected


def test_loss_logger_gives_per_epoch_losses_in_both_training_modes() -> None:
    per_call = LossLogger()
    train_word2vec(SESSIONS, SMALL, callbacks=[per_call])
    assert len(per_call.losses) == SMALL["epochs"] and min(per_call.losses) > 0

    one_call = LossLogger()
    params = {key: value for key, value in SMALL.items() if key != "epochs"}
    model = Word2Vec(
        SESSIONS, **params, epochs=4, workers=1, compute_loss=True, callbacks=[one_call]
    )
    assert len(one_call.losses) == 4 and min(one_call.losses) > 0
    assert sum(one_call.losses) == pytest.approx(model.get_latest_training_loss())


def test_the_schedule_spans_the_planned_epochs() -> None:
    np.testing.assert_allclose(linear_alpha_schedule(0.03, 0.0, 3), [0.03, 0.02, 0.01, 0.0])
    logger = MetricLogger(PAIRS)
    train_word2vec(SESSIONS, {**SMALL, "alpha": 0.03, "min_alpha": 0.001}, callbacks=[logger])
    schedule = linear_alpha_schedule(0.03, 0.001, SMALL["epochs"])
    # the lowest rate used in each epoch lies within that epoch's slice of the schedule
    used = logger.history["alpha"].to_numpy()
    assert np.all((schedule[1:] - 1e-9 <= used) & (used <= schedule[:-1] + 1e-9))


def test_bad_training_input() -> None:
    with pytest.raises(ConfigurationError, match=r"Unknown Word2Vec parameters \['windw'\]"):
        train_word2vec(SESSIONS, {"windw": 3})
    with pytest.raises(ConfigurationError, match="lower min_count"):
        train_word2vec([["a", "b"]], {"min_count": 5})
    with pytest.raises(ValueError, match="no items"):
        train_word2vec([[], []])
    with pytest.raises(ConfigurationError, match="epochs must be at least 1"):
        train_word2vec(SESSIONS, {"epochs": 0})
    with pytest.raises(ConfigurationError, match="seed must be an integer, got 1.5"):
        train_word2vec(SESSIONS, SMALL, seed=1.5)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="ns_exponent must be a finite number"):
        check_word2vec_settings({"ns_exponent": "0.75"})


def test_absurd_sizes_are_refused_before_anything_is_allocated() -> None:
    check_word2vec_settings({"vector_size": MAX_VECTOR_SIZE, "window": MAX_WINDOW})
    with pytest.raises(ConfigurationError, match="vector_size must be at most 10,000.*got 10,001"):
        check_word2vec_settings({"vector_size": MAX_VECTOR_SIZE + 1})
    with pytest.raises(ConfigurationError, match="window must be at most 10,000 .*items of a"):
        check_word2vec_settings({"window": MAX_WINDOW + 1})
    with pytest.raises(ConfigurationError, match="vector_size must be at most"):
        train_word2vec(SESSIONS, {**SMALL, "vector_size": 10**12})


def test_check_scoring_is_the_one_check_of_a_scoring() -> None:
    check_scoring("input-output", {"negative": 5})
    check_scoring("input-output")  # without settings only the name is checked
    check_scoring("input-input", {"negative": 0, "hs": 1})
    with pytest.raises(ConfigurationError, match=r"Unknown scoring 'output-output'.*input-input"):
        check_scoring("output-output")
    with pytest.raises(ConfigurationError, match="needs negative sampling, got negative=0"):
        check_scoring("input-output", {"negative": 0, "hs": 1})
    # its users refuse the same, before any training
    no_negatives = {**SMALL, "negative": 0, "hs": 1}
    with pytest.raises(ConfigurationError, match="needs negative sampling"):
        Word2VecRecommender(no_negatives, scoring="input-output")
    with pytest.raises(ConfigurationError, match="needs negative sampling"):
        Configuration(word2vec=no_negatives, scoring="input-output")
    with pytest.raises(ConfigurationError, match="Unknown scoring"):
        MetricLogger(PAIRS, scoring="output-output")


class StopsButIsNoControl(CallbackAny2Vec):
    """Has a control's attributes without being a TrainingControl (test only)."""

    def __init__(self) -> None:
        self.stop_training = True
        self.restored = 0

    def restore_best(self, model: Word2Vec) -> None:
        self.restored += 1


class CountingControl(TrainingControl):
    """Stops after two epochs and counts the calls of restore_best (test only)."""

    def __init__(self) -> None:
        self.epochs = 0
        self.restored = 0

    def on_epoch_end(self, model: Word2Vec) -> None:
        self.epochs += 1
        self.stop_training = self.epochs >= 2

    def restore_best(self, model: Word2Vec) -> None:
        self.restored += 1


def test_only_a_training_control_stops_training_or_restores() -> None:
    impostor, recorder = StopsButIsNoControl(), VectorRecorder()
    train_word2vec(SESSIONS, {**SMALL, "epochs": 3}, callbacks=[impostor, recorder])
    assert len(recorder.snapshots) == 3 and impostor.restored == 0

    control, recorder = CountingControl(), VectorRecorder()
    train_word2vec(SESSIONS, {**SMALL, "epochs": 5}, callbacks=[control, recorder])
    assert len(recorder.snapshots) == control.epochs == 2 and control.restored == 1
    assert isinstance(EarlyStopping(MetricLogger(PAIRS)), TrainingControl)
    assert isinstance(StopAfterEpoch(1), TrainingControl)
    assert TrainingControl().stop_training is False


def test_seed_and_file_errors_belong_to_the_project() -> None:
    assert DEFAULT_SEED == MODEL_SEED
    assert issubclass(VectorFileError, ModelFileError)


def test_save_and_load_vectors(tmp_path: Path) -> None:
    model = train_word2vec(SESSIONS, SMALL)
    path = save_vectors(model.wv, tmp_path / "vectors.kv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vectors.kv"]
    loaded = load_vectors(path)
    assert loaded.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(loaded.vectors, model.wv.vectors)
    with pytest.raises(FileNotFoundError, match="save_vectors"):
        load_vectors(tmp_path / "missing.kv")


def test_unknown_queries_are_misses() -> None:
    recommender = Word2VecRecommender(SMALL).fit(SESSIONS)
    assert recommender.recommend(["nope"], k=2).tolist() == [["", ""]]


def test_fast_top_k_equals_exact_top_k_with_many_ties() -> None:
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 4, size=(300, 40)).astype(float)
    scores[rng.random(scores.shape) < 0.3] = -np.inf
    for k in (1, 5, 39, 40, 45):
        fast = top_k_indices(scores, k)
        exact = np.array([_exact_top_k(row, k) for row in scores])
        np.testing.assert_array_equal(fast, exact)


FINGERPRINT = """
import hashlib
from tests.test_word2vec import SESSIONS, SMALL
from prod2vec.models.word2vec import train_word2vec
model = train_word2vec(SESSIONS, SMALL, seed=7)
print(hashlib.sha256(model.wv.vectors.tobytes()).hexdigest())
"""


def test_fresh_interpreters_give_identical_vectors() -> None:
    """Fixed PYTHONHASHSEED: identical. Gensim 4 seeds vectors with numpy, not hash(), so
    another hash seed gives the same vectors too."""
    root = Path(__file__).resolve().parents[1]

    def fingerprint(hash_seed: str) -> str:
        environment = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(root)}
        command = [sys.executable, "-c", FINGERPRINT]
        return subprocess.run(
            command, check=True, capture_output=True, text=True, env=environment
        ).stdout.strip()

    first = fingerprint("0")
    assert len(first) == 64
    assert fingerprint("0") == first
    assert fingerprint("1") == first


def test_callbacks_belong_to_one_training() -> None:
    logger = MetricLogger(PAIRS)
    recommender = Word2VecRecommender({**SMALL, "epochs": 2}, callbacks=[logger])
    recommender.fit(SESSIONS)
    with pytest.raises(RuntimeError, match="create new ones"):
        recommender.fit(SESSIONS)


def test_the_catalogue_follows_the_interfaces_tie_order_not_gensims() -> None:
    """Training count descending, then item id, as for every model (Gensim reverses ties)."""
    sessions = [["z", "b"], ["a", "y"], ["q", "q"]]
    recommender = Word2VecRecommender({**SMALL, "epochs": 1}).fit(sessions)
    assert recommender.model_.wv.index_to_key == ["q", "y", "a", "b", "z"]
    assert recommender.items_.tolist() == ["q", "a", "b", "y", "z"]
    for item in recommender.items_:  # scores still belong to the right items
        row = recommender.index_of([item])
        assert recommender._scores(row)[0, row[0]] == pytest.approx(1.0)


def test_training_history_refuses_loggers_of_different_runs() -> None:
    metrics, losses = MetricLogger(PAIRS, k=3), LossLogger()
    train_word2vec(SESSIONS, {**SMALL, "epochs": 2}, callbacks=[metrics])
    train_word2vec(SESSIONS, {**SMALL, "epochs": 3}, callbacks=[losses])
    with pytest.raises(ValueError, match="3 losses for 2 evaluated epochs"):
        training_history(metrics, losses)
    assert list(training_history(metrics).columns[:2]) == ["Recall@3", "MRR@3"]
