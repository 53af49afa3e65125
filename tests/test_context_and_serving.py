"""Session context measured and chosen, counting models on disk, and the endpoint serving the
chosen model of either family."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prod2vec.data.sessions import MAX_CONTEXT, SessionSplit, sessionize, split_sessions
from prod2vec.errors import ConfigurationError, InputDataError, ModelFileError
from prod2vec.evaluation.context import (
    CANDIDATE_RULES,
    LAST_ITEM,
    ContextRule,
    choose_rule,
    context_ranks,
    context_results_table,
    context_scores,
    measure_contexts,
)
from prod2vec.models.baselines import AssociationRules, CoOccurrence, MostPopular, SequentialRules
from prod2vec.models.counting_files import load_counting_model, save_counting_model
from prod2vec.models.ranking import top_k_indices
from prod2vec.models.word2vec import Word2VecRecommender, save_vectors, unit_vectors
from prod2vec.outputs.run_folder import RunFolder
from prod2vec.outputs.served_model import ServedModel, write_served_model
from prod2vec.serving import SessionScorer
from tests.synthetic import shopping_events

# -- data ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def split() -> SessionSplit:
    events = shopping_events(users=200, events=14).rename(
        columns={"user_id": "user", "item_id": "item", "ts": "time"}
    )
    events["time"] = pd.to_datetime(events["time"])
    return split_sessions(sessionize(events), n_test=50, n_validation=50, seed=3)


@pytest.fixture(scope="module")
def models(split: SessionSplit) -> list:
    train = split.train
    return [
        MostPopular().fit(train),
        AssociationRules().fit(train),
        CoOccurrence(2).fit(train),
        SequentialRules(3).fit(train),
        Word2VecRecommender({"epochs": 3, "min_count": 2}, scoring="input-output").fit(train),
        Word2VecRecommender({"epochs": 3}, label="Word2Vec input-input").fit(train),
    ]


def top_ids(model, scores: np.ndarray, k: int = 10) -> np.ndarray:
    top = top_k_indices(scores, k)
    return np.where(top >= 0, model.items_[np.maximum(top, 0)], "")


# -- the split's contexts ----------------------------------------------------------------------


def test_split_contexts_are_the_last_items_before_each_target(split: SessionSplit) -> None:
    for name in ("test", "validation"):
        pairs, contexts = getattr(split, name), getattr(split, f"{name}_context")
        assert len(contexts) == len(pairs)
        assert [context[-1] for context in contexts] == pairs["query"].tolist()
        assert {len(context) for context in contexts} == {MAX_CONTEXT}  # sessions of 14 items
    short = pd.Series({"u1": ["a", "b", "c"], "u2": ["d", "e"]})
    made = split_sessions(short, n_test=1, n_validation=1, seed=0)
    assert sorted(made.test_context + made.validation_context) == [["a", "b"], ["d"]]


def test_splits_made_without_contexts_keep_working() -> None:
    pairs = pd.DataFrame({"query": ["a"], "target": ["b"]})
    made = SessionSplit([["a", "b"]], pairs, pairs)
    assert made.test_context is None and made.validation_context is None


@pytest.mark.parametrize(
    ("contexts", "phrase"),
    [
        ([["a"], ["a"]], "one context per test pair (1), got 2"),
        ("a", "one context per test pair (1), got str"),
        ([[]], "context of pair 0 is not a non-empty list"),
        ([("a",)], "context of pair 0 is not a non-empty list"),
        ([["a", 3, "a"]], "contexts hold"),
        ([["a", "c"]], "ends with 'c', not its query 'a'"),
    ],
)
def test_contexts_that_do_not_align_with_the_pairs_are_refused(contexts, phrase: str) -> None:
    pairs = pd.DataFrame({"query": ["a"], "target": ["b"]})
    with pytest.raises(InputDataError) as caught:
        SessionSplit([["a", "b"]], pairs, pairs, test_context=contexts)
    assert phrase in str(caught.value) and "\n" not in str(caught.value)


# -- rules -------------------------------------------------------------------------------------


def test_rules_label_weigh_and_round_trip() -> None:
    rule = ContextRule(3, "recency", 0.25)
    assert rule.label == "last 3, recency 0.25"
    assert ContextRule(5, "mean").label == "last 5, mean" and LAST_ITEM.label == "last item"
    assert rule.weights(np.array([0, 1, 2])).tolist() == [1.0, 0.25, 0.0625]
    assert ContextRule(2, "mean").weights(np.array([0, 1])).tolist() == [1.0, 1.0]
    assert ContextRule.from_dict(json.loads(json.dumps(rule.to_dict()))) == rule
    assert ContextRule.from_dict({"items": 2, "weighting": "mean"}) == ContextRule(2, "mean")
    assert len(CANDIDATE_RULES) == len(set(CANDIDATE_RULES)) == 1 + 4 * 4
    assert CANDIDATE_RULES[0] == LAST_ITEM
    assert {rule.items for rule in CANDIDATE_RULES} == {1, 2, 3, 5, 10}


@pytest.mark.parametrize(
    ("values", "phrase"),
    [
        ({"items": 2, "weighting": "mean", "decy": 0.5}, "Unknown key 'decy'"),
        ({"weighting": "mean"}, "needs the key 'items'"),
        ({"items": 2}, "needs the key 'weighting'"),
        ({"items": 0, "weighting": "mean"}, "items must be a whole number of at least 1, got 0"),
        ({"items": True, "weighting": "mean"}, "got True"),
        ({"items": 2.0, "weighting": "mean"}, "got 2.0"),
        ({"items": 2, "weighting": "median"}, "weighting must be one of"),
        ({"items": 2, "weighting": "mean", "decay": 0.5}, "takes no decay"),
        ({"items": 2, "weighting": "recency"}, "needs a decay between 0 and 1"),
        ({"items": 2, "weighting": "recency", "decay": 1.0}, "needs a decay between 0 and 1"),
        ([2, "mean"], "must be a mapping"),
    ],
)
def test_bad_rules_are_refused_naming_the_key(values, phrase: str) -> None:
    with pytest.raises(ConfigurationError, match=phrase.replace("(", r"\(")):
        ContextRule.from_dict(values)


# -- context scores: the oracle, unknown items, batches ----------------------------------------


def test_the_last_item_ranks_exactly_as_recommend_for_every_model(models, split) -> None:
    contexts = [*split.test_context, ["unknown"], ["unknown", "t1-i1"]]
    queries = [context[-1] for context in contexts]
    targets = [*split.test["target"], "t0-i0", "t1-i2"]
    classes = set()
    for model in models:
        scores = context_scores(model, contexts, LAST_ITEM)
        assert scores.shape == (len(contexts), len(model.items_))
        np.testing.assert_array_equal(top_ids(model, scores), model.recommend(queries, k=10))
        np.testing.assert_array_equal(
            context_ranks(model, contexts, targets, LAST_ITEM),
            model.target_ranks(queries, targets),
        )
        classes.add(type(model))
    assert classes == {
        MostPopular,
        AssociationRules,
        CoOccurrence,
        SequentialRules,
        Word2VecRecommender,
    }


def test_unknown_context_items_weigh_nothing_and_keep_their_place(models) -> None:
    rule = ContextRule(2, "recency", 0.5)
    for model in models:
        with_unknown = context_scores(model, [["t2-i3", "nope", "t2-i4"]], rule)
        np.testing.assert_array_equal(with_unknown, context_scores(model, [["t2-i4"]], LAST_ITEM))
        nothing_known = context_scores(model, [["t2-i3", "nope", "nada"]], rule)
        assert np.isneginf(nothing_known).all() != isinstance(model, MostPopular)


def test_the_items_read_are_never_candidates_and_weights_add_up(models) -> None:
    co_occurrence = models[2]
    context = ["t4-i1", "t4-i2", "t4-i3"]
    rule = ContextRule(2, "recency", 0.25)
    scores = context_scores(co_occurrence, [context], rule)[0]
    read = co_occurrence.index_of(context[1:])
    assert np.isneginf(scores[read]).all()
    rows = co_occurrence.matrix_[read].toarray()
    expected = 0.25 * rows[0] + rows[1]
    candidates = np.flatnonzero(expected > 0)
    candidates = candidates[~np.isin(candidates, read)]
    np.testing.assert_allclose(scores[candidates], expected[candidates])
    assert np.isneginf(np.delete(scores, candidates)).all()
    # the item outside the rule's last two is a candidate like any other
    assert np.isfinite(scores[co_occurrence.index_of(["t4-i1"])[0]])


def test_word2vec_context_is_the_renormalised_weighted_mean(models) -> None:
    model = models[4]
    context = ["t5-i1", "t5-i2", "t5-i1"]
    rule = ContextRule(3, "recency", 0.5)
    scores = context_scores(model, [context], rule)[0]
    vectors = unit_vectors(model.vectors_[context])
    mean = unit_vectors((np.array([0.25, 0.5, 1.0]) @ vectors)[None])
    outputs = unit_vectors(
        model.output_weights_[[model.vectors_.key_to_index[item] for item in model.items_]]
    )
    expected = (mean @ outputs.T)[0]
    expected[model.index_of(context)] = -np.inf
    np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-6)


def test_small_batches_give_the_same_scores(models, split) -> None:
    rule = ContextRule(5, "mean")
    for model in (models[1], models[4]):
        whole = context_scores(model, split.validation_context, rule)
        model.score_memory_budget = 8 * len(model.items_) * 3  # three rows a batch
        try:
            batched = context_scores(model, split.validation_context, rule)
        finally:
            del model.score_memory_budget
        # BLAS may round a product of three rows apart from one of fifty in the last float32 bit
        np.testing.assert_allclose(batched, whole, rtol=1e-6, atol=1e-6)
        np.testing.assert_array_equal(np.isfinite(batched), np.isfinite(whole))


# -- planted structures: what choose_rule must pick --------------------------------------------


def pair_sessions(first: str, second: str, target: str, size: int = 30, repeats: int = 2):
    """Sessions [first_i, second_j, target_ij] for every (i, j), each ``repeats`` times."""
    triples = [
        (f"{first}{i}", f"{second}{j}", f"{target}{i}-{j}")
        for i in range(size)
        for j in range(size)
    ]
    return [list(triple) for triple in triples for _ in range(repeats)], triples


def test_two_items_that_predict_together_make_choose_rule_take_two() -> None:
    train, triples = pair_sessions("a", "b", "t")
    contexts = [[first, second] for first, second, _ in triples]
    targets = [target for *_, target in triples]
    fitted = [CoOccurrence(2).fit(train), SequentialRules(2).fit(train)]
    table = measure_contexts(fitted, contexts, targets, CANDIDATE_RULES, k=10)
    assert list(table.columns) == [
        "model",
        "rule",
        "items",
        "weighting",
        "decay",
        "Recall@10",
        "MRR@10",
    ]
    assert len(table) == 2 * len(CANDIDATE_RULES)
    for model in fitted:
        rows = table[table["model"] == model.name].set_index("rule")
        assert rows.loc["last item", "Recall@10"] <= 10 / 30  # the last item alone cannot tell
        assert rows.loc["last 2, mean", "Recall@10"] == 1.0
        assert rows.loc["last 2, mean", "MRR@10"] == 1.0
        assert choose_rule(table, model.name) == ContextRule(2, "mean")


def test_when_only_the_last_item_matters_choose_rule_keeps_it() -> None:
    # x_m always comes before p_m, and q_m after: given another group's x, only p_m tells q_m
    train = [[f"x{m}", f"p{m}", f"q{m}"] for m in range(20) for _ in range(3)]
    contexts = [[f"x{(m + 1) % 20}", f"p{m}"] for m in range(20)]
    targets = [f"q{m}" for m in range(20)]
    fitted = [CoOccurrence(2).fit(train), SequentialRules(2).fit(train)]
    table = measure_contexts(fitted, contexts, targets)
    for model in fitted:
        rows = table[table["model"] == model.name].set_index("rule")
        assert rows.loc["last item", "MRR@10"] == 1.0
        assert rows.loc["last 2, mean", "MRR@10"] < 1.0
        assert choose_rule(table, model.name) == LAST_ITEM
    with pytest.raises(ValueError, match="No context measured for 'Word2Vec'"):
        choose_rule(table, "Word2Vec")


def test_choose_rule_breaks_ties_by_mrr_then_fewer_items_then_the_mean() -> None:
    rules = [
        ContextRule(3, "recency", 0.5),
        ContextRule(3, "mean"),
        ContextRule(2, "recency", 0.1),
        ContextRule(2, "recency", 0.5),
        ContextRule(5, "mean"),
    ]
    table = pd.DataFrame(
        [
            {"model": "m", "rule": rule.label, **rule.to_dict(), "Recall@10": recall, "MRR@10": mrr}
            for rule, recall, mrr in zip(
                rules, [0.5, 0.5, 0.5, 0.5, 0.5], [0.2, 0.2, 0.2, 0.2, 0.1], strict=True
            )
        ]
    )
    assert choose_rule(table, "m") == ContextRule(2, "recency", 0.5)
    assert choose_rule(table[table["items"] == 3], "m") == ContextRule(3, "mean")
    with_last = pd.concat(
        [
            table,
            table.iloc[[0]].assign(
                rule="last item", items=1, decay=None, weighting="mean", **{"Recall@10": 0.45}
            ),
        ]
    )
    assert choose_rule(with_last, "m", margin=0.05) == LAST_ITEM
    assert choose_rule(with_last, "m", margin=0.04) == ContextRule(2, "recency", 0.5)


def test_the_test_table_gives_both_families_intervals_under_their_rules(models, split) -> None:
    chosen = {model.name: ContextRule(2, "mean") for model in models[:3]}
    chosen[models[2].name] = LAST_ITEM
    table = context_results_table(
        models[:3], split.test_context, split.test["target"], chosen, n_resamples=200
    )
    assert list(table.columns) == ["model", "rule", "metric", "value", "ci_low", "ci_high"]
    assert table["rule"].tolist() == ["last 2, mean"] * 4 + ["last item"] * 2
    assert ((table["ci_low"] <= table["value"]) & (table["value"] <= table["ci_high"])).all()
    same = context_results_table(
        models, split.test_context, split.test["target"], LAST_ITEM, n_resamples=200
    )
    plain = models[2].recommend(split.test["query"], k=10)
    recall = (plain == split.test["target"].to_numpy()[:, None]).any(axis=1).mean()
    row = same[(same["model"] == models[2].name) & (same["metric"] == "Recall@10")]
    assert row["value"].item() == pytest.approx(recall)


# -- counting models on disk -------------------------------------------------------------------


@pytest.mark.parametrize("index", [0, 1, 2, 3])
def test_counting_models_round_trip(models, split, tmp_path: Path, index: int) -> None:
    model = models[index]
    path = save_counting_model(model, tmp_path / "model.npz")
    loaded = load_counting_model(path)
    assert type(loaded) is type(model) and loaded.name == model.name
    queries = [*split.test["query"], "unknown"]
    np.testing.assert_array_equal(loaded.recommend(queries, k=20), model.recommend(queries, k=20))
    with np.load(path, allow_pickle=False) as archive:
        assert all(archive[name].dtype != object for name in archive.files)
    assert [file.name for file in tmp_path.iterdir()] == ["model.npz"]  # no temporary left


def test_only_counting_models_are_saved(models, tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="can be saved, not Word2VecRecommender"):
        save_counting_model(models[4], tmp_path / "model.npz")
    assert not (tmp_path / "model.npz").exists()


@pytest.fixture(scope="module")
def saved_arrays(models, tmp_path_factory) -> dict[str, dict[str, np.ndarray]]:
    folder = tmp_path_factory.mktemp("arrays")
    arrays = {}
    for name, model in (("popular", models[0]), ("matrix", models[2])):
        with np.load(save_counting_model(model, folder / f"{name}.npz")) as archive:
            arrays[name] = {key: archive[key] for key in archive.files}
    return arrays


def corrupted(arrays: dict, changes: dict) -> dict:
    """``arrays`` with arrays replaced, removed (None) or one value set (``(position, value)``)."""
    result = {}
    for name, value in {**arrays, **changes}.items():
        if isinstance(value, tuple):
            position, new = value
            value = arrays[name].copy()
            value[position] = new
        if value is not None:
            result[name] = value
    return result


CORRUPTIONS = {
    "unknown kind": ("matrix", {"kind": np.array("Word2Vec")}, "its kind must be one of"),
    "kind as a list": ("matrix", {"kind": np.array(["CoOccurrence"])}, "its kind must be one"),
    "no kind": ("matrix", {"kind": None}, "no 'kind' array"),
    "float window": ("matrix", {"window": np.array(2.0)}, "window must be one integer"),
    "zero window": ("matrix", {"window": np.array(0)}, "needs a window of at least 1"),
    "items 2-D": ("matrix", {"items": np.array([["a"]])}, "items must be a non-empty 1-D"),
    "items numbers": ("popular", {"items": np.arange(96)}, "items must be a non-empty 1-D"),
    "no items": ("popular", {"items": np.array([], dtype=str)}, "items must be a non-empty"),
    "repeated items": ("popular", {"items": np.array(["a"] * 96)}, "items repeat"),
    "empty item id": (
        "popular",
        {"items": np.array([""] + [f"i{n}" for n in range(95)])},
        "item 0 is an empty item id",
    ),
    "short popularity": ("popular", {"popularity": np.ones(3)}, "popularity must be 96 floats"),
    "NaN popularity": ("popular", {"popularity": np.full(96, np.nan)}, "NaN or infinite"),
    "negative popularity": ("popular", {"popularity": -np.ones(96)}, "must be non-negative"),
    "no popularity": ("popular", {"popularity": None}, "no 'popularity' array"),
    "no data": ("matrix", {"data": None}, "no 'data' array"),
    "short indptr": ("matrix", {"indptr": np.arange(3)}, "indptr must rise from 0"),
    "no indices": ("matrix", {"indices": None}, "no 'indices' array"),
    "float indices": ("matrix", {"indices": np.array([0.5])}, "indices must be a 1-D integer"),
    "indices out of range": ("matrix", {"indices": (0, 96)}, "indices must be columns of the 96"),
    "negative index": ("matrix", {"indices": (0, -1)}, "indices must be columns of the 96"),
    "infinite data": ("matrix", {"data": (0, np.inf)}, "data hold values that are NaN or infinite"),
    "zero data": ("matrix", {"data": (0, 0.0)}, "data must be positive"),
    "falling indptr": ("matrix", {"indptr": (1, 10**6)}, "indptr must rise from 0"),
}


@pytest.mark.parametrize(("base", "changes", "phrase"), CORRUPTIONS.values(), ids=CORRUPTIONS)
def test_every_corrupt_counting_file_is_refused(
    saved_arrays, tmp_path: Path, base: str, changes: dict, phrase: str
) -> None:
    path = tmp_path / "counting_model.npz"
    np.savez(path, **corrupted(saved_arrays[base], changes))
    with pytest.raises(ModelFileError) as caught:
        load_counting_model(path)
    message = str(caught.value)
    assert phrase in message and str(path) in message and "\n" not in message
    assert "save_counting_model()" in message


class Marker:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


@pytest.mark.parametrize("kind", ["missing", "text", "truncated", "pickle", "object array"])
def test_unreadable_counting_files_are_refused_and_run_nothing(
    saved_arrays, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "counting_model.npz"
    marker = tmp_path / "ran"
    if kind == "text":
        path.write_text("items,counts\n")
    elif kind == "truncated":
        np.savez(path, **saved_arrays["matrix"])
        path.write_bytes(path.read_bytes()[:200])
    elif kind == "pickle":
        path.write_bytes(pickle.dumps(Marker(marker)))
    elif kind == "object array":
        np.savez(path, **{**saved_arrays["popular"], "items": np.array([Marker(marker)] * 96)})
    with pytest.raises(ModelFileError) as caught:
        load_counting_model(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)
    assert not marker.exists()


# -- the endpoint serving the chosen model -----------------------------------------------------


def run_folder(path: Path, model=None, served: ServedModel | None = None) -> Path:
    """A run folder: vectors (when ``model`` is Word2Vec), labels, and ``served``'s files."""
    path.mkdir()
    if model is not None:
        save_vectors(model.vectors_, path / "vectors.npz", model.output_weights_)
    (path / "projector").mkdir()
    labels = "".join(f"t{t}-i{i}\ttheme {t}\t1\n" for t in range(8) for i in range(12))
    (path / "projector" / "metadata.tsv").write_text(f"item\tlabel\tcount\n{labels}")
    if served is not None:
        write_served_model(path, served)
    return path


def expected_answer(model, rule: ContextRule, items: list[str], k: int) -> list[tuple[str, float]]:
    scores = context_scores(model, [items], rule)[0]
    scores[model.index_of(items)] = -np.inf
    top = top_k_indices(scores[None], k)[0]
    return [(str(model.items_[row]), round(float(scores[row]), 6)) for row in top[top >= 0]]


def answered(scorer: SessionScorer, items: list[str], k: int = 10) -> list[tuple[str, float]]:
    found = scorer.answer({"items": items, "k": k})["recommendations"]
    return [(row["item"], row["score"]) for row in found]


REQUEST = ["t3-i1", "t3-i2", "t6-i0", "t3-i4"]


def test_word2vec_is_served_with_its_context_rule(models, tmp_path: Path) -> None:
    model, rule = models[4], ContextRule(2, "recency", 0.25)
    folder = run_folder(tmp_path / "run", model, ServedModel("Word2Vec", model, rule))
    assert json.loads((folder / "serving.json").read_text()) == {
        "model": "Word2Vec",
        "family": "word2vec",
        "scoring": "input-output",
        "context": {"items": 2, "weighting": "recency", "decay": 0.25},
    }
    assert not (folder / "counting_model.npz").exists()
    served = RunFolder(folder).load_served_model()
    assert (served.name, served.rule, served.model.scoring) == ("Word2Vec", rule, "input-output")
    scorer = SessionScorer(folder)
    found = answered(scorer, REQUEST)
    assert found == expected_answer(model, rule, REQUEST, 10)
    assert len(found) == 10 and {item for item, _ in found}.isdisjoint(REQUEST)
    assert scorer.answer({"item": "t3-i4", "k": 3})["recommendations"][0]["description"]


def test_input_input_word2vec_needs_no_output_weights(models, tmp_path: Path) -> None:
    model = models[5]
    folder = tmp_path / "run"
    run_folder(folder, served=ServedModel(model.name, model, LAST_ITEM))
    save_vectors(model.vectors_, folder / "vectors.npz")  # without output weights
    found = answered(SessionScorer(folder), ["t1-i1"], k=5)
    assert [item for item, _ in found] == model.recommend(["t1-i1"], k=5)[0].tolist()


@pytest.mark.parametrize("index", [1, 2, 3])
def test_counting_models_are_served_with_weighted_counts(models, tmp_path, index) -> None:
    model, rule = models[index], ContextRule(3, "recency", 0.5)
    folder = run_folder(tmp_path / "run", served=ServedModel(model.name, model, rule))
    assert json.loads((folder / "serving.json").read_text())["family"] == "counting"
    assert not (folder / "vectors.npz").exists()
    scorer = SessionScorer(folder)
    found = answered(scorer, REQUEST, k=100)
    assert found == expected_answer(model, rule, REQUEST, 100)
    assert {item for item, _ in found}.isdisjoint(REQUEST)
    weights = {"t3-i1": 0.0, "t3-i2": 0.25, "t6-i0": 0.5, "t3-i4": 1.0}
    rows = model.matrix_[model.index_of(list(weights))].toarray()
    counts = np.array(list(weights.values())) @ rows
    assert found[0][1] == round(float(counts[model.index_of([found[0][0]])[0]]), 6)
    assert len(found) == int(((counts > 0) & ~np.isin(model.items_, REQUEST)).sum()) < 100


def test_a_counting_model_answers_fewer_items_than_k_rather_than_padding(tmp_path) -> None:
    model = SequentialRules(1).fit([["a", "b"], ["a", "c"], ["d", "e"]])
    folder = run_folder(tmp_path / "run", served=ServedModel(model.name, model, LAST_ITEM))
    with pytest.warns(UserWarning, match="have no row in"):
        scorer = SessionScorer(folder)
    assert answered(scorer, ["a"]) == [("b", 1.0), ("c", 1.0)]
    assert answered(scorer, ["b"]) == []
    assert scorer.answer({"items": ["zz"]}) == {
        "error": "unknown items ['zz'] (1 of 1): the model knows 5 ids; send only those"
    }


def test_most_popular_serves_the_best_sellers_the_request_does_not_hold(models, tmp_path):
    model = models[0]
    folder = run_folder(tmp_path / "run", served=ServedModel(model.name, model, LAST_ITEM))
    scorer = SessionScorer(folder)
    request = model.items_[[0, 2]].tolist()
    found = answered(scorer, request, k=3)
    assert [item for item, _ in found] == model.items_[[1, 3, 4]].tolist()
    assert [score for _, score in found] == model.popularity_[[1, 3, 4]].tolist()
    assert "unknown items ['nope']" in scorer.answer({"items": ["nope"]})["error"]


def test_a_run_without_serving_json_serves_the_mean_of_every_item(models, tmp_path) -> None:
    model = models[4]
    folder = run_folder(tmp_path / "old", model)
    scorer = SessionScorer(folder)
    assert scorer.served.rule == ContextRule(50, "mean")
    inputs = unit_vectors(model.vectors_.vectors)
    outputs = unit_vectors(model.output_weights_)
    rows = [model.vectors_.key_to_index[item] for item in REQUEST]
    scores = (unit_vectors(inputs[rows].mean(axis=0, keepdims=True)) @ outputs.T)[0]
    scores[rows] = -np.inf
    best = np.argsort(-scores, kind="stable")[:10]
    found = answered(scorer, REQUEST)
    assert [item for item, _ in found] == [model.vectors_.index_to_key[row] for row in best]
    np.testing.assert_allclose([score for _, score in found], scores[best], atol=2e-6)


def test_served_models_are_checked_when_made(models) -> None:
    with pytest.raises(ValueError, match="served under its own name 'CoOccurrence"):
        ServedModel("CoOccurrence", models[2], LAST_ITEM)
    with pytest.raises(TypeError, match="rule must be a ContextRule"):
        ServedModel("Word2Vec", models[4], {"items": 1})
    with pytest.raises(TypeError, match="can be served, not str"):
        ServedModel("Word2Vec", "model", LAST_ITEM)


BAD_SERVING = {
    "not JSON": ("{", "cannot be read as JSON"),
    "a list": ("[]", "it holds a list, not an object"),
    "unknown key": (
        '{"model": "m", "family": "counting", "context": {}, "extra": 1}',
        "unknown key 'extra'",
    ),
    "no context": ('{"model": "m", "family": "counting"}', "the key 'context' is missing"),
    "bad family": ('{"model": "m", "family": "bert", "context": {}}', "'family' must be one of"),
    "no scoring": ('{"model": "m", "family": "word2vec", "context": {}}', "'scoring' must be"),
    "bad rule": (
        '{"model": "m", "family": "counting", "context": {"items": 0, "weighting": "mean"}}',
        "bad context rule: A context rule's items",
    ),
    "no counting file": (
        '{"model": "MostPopular", "family": "counting", "context": '
        '{"items": 1, "weighting": "mean"}}',
        "No counting model at",
    ),
}


@pytest.mark.parametrize(("content", "phrase"), BAD_SERVING.values(), ids=BAD_SERVING)
def test_a_bad_serving_json_is_refused_in_one_line(tmp_path, content: str, phrase: str) -> None:
    folder = run_folder(tmp_path / "run")
    (folder / "serving.json").write_text(content)
    with pytest.raises(ModelFileError) as caught:
        SessionScorer(folder)
    message = str(caught.value)
    assert phrase in message and "\n" not in message and "python -m prod2vec pipeline" in message


def test_model_files_that_disagree_with_serving_json_are_refused(models, tmp_path) -> None:
    folder = run_folder(tmp_path / "run", served=ServedModel(models[2].name, models[2], LAST_ITEM))
    save_counting_model(models[3], folder / "counting_model.npz")
    with pytest.raises(
        ModelFileError,
        match="names 'CoOccurrence.window=2.' but .* holds 'SequentialRules.window=3.'",
    ):
        SessionScorer(folder)
    other = tmp_path / "w2v"
    run_folder(other, served=ServedModel("Word2Vec", models[4], LAST_ITEM))
    save_vectors(models[4].vectors_, other / "vectors.npz")  # no output weights
    with pytest.raises(ModelFileError, match="holds no output weights"):
        SessionScorer(other)
