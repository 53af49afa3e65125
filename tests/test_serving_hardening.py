"""The endpoint checks a run folder completely when it loads, and answers any request, whatever
it holds, with recommendations or one error object: vector files built by hand, and a fuzz."""

from __future__ import annotations

import io
import json
import math
import pickle
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prod2vec.errors import ModelFileError
from prod2vec.models.word2vec import (
    VectorFileError,
    load_output_weights,
    load_vectors,
    unit_vectors,
)
from prod2vec.serving import MAX_ITEMS, MAX_K, SessionScorer

ITEMS = [f"i{number}" for number in range(12)]
DIM = 4
RESAVE = "save_vectors()"


def valid_arrays(items: int = len(ITEMS), dim: int = DIM, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "keys": np.array([f"i{number}" for number in range(items)]),
        "vectors": rng.normal(size=(items, dim)).astype(np.float32),
        "counts": np.arange(items, dtype=np.int64) + 1,
        "output_weights": rng.normal(size=(items, dim)).astype(np.float32),
    }


def write_run(folder: Path, arrays: dict[str, np.ndarray], labels: bool = True) -> Path:
    """A run folder as the pipeline writes it, with ``arrays`` as its vectors.npz."""
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "vectors.npz", **arrays)
    if labels:
        (folder / "projector").mkdir(exist_ok=True)
        keys = np.ravel(arrays.get("keys", ITEMS)).tolist()
        rows = "".join(f"{key}\tlabel of {key}\t1\n" for key in keys)
        metadata = f"item\tlabel\tcount\n{rows}".encode(errors="surrogatepass")
        (folder / "projector" / "metadata.tsv").write_bytes(metadata)
    return folder


def refusal(folder: Path) -> str:
    """The one-line message of the ModelFileError that loading ``folder`` raises."""
    with pytest.raises(ModelFileError) as caught:
        SessionScorer(folder)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.fixture(scope="module")
def scorer(tmp_path_factory) -> SessionScorer:
    return SessionScorer(write_run(tmp_path_factory.mktemp("run"), valid_arrays()))


# -- the vectors file, checked completely at load ----------------------------------------------


def changed(**arrays) -> dict[str, np.ndarray]:
    return {**valid_arrays(), **arrays}


def without(name: str) -> dict[str, np.ndarray]:
    return {key: value for key, value in valid_arrays().items() if key != name}


BAD_ARRAYS = {
    # the user's report: output weights of another width than the vectors
    "output weights wider": (
        changed(output_weights=np.ones((12, 5), np.float32)),
        "output_weights has shape (12, 5) for vectors of shape (12, 4)",
    ),
    "output weights short of rows": (
        changed(output_weights=np.ones((11, 4), np.float32)),
        "output_weights has shape (11, 4)",
    ),
    "output weights 1-D": (
        changed(output_weights=np.ones(12, np.float32)),
        "output_weights must be a 2-D array, not of shape (12,)",
    ),
    "output weights integers": (
        changed(output_weights=np.ones((12, 4), np.int64)),
        "output_weights must be float32 or float64, not int64",
    ),
    "output weights NaN": (
        changed(output_weights=np.where(np.eye(12, 4) > 0, np.nan, 1.0).astype(np.float32)),
        "output_weights hold 4 values that are NaN, infinite or beyond float32 (the first in "
        "the row of key 'i0')",
    ),
    "vectors infinite": (
        changed(vectors=np.where(np.arange(48).reshape(12, 4) == 13, np.inf, 1.0)),
        "vectors hold 1 values that are NaN, infinite or beyond float32 (the first in the row "
        "of key 'i3')",
    ),
    "vectors beyond float32": (
        changed(vectors=np.full((12, 4), 1e39), output_weights=np.ones((12, 4))),
        "beyond float32",
    ),
    "vectors integers": (changed(vectors=np.ones((12, 4), np.int64)), "not int64"),
    "vectors float16": (changed(vectors=np.ones((12, 4), np.float16)), "not float16"),
    "vectors complex": (changed(vectors=np.ones((12, 4), complex)), "not complex128"),
    "vectors 1-D": (changed(vectors=np.ones(12, np.float32)), "vectors must be a 2-D array"),
    "vectors 3-D": (changed(vectors=np.ones((12, 4, 1), np.float32)), "must be a 2-D array"),
    "vectors without columns": (
        changed(vectors=np.ones((12, 0), np.float32), output_weights=np.ones((12, 0))),
        "it holds no vectors (shape (12, 0))",
    ),
    "no items at all": (
        {
            "keys": np.array([], dtype=str),
            "vectors": np.ones((0, 4), np.float32),
            "counts": np.array([], np.int64),
            "output_weights": np.ones((0, 4), np.float32),
        },
        "it holds no vectors (shape (0, 4))",
    ),
    "keys 2-D": (changed(keys=np.array(ITEMS).reshape(6, 2)), "keys must be a 1-D array"),
    "keys bytes": (changed(keys=np.array(ITEMS, dtype=bytes)), "keys must be a str array"),
    "keys integers": (changed(keys=np.arange(12)), "keys must be a str array, not int64"),
    "keys repeat": (changed(keys=np.array([*ITEMS[:11], "i4"])), "keys repeat ('i4' more"),
    "key empty": (changed(keys=np.array([*ITEMS[:11], ""])), "key 11 is an empty item id"),
    "key with NUL": (changed(keys=np.array([*ITEMS[:11], "a\x00b"])), "NUL characters"),
    "key a lone surrogate": (changed(keys=np.array([*ITEMS[:11], "\ud800"])), "surrogates"),
    "counts floats": (changed(counts=np.ones(12)), "counts must be integers, not float64"),
    "counts booleans": (changed(counts=np.ones(12, bool)), "counts must be integers, not bool"),
    "counts negative": (changed(counts=-np.ones(12, np.int64)), "non-negative"),
    "counts beyond int64": (changed(counts=np.full(12, 2**63, np.uint64)), "fit int64"),
    "counts short": (
        changed(counts=np.ones(11, np.int64)),
        "keys, vectors and counts differ in length (12 keys, 12 vectors, 11 counts)",
    ),
    "counts 2-D": (changed(counts=np.ones((12, 1), np.int64)), "counts must be a 1-D array"),
    "no keys": (without("keys"), "not keys, vectors and counts (no ['keys'])"),
    "no counts": (without("counts"), "(no ['counts'])"),
    "keys pickled": (changed(keys=np.array(ITEMS, dtype=object)), "would need pickle"),
}


@pytest.mark.parametrize(("arrays", "phrase"), BAD_ARRAYS.values(), ids=BAD_ARRAYS.keys())
def test_every_bad_array_is_refused_at_load(tmp_path: Path, arrays: dict, phrase: str) -> None:
    message = refusal(write_run(tmp_path, arrays))
    assert phrase in message
    assert str(tmp_path / "vectors.npz") in message
    assert RESAVE in message or "Train again" in message


def test_the_vector_file_readers_all_check_the_whole_file(tmp_path: Path) -> None:
    write_run(tmp_path, changed(output_weights=np.ones((12, 5), np.float32)))
    for read in (load_vectors, load_output_weights):
        with pytest.raises(VectorFileError, match=r"output_weights has shape \(12, 5\)"):
            read(tmp_path / "vectors.npz")


def test_float64_vectors_and_unsigned_counts_are_valid(tmp_path: Path) -> None:
    arrays = changed(
        vectors=np.ones((12, 4)), output_weights=np.ones((12, 4)), counts=np.ones(12, np.uint32)
    )
    scorer = SessionScorer(write_run(tmp_path, arrays))
    assert len(scorer.answer({"item": "i1", "k": 3})["recommendations"]) == 3


class Payload:
    """Unpickling this runs code: it creates the file ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def npy_bytes() -> bytes:
    handle = io.BytesIO()
    np.save(handle, np.ones((3, 4)))
    return handle.getvalue()


NOT_AN_ARCHIVE = {
    "text": (b"keys,vectors\n", "it is not an .npz (zip) archive"),
    "empty file": (b"", "it is empty (0 bytes)"),
    "pickle": (pickle.dumps({"keys": ITEMS}), "it is a Python pickle"),
    "npy": (npy_bytes(), "it is a single .npy array, not an .npz archive"),
    "three bytes of a zip": (b"PK\x03", "it is not an .npz (zip) archive"),
}


@pytest.mark.parametrize(("content", "phrase"), NOT_AN_ARCHIVE.values(), ids=NOT_AN_ARCHIVE.keys())
def test_a_file_that_is_no_archive_is_refused(tmp_path: Path, content: bytes, phrase: str) -> None:
    (tmp_path / "vectors.npz").write_bytes(content)
    message = refusal(tmp_path)
    assert f"{tmp_path / 'vectors.npz'} is not a vectors file written by save_vectors" in message
    assert phrase in message and "Nothing in it was run" in message and RESAVE in message


def test_a_crafted_pickle_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "payload-ran"
    (tmp_path / "vectors.npz").write_bytes(pickle.dumps(Payload(marker)))
    assert "Python pickle" in refusal(tmp_path)
    assert not marker.exists()


def test_an_empty_archive_is_refused(tmp_path: Path) -> None:
    np.savez(tmp_path / "vectors.npz")
    assert "an empty archive, with no arrays in it" in refusal(tmp_path)


def test_a_compressed_archive_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    """The counting models' zip-bomb guard holds for vectors too: one shared reader."""
    write_run(tmp_path, valid_arrays())
    np.savez_compressed(tmp_path / "vectors.npz", **valid_arrays())
    message = refusal(tmp_path)
    assert "its archive cannot be read (ValueError: its member 'keys.npy' is compressed" in message


@pytest.mark.parametrize("keep", [4, 100, 0.5, 0.9, -1])
def test_a_truncated_archive_is_refused(tmp_path: Path, keep: float) -> None:
    path = write_run(tmp_path, valid_arrays()) / "vectors.npz"
    content = path.read_bytes()
    path.write_bytes(content[: keep if isinstance(keep, int) else int(len(content) * keep)])
    message = refusal(tmp_path)
    assert "its archive cannot be read" in message and "truncated" in message
    assert str(path) in message


def test_a_damaged_archive_is_refused(tmp_path: Path) -> None:
    path = write_run(tmp_path, valid_arrays()) / "vectors.npz"
    content = bytearray(path.read_bytes())
    start = content.index(b"vectors.npy") + 200  # inside the vectors' data
    content[start : start + 8] = b"\xff" * 8
    path.write_bytes(bytes(content))
    assert "its archive cannot be read (BadZipFile: Bad CRC-32" in refusal(tmp_path)


def test_archive_members_that_are_not_arrays_are_refused(tmp_path: Path) -> None:
    path = write_run(tmp_path, without("keys")) / "vectors.npz"
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("keys", b"i0\ni1\n")
    assert "['keys'] are not .npy arrays" in refusal(tmp_path)


def test_an_array_claiming_an_impossible_size_is_refused(tmp_path: Path) -> None:
    handle = io.BytesIO()
    header = {"descr": "<f8", "fortran_order": False, "shape": (10**9, 10**9)}
    np.lib.format.write_array_header_1_0(handle, header)
    with zipfile.ZipFile(tmp_path / "vectors.npz", "w") as archive:
        archive.writestr("vectors.npy", handle.getvalue() + bytes(64))
    assert "its archive cannot be read (MemoryError" in refusal(tmp_path)


def test_a_folder_without_a_vectors_file_or_output_weights(tmp_path: Path) -> None:
    assert "holds no vectors.npz" in refusal(tmp_path)
    (tmp_path / "vectors.npz").mkdir()
    assert "holds no vectors.npz" in refusal(tmp_path)
    (tmp_path / "vectors.npz").rmdir()
    assert "holds no output weights" in refusal(write_run(tmp_path, without("output_weights")))


# -- the labels: missing, partial, unreadable --------------------------------------------------


def test_missing_labels_are_served_as_question_marks_with_a_warning(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match=r"metadata.tsv is missing: every description will be"):
        scorer = SessionScorer(write_run(tmp_path, valid_arrays(), labels=False))
    found = scorer.answer({"item": "i1", "k": 3})["recommendations"]
    assert [row["description"] for row in found] == ["?"] * 3


def test_items_the_labels_do_not_list_are_question_marks_with_a_warning(tmp_path: Path) -> None:
    write_run(tmp_path, valid_arrays())
    metadata = tmp_path / "projector" / "metadata.tsv"
    metadata.write_text("\n".join(metadata.read_text().splitlines()[:3]))  # i0 and i1
    with pytest.warns(UserWarning, match=r"10 of the 12 items have no row in .*metadata.tsv"):
        scorer = SessionScorer(tmp_path)
    labels = dict(zip(scorer.items, scorer.labels, strict=True))
    assert [labels[item] for item in ITEMS[:3]] == ["label of i0", "label of i1", "?"]


def test_labels_as_written_warn_of_nothing(tmp_path: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        scorer = SessionScorer(write_run(tmp_path, valid_arrays()))
    assert not [warning for warning in caught if warning.category is UserWarning]
    found = scorer.answer({"item": "i1", "k": 2})["recommendations"]
    assert all(row["description"] == f"label of {row['item']}" for row in found)


UNREADABLE_LABELS = {
    "not UTF-8": (b"item\tlabel\tcount\ni0\t\xff\xfe\t1\n", "is not valid utf-8"),
    "no label column": (b"item\tcount\ni0\t1\n", "has no column 'label'"),
    "header only": (b"item\tlabel\tcount\n", "has a header but no rows"),
    "empty": (b"", "is empty"),
}


@pytest.mark.parametrize(
    ("content", "phrase"), UNREADABLE_LABELS.values(), ids=UNREADABLE_LABELS.keys()
)
def test_unreadable_labels_are_refused(tmp_path: Path, content: bytes, phrase: str) -> None:
    write_run(tmp_path, valid_arrays())
    metadata = tmp_path / "projector" / "metadata.tsv"
    metadata.write_bytes(content)
    message = refusal(tmp_path)
    assert message.startswith(f"{metadata} cannot be read as the run's labels")
    assert phrase in message and "remove the file to serve '?'" in message


# -- requests: an error object naming the problem, or a valid answer ---------------------------


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


BAD_REQUESTS = {
    "a string": ("85123A", "send a JSON object such as"),
    "None": (None, "not None"),
    "a list": ([{"items": ["i1"]}], "not a list of 1 values"),
    "bytes": (b'{"items": ["i1"]}', "not a value of type bytes"),
    "unknown field": ({"items": ["i1"], "kk": 3}, "unknown fields ['kk']"),
    "non-string field": ({"items": ["i1"], 1: 2}, "unknown fields [1]"),
    "huge-int field": ({10**5000: 1}, "unknown fields [an integer beyond 64 bits]"),
    "many fields": ({f"f{n}": n for n in range(10**5)}, "['f0', 'f1', 'f2', 'f3', 'f4', ...]"),
    "both item and items": ({"items": ["i1"], "item": "i1"}, "not both"),
    "no items": ({"k": 3}, "'items' must be a non-empty list of item ids"),
    "empty items": ({"items": []}, "'items' must be a non-empty list"),
    "items a string": ({"items": "i1"}, "'items' must be a non-empty list"),
    "items a dict": ({"items": {"i1": 1}}, "'items' must be a non-empty list"),
    "item a list": ({"item": ["i1"]}, "'item' must be one item id, a string, not a list"),
    "item None": ({"item": None}, "'item' must be one item id, a string, not None"),
    "item empty": ({"item": ""}, "non-empty strings, e.g. '85123A'; item 1 is ''"),
    "an int item": ({"items": [85123]}, "non-empty strings, e.g. '85123A'; item 1 is 85123"),
    "a None item": ({"items": ["i1", None]}, "item 2 is None"),
    "a float item": ({"items": [1.5]}, "item 1 is 1.5"),
    "a NaN item": ({"items": [math.nan]}, "item 1 is nan"),
    "an infinite item": ({"items": [-math.inf]}, "item 1 is -inf"),
    "a huge-int item": ({"items": ["i1", 10**5000]}, "item 2 is an integer beyond 64 bits"),
    "a bool item": ({"items": [True]}, "item 1 is True"),
    "a bytes item": ({"items": [b"i1"]}, "item 1 is a value of type bytes"),
    "a list item": ({"items": [["i1"]]}, "item 1 is a list of 1 values"),
    "a dict item": ({"items": [{"id": "i1"}]}, "item 1 is a dict of 1 values"),
    "a deeply nested item": ({"items": [nested(100_000)]}, "item 1 is a list of 1 values"),
    "deeply nested items": ({"items": nested(100_000)}, "item 1 is a list of 1 values"),
    "a million items": ({"items": list(range(10**6))}, "at most 50 recent items per request"),
    "one item too many": ({"items": ["i1"] * (MAX_ITEMS + 1)}, "got 51: send the most recent"),
    "unknown item": ({"items": ["i1", "nope"]}, "unknown items ['nope'] (1 of 2)"),
    "all unknown": (
        {"items": [f"u{n}" for n in range(7)]},
        "unknown items ['u0', 'u1', 'u2', 'u3', 'u4', ...] (7 of 7): the model knows 12 ids",
    ),
    "a very long item": ({"items": ["x" * 10**6]}, "'... (1,000,000 characters)] (1 of 1)"),
    "an item with NUL": ({"items": ["i1\x00"]}, "unknown items ['i1\\x00']"),
    "a lone surrogate": ({"items": ["\ud800"]}, "unknown items ['\\ud800']"),
    "an item padded": ({"items": [" i1"]}, "unknown items [' i1']"),
}
BAD_KS = {
    "true": (True, "True"),
    "false": (False, "False"),
    "a float": (2.0, "2.0"),
    "NaN": (math.nan, "nan"),
    "infinity": (math.inf, "inf"),
    "a string": ("3", "'3'"),
    "null": (None, "None"),
    "a list": ([3], "a list of 1 values"),
    "a dict": ({"k": 3}, "a dict of 1 values"),
    "zero": (0, "0"),
    "negative": (-1, "-1"),
    "above the largest": (MAX_K + 1, "101"),
    "a huge int": (10**5000, "an integer beyond 64 bits"),
    "a huge negative int": (-(10**5000), "an integer beyond 64 bits"),
}


@pytest.mark.parametrize(("request_body", "phrase"), BAD_REQUESTS.values(), ids=BAD_REQUESTS)
def test_a_bad_request_gets_one_error_naming_it(scorer, request_body, phrase: str) -> None:
    answer = scorer.answer(request_body)
    assert list(answer) == ["error"] and phrase in answer["error"], answer
    assert len(answer["error"]) < 300


@pytest.mark.parametrize(("k", "shown"), BAD_KS.values(), ids=BAD_KS)
def test_a_bad_k_gets_one_error_naming_it(scorer, k, shown: str) -> None:
    answer = scorer.answer({"items": ["i1"], "k": k})
    assert answer == {"error": f"'k' must be a whole number from 1 to {MAX_K}, got {shown}"}


def test_duplicates_weigh_twice_and_are_never_recommended(scorer) -> None:
    found = scorer.answer({"items": ["i1", "i1", "i2"], "k": 5})["recommendations"]
    assert len(found) == 5 and {"i1", "i2"}.isdisjoint(row["item"] for row in found)
    arrays = valid_arrays()
    inputs, outputs = (unit_vectors(arrays[name]) for name in ("vectors", "output_weights"))
    weighted = inputs[[1, 1, 2]].mean(axis=0)
    scores = (weighted / np.linalg.norm(weighted)) @ outputs.T
    scores[[1, 2]] = -np.inf
    assert found[0]["item"] == ITEMS[int(np.argmax(scores))]
    assert found[0]["score"] == pytest.approx(float(scores.max()), abs=1e-6)


def test_k_beyond_the_catalogue_returns_every_other_item(scorer) -> None:
    found = scorer.answer({"items": ["i0"], "k": MAX_K})["recommendations"]
    assert sorted(row["item"] for row in found) == sorted(ITEMS[1:])


def test_a_request_of_the_whole_catalogue_returns_no_recommendations(scorer) -> None:
    assert scorer.answer({"items": ITEMS, "k": 3}) == {"recommendations": []}


class Untouchable(list):
    """A list whose items must never be looked at."""

    def __iter__(self):
        raise AssertionError("the items were looked at")

    def __getitem__(self, index):
        raise AssertionError("an item was looked at")


def test_an_oversized_request_is_refused_before_any_work(scorer) -> None:
    oversized = Untouchable(range(MAX_ITEMS + 1))
    answer = scorer.answer({"items": oversized})
    assert answer == {
        "error": "at most 50 recent items per request, got 51: send the most recent 50"
    }
    million = {"items": list(range(10**6))}
    started = time.perf_counter()
    assert "got 1,000,000" in scorer.answer(million)["error"]
    assert time.perf_counter() - started < 0.05


def test_the_worst_valid_request_on_a_large_catalogue_is_fast(tmp_path: Path) -> None:
    scorer = SessionScorer(write_run(tmp_path, valid_arrays(items=50_000, dim=100)))
    request = {"items": [f"i{n}" for n in range(0, 50_000, 1_000)], "k": MAX_K}
    assert len(request["items"]) == MAX_ITEMS
    assert len(scorer.answer(request)["recommendations"]) == MAX_K  # warm-up
    started = time.perf_counter()
    for _ in range(10):
        scorer.answer(request)
    assert (time.perf_counter() - started) / 10 < 0.25  # 16 ms measured on 2 busy cores


# -- the fuzz: whatever the request, one of the two answers, and a valid one ------------------

JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities included
    | st.text(max_size=8)
    | st.sampled_from(ITEMS)
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=5), children, max_size=5)
    ),
    max_leaves=20,
)
ITEM_LISTS = st.lists(st.sampled_from(ITEMS), min_size=1, max_size=14) | st.lists(
    st.sampled_from(ITEMS) | JSON_VALUES, max_size=MAX_ITEMS + 3
)
REQUESTS = (
    JSON_VALUES
    | st.fixed_dictionaries(
        {},
        optional={
            "items": ITEM_LISTS | JSON_VALUES,
            "item": st.sampled_from(ITEMS) | JSON_VALUES,
            "k": st.integers(min_value=-2, max_value=MAX_K + 2) | JSON_VALUES,
        },
    )
    | st.dictionaries(st.sampled_from(["items", "item", "k", "K", ""]), JSON_VALUES, max_size=4)
)


@settings(
    max_examples=600,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(request=REQUESTS)
def test_any_request_gets_an_error_or_valid_recommendations(scorer, request) -> None:
    answer = scorer.answer(request)
    assert isinstance(answer, dict) and len(answer) == 1
    json.dumps(answer, allow_nan=False)
    if "error" in answer:
        assert isinstance(answer["error"], str) and 0 < len(answer["error"]) < 300
        return
    found = answer["recommendations"]
    sent = request["items"] if "items" in request else [request["item"]]
    k = request.get("k", 10)
    assert set(sent) <= set(ITEMS) and isinstance(k, int) and 1 <= k <= MAX_K
    items = [row["item"] for row in found]
    assert len(items) == len(set(items)) == min(k, len(ITEMS) - len(set(sent)))
    assert set(items) <= set(ITEMS) and set(items).isdisjoint(sent)
    assert all(math.isfinite(row["score"]) for row in found)
    assert [row["score"] for row in found] == sorted((row["score"] for row in found), reverse=True)
    assert all(row["description"] == f"label of {row['item']}" for row in found)
