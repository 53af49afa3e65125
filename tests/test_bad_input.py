"""Bad input gets a clear error: no hang, no traceback, no silent wrong result, no code run.

Each case tried by hand once is tried here, with what it must do now: the error type and a
phrase of its message, the exit code, and the files left on disk.
"""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec
from hypothesis import given
from hypothesis import strategies as st

from prod2vec.cli import main
from prod2vec.data.interactions import as_item_ids
from prod2vec.errors import ConfigurationError, ProjectFileError
from prod2vec.models.baselines import MostPopular
from prod2vec.models.callbacks import EarlyStopping, LossLogger, MetricLogger
from prod2vec.models.word2vec import (
    VectorFileError,
    Word2VecRecommender,
    load_output_weights,
    load_vectors,
    save_vectors,
    train_word2vec,
)
from prod2vec.online_retail import CACHE_FILENAME, DataDownloadError
from prod2vec.online_retail.source import (
    ZIP_FILENAME,
    download_file,
    load_online_retail,
    remove_stale_temporaries,
)
from tests.test_online_retail_source import uci_style_zip
from tests.test_word2vec import PAIRS, SESSIONS, SMALL

# --- Word2Vec training -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "phrase"),
    [
        ({"window": 0}, "window must be at least 1, got 0"),
        ({"vector_size": 0}, "vector_size must be at least 1"),
        ({"alpha": -1}, "alpha must be > 0.0, got -1"),
        ({"epochs": 2.7}, "epochs must be an integer, got 2.7"),
        ({"epochs": 0}, "epochs must be at least 1"),
        ({"negative": 0, "hs": 0}, "leaves nothing to train"),
        ({"sg": 2}, "sg must be 0 or 1"),
        ({"min_alpha": 0.5}, "must not exceed alpha"),
        ({"sample": float("nan")}, "sample must be a finite number"),
        ({"windw": 3}, r"Unknown Word2Vec parameters \['windw'\]"),
        ({"workers": 4}, "pass seed= and workers= to it"),
    ],
)
def test_bad_word2vec_settings_are_refused_before_training(params: dict, phrase: str) -> None:
    started = time.monotonic()
    with pytest.raises(ConfigurationError, match=phrase):
        train_word2vec(SESSIONS, {**SMALL, **params})
    assert time.monotonic() - started < 5  # window=0 used to hang forever


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_workers_must_be_a_positive_integer(workers: object) -> None:
    with pytest.raises(ConfigurationError, match="workers must be an integer >= 1"):
        train_word2vec(SESSIONS, SMALL, workers=workers)  # type: ignore[arg-type]


def test_every_valid_gensim_option_is_accepted() -> None:
    options = {
        "cbow_mean": 0,
        "shrink_windows": False,
        "max_vocab_size": 10_000,
        "max_final_vocab": 30,
        "sorted_vocab": 1,
        "batch_words": 500,
        "null_word": 0,
    }
    model = train_word2vec(SESSIONS, {**SMALL, **options, "epochs": 2})
    assert len(model.wv) <= 30 < len({item for session in SESSIONS for item in session})
    assert model.shrink_windows is False and model.batch_words == 500


@pytest.mark.parametrize(
    ("corpus", "phrase"),
    [
        ((session for session in SESSIONS), "one-shot iterator"),
        (iter(SESSIONS), "one-shot iterator"),
        (["85123A", "71053"], "Session 0 is the string '85123A'"),
        ([["85123A", 71053]], "holds the int 71053: item ids must be strings"),
        ([[85123.0, "71053"]], "holds the float 85123.0"),
        ("85123A 71053", "got str"),
    ],
)
def test_sessions_that_would_train_wrongly_are_refused(corpus: object, phrase: str) -> None:
    for fit in (lambda: train_word2vec(corpus, SMALL), lambda: MostPopular().fit(corpus)):
        with pytest.raises(TypeError, match=phrase):
            fit()


def test_a_reiterable_corpus_object_is_accepted() -> None:
    class Corpus:
        def __iter__(self):
            return iter(SESSIONS)

    model = train_word2vec(Corpus(), {**SMALL, "epochs": 2})
    assert len(model.wv) == len({item for session in SESSIONS for item in session})


class Recorder(CallbackAny2Vec):
    """Counts Gensim's events and copies the output weights after every epoch."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.syn1: list[np.ndarray] = []

    def on_train_begin(self, model: Word2Vec) -> None:
        self.events.append("train_begin")

    def on_epoch_begin(self, model: Word2Vec) -> None:
        self.events.append("epoch_begin")

    def on_epoch_end(self, model: Word2Vec) -> None:
        self.events.append("epoch_end")
        self.syn1.append(model.syn1.copy())

    def on_train_end(self, model: Word2Vec) -> None:
        self.events.append("train_end")
        self.final_syn1 = model.syn1.copy()


def test_hierarchical_softmax_early_stopping_restores_every_array_and_fires_once() -> None:
    """hs=1 trains syn1; the best epoch's syn1 must come back with its vectors."""
    logger, recorder = MetricLogger(PAIRS, k=5), Recorder()
    stopper = EarlyStopping(logger, metric="Recall@5", patience=2)
    params = {**SMALL, "hs": 1, "negative": 0, "epochs": 30}
    model = train_word2vec(SESSIONS, params, callbacks=[logger, stopper, recorder])

    assert stopper.stopped_epoch is not None and stopper.best_epoch < stopper.stopped_epoch
    np.testing.assert_array_equal(model.syn1, recorder.syn1[stopper.best_epoch - 1])
    assert not np.array_equal(model.syn1, recorder.syn1[-1])
    # training events once per training; on_train_end sees the restored model
    epochs = stopper.stopped_epoch
    assert recorder.events[0] == "train_begin" and recorder.events[-1] == "train_end"
    assert recorder.events.count("train_begin") == recorder.events.count("train_end") == 1
    assert recorder.events.count("epoch_begin") == recorder.events.count("epoch_end") == epochs
    np.testing.assert_array_equal(recorder.final_syn1, model.syn1)


def test_loss_logger_still_gives_one_loss_per_epoch() -> None:
    losses = LossLogger()
    train_word2vec(SESSIONS, {**SMALL, "epochs": 3}, callbacks=[losses])
    assert len(losses.losses) == 3 and min(losses.losses) > 0


# --- vectors on disk ---------------------------------------------------------------------------


class Payload:
    """Unpickling this runs code: it creates the file ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_loading_a_crafted_pickle_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "payload-ran"
    crafted = tmp_path / "vectors.npz"
    crafted.write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(VectorFileError, match="not a vectors file.*Nothing in it was run"):
        load_vectors(crafted)
    assert not marker.exists()


def test_gensims_native_pickle_format_is_refused_with_the_fix(tmp_path: Path) -> None:
    model = train_word2vec(SESSIONS, {**SMALL, "epochs": 1})
    native = tmp_path / "vectors.kv"
    model.wv.save(str(native))  # what the project used to write: a pickle
    with pytest.raises(VectorFileError, match="save_vectors"):
        load_vectors(native)


@pytest.mark.parametrize(
    ("arrays", "phrase"),
    [
        ({"vectors": np.ones((2, 3))}, "not keys, vectors and counts"),
        (
            {"keys": np.array(["a", "b"]), "vectors": np.ones((3, 2)), "counts": np.ones(2)},
            "differ in length",
        ),
        (
            {"keys": np.array(["a", "a"]), "vectors": np.ones((2, 2)), "counts": np.ones(2)},
            "keys repeat",
        ),
    ],
)
def test_foreign_or_inconsistent_archives_are_refused(
    tmp_path: Path, arrays: dict, phrase: str
) -> None:
    path = tmp_path / "foreign.npz"
    np.savez(path, **arrays)
    with pytest.raises(VectorFileError, match=phrase):
        load_vectors(path)


def test_truncated_vector_file(tmp_path: Path) -> None:
    model = train_word2vec(SESSIONS, {**SMALL, "epochs": 1})
    path = save_vectors(model.wv, tmp_path / "vectors.npz")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(VectorFileError, match="not a vectors file"):
        load_vectors(path)


def test_vectors_round_trip_with_counts_and_output_weights(tmp_path: Path) -> None:
    model = train_word2vec(SESSIONS, SMALL)
    path = save_vectors(model.wv, tmp_path / "vectors.npz", output_weights=model.syn1neg)
    assert [entry.name for entry in tmp_path.iterdir()] == ["vectors.npz"]
    loaded = load_vectors(path)
    assert loaded.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(loaded.vectors, model.wv.vectors)
    np.testing.assert_array_equal(loaded.expandos["count"], model.wv.expandos["count"])
    np.testing.assert_array_equal(load_output_weights(path), model.syn1neg)
    original = Word2VecRecommender.from_vectors(model.wv).recommend(PAIRS["query"])
    reloaded = Word2VecRecommender.from_vectors(loaded).recommend(PAIRS["query"])
    np.testing.assert_array_equal(original, reloaded)
    assert load_output_weights(save_vectors(model.wv, tmp_path / "plain.npz")) is None
    with pytest.raises(ValueError, match="output_weights has 3 rows"):
        save_vectors(model.wv, tmp_path / "bad.npz", output_weights=np.ones((3, 16)))


# --- item ids ----------------------------------------------------------------------------------


def test_a_bare_string_query_says_how_to_write_it() -> None:
    model = MostPopular().fit(SESSIONS)
    with pytest.raises(TypeError, match=r"not one string: write \['c0i1'\]"):
        model.recommend("c0i1")


@pytest.mark.parametrize("query", [1.0, 85123, None])
def test_ids_that_are_not_strings_are_refused_not_silently_missed(query: object) -> None:
    model = Word2VecRecommender(SMALL).fit(SESSIONS)
    with pytest.raises(TypeError, match="must be strings"):
        model.recommend([query])
    with pytest.raises(TypeError, match="must be strings"):
        model.target_ranks(["c0i1"], [query])


@given(st.lists(st.text(min_size=1), max_size=20))
def test_any_list_of_strings_is_kept_exactly_or_refused(items: list[str]) -> None:
    """numpy drops a trailing NUL from its strings: such ids are refused, never altered."""
    if any("\x00" in item for item in items):
        with pytest.raises(ValueError, match="NUL"):
            as_item_ids(items)
    else:
        assert as_item_ids(items).tolist() == items


@given(st.lists(st.one_of(st.integers(), st.floats(), st.none()), min_size=1, max_size=5))
def test_no_list_of_non_strings_is(items: list[object]) -> None:
    with pytest.raises(TypeError):
        as_item_ids(items)


# --- data and the command line -----------------------------------------------------------------


def data_command(folder: Path, *extra: str) -> list[str]:
    return ["data", "--data-dir", str(folder), "--quiet", *extra]


def write_cache(folder: Path, content: bytes | pd.DataFrame) -> Path:
    cache = folder / CACHE_FILENAME
    if isinstance(content, bytes):
        cache.write_bytes(content)
    else:
        content.to_parquet(cache)
    return cache


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (b"", "is unreadable"),
        (b"PAR1 this is not parquet", "is unreadable"),
        (pd.DataFrame({"a": [1]}).iloc[:0], "holds no rows"),
        (pd.DataFrame({"a": [1, 2]}), "is not the Online Retail table"),
    ],
)
def test_a_bad_cache_names_the_file_and_how_to_rebuild_it(
    tmp_path: Path, capsys, content: bytes | pd.DataFrame, phrase: str
) -> None:
    cache = write_cache(tmp_path, content)
    assert main(data_command(tmp_path)) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"error: The cache {cache} {phrase}")
    assert f"Delete {cache} and run again" in error
    assert error.count("\n") == 1  # one line, no traceback


def test_a_bad_cache_is_rebuilt_from_the_zip_when_the_zip_is_there(tmp_path: Path) -> None:
    write_cache(tmp_path, b"garbage")
    (tmp_path / ZIP_FILENAME).write_bytes(uci_style_zip())
    with pytest.warns(UserWarning, match="unreadable.*Rebuilding it from"):
        frame = load_online_retail(tmp_path, download=False)
    assert len(frame) == 4
    assert len(pd.read_parquet(tmp_path / CACHE_FILENAME)) == 4


@pytest.mark.parametrize(
    ("arguments", "phrase"),
    [
        (["--retries", "0"], "must be at least 1, got 0"),
        (["--retries", "two"], "expected a whole number"),
        (["--url", ""], "expected an http(s):// or file:// URL, got ''"),
        (["--url", "ftp://example.org/x.zip"], "expected an http(s):// or file:// URL"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(
    tmp_path: Path, capsys, arguments: list[str], phrase: str
) -> None:
    with pytest.raises(SystemExit) as exit_code:
        main(data_command(tmp_path, *arguments))
    assert exit_code.value.code == 2
    assert phrase in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_fake_workbook_in_the_zip(tmp_path: Path, capsys) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("Online Retail.xlsx", b"this is not a workbook")
    (tmp_path / ZIP_FILENAME).write_bytes(archive.getvalue())
    assert main(data_command(tmp_path)) == 1
    error = capsys.readouterr().err
    assert "'Online Retail.xlsx', which is not a readable Excel workbook" in error
    assert "Delete the zip and run again" in error
    assert not (tmp_path / CACHE_FILENAME).exists()


def test_a_folder_that_cannot_be_written_is_reported_as_such_and_not_retried(
    tmp_path: Path, http_server, capsys
) -> None:
    http_server.routes["/retail.zip"] = uci_style_zip()
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    url = http_server.url + "/retail.zip"
    assert main(data_command(not_a_folder, "--url", url)) == 1
    error = capsys.readouterr().err
    assert f"Cannot write to the data folder {not_a_folder}" in error
    assert "--data-dir or the PROD2VEC_DATA_DIR" in error
    assert http_server.requests == 0


def test_permission_denied_is_reported_as_such(tmp_path: Path, monkeypatch) -> None:
    """Tests run as root, which ignores file modes: make creating a file fail instead."""

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tempfile.TemporaryFile", denied)
    with pytest.raises(ProjectFileError, match="Cannot write.*Permission denied"):
        download_file("http://127.0.0.1:9/x.zip", tmp_path / "x.zip", retries=3, retry_wait=60)


def test_a_trickle_hits_the_deadline_instead_of_hanging(tmp_path: Path, http_server) -> None:
    """1 byte every 50 ms never trips a per-read timeout; the whole-download deadline does."""
    http_server.routes["/slow.zip"] = b"x" * 400
    http_server.trickle_seconds["/slow.zip"] = 0.05
    started = time.monotonic()
    with pytest.raises(DataDownloadError, match=r"too slow: \d+ of 400 bytes after the 0.5 s"):
        download_file(
            http_server.url + "/slow.zip",
            tmp_path / "slow.zip",
            timeout=5,
            deadline=0.5,
            retries=1,
            progress=False,
        )
    assert time.monotonic() - started < 5
    assert list(tmp_path.iterdir()) == []


def test_stale_temporary_files_are_removed_and_fresh_ones_kept(tmp_path: Path) -> None:
    destination = tmp_path / ZIP_FILENAME
    stale = tmp_path / f".{ZIP_FILENAME}.abc123.tmp"
    fresh = tmp_path / f".{ZIP_FILENAME}.def456.tmp"
    other = tmp_path / ".something-else.tmp"
    for path in (stale, fresh, other):
        path.write_bytes(b"partial")
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    os.utime(other, (an_hour_ago, an_hour_ago))
    assert remove_stale_temporaries(destination, older_than=900) == [stale]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([fresh.name, other.name])


def test_the_command_never_shows_a_traceback(tmp_path: Path) -> None:
    (tmp_path / CACHE_FILENAME).write_bytes(b"garbage")
    command = [sys.executable, "-m", "prod2vec", "data", "--data-dir", str(tmp_path)]
    run = subprocess.run(command, capture_output=True, text=True)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr and run.stderr.startswith("error: The cache")
    debug = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "PROD2VEC_DEBUG": "1"}
    )
    assert debug.returncode == 1 and "Traceback" in debug.stderr
