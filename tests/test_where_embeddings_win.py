"""The PMI+SVD control, metrics by query frequency, and catalogue coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from prod2vec.data.integer_sessions import encode_sessions
from prod2vec.errors import ConfigurationError
from prod2vec.evaluation.breakdown import (
    UNSEEN,
    catalogue_coverage,
    frequency_bands,
    metrics_by_band,
)
from prod2vec.evaluation.context import LAST_ITEM, context_scores
from prod2vec.models.baselines import MostPopular
from prod2vec.models.pmi_svd import PmiSvd, _positive_pmi

from .synthetic import shopping_events


@pytest.fixture(scope="module")
def sessions() -> list[list[str]]:
    events = shopping_events(users=300, events=10)
    return events.groupby("user_id", sort=True)["item_id"].agg(list).tolist()


def test_positive_pmi_matches_the_formula_by_hand() -> None:
    counts = sp.csr_matrix(np.array([[0.0, 4, 1], [4, 0, 2], [1, 2, 0]]))
    exponent, shift = 0.75, 2.0
    dense = counts.toarray()
    smoothed = dense.sum(axis=0) ** exponent
    with np.errstate(divide="ignore"):
        expected = np.log(
            dense * smoothed.sum() / (dense.sum(axis=1)[:, None] * smoothed[None, :])
        ) - np.log(shift)
    expected = np.where(np.isfinite(expected) & (expected > 0), expected, 0)
    np.testing.assert_allclose(_positive_pmi(counts, exponent, shift).toarray(), expected)


def test_neighbours_stay_in_the_planted_theme(sessions) -> None:
    model = PmiSvd(window=2, dimensions=16).fit(sessions)
    queries = [f"t{theme}-i3" for theme in range(8)]
    lists = model.recommend(queries, k=5)
    themes = np.vectorize(lambda item: item.split("-")[0])(lists)
    assert (themes == np.array([query.split("-")[0] for query in queries])[:, None]).mean() > 0.9


def test_a_fit_is_reproducible_and_one_item_context_ranks_as_recommend(sessions) -> None:
    first, second = PmiSvd(dimensions=8).fit(sessions), PmiSvd(dimensions=8).fit(sessions)
    np.testing.assert_array_equal(first.vectors_, second.vectors_)
    queries = list(first.items_[:20])
    expected = first.scores(queries)
    expected[np.arange(20), first.index_of(queries)] = -np.inf  # a request's items are excluded
    got = context_scores(first, [[query] for query in queries], LAST_ITEM)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_an_item_without_co_occurrences_is_neither_recommended_nor_answered() -> None:
    sessions = [["a", "b", "c"], ["b", "c", "a"], ["lonely"]] * 3
    model = PmiSvd(window=1, dimensions=1).fit(sessions)
    assert "lonely" not in model.recommend(["a", "b"], k=3).ravel()
    assert (model.recommend(["lonely"], k=3) == "").all()


def test_the_rank_is_capped_by_the_catalogue() -> None:
    model = PmiSvd(window=1, dimensions=50).fit([["a", "b", "c"], ["c", "b", "a"]])
    assert model.vectors_.shape == (3, 2)


@pytest.mark.parametrize(
    "arguments", [{"window": 0}, {"dimensions": 0}, {"shift": 0.5}, {"context_exponent": 0}]
)
def test_bad_settings_are_refused(arguments) -> None:
    with pytest.raises(ConfigurationError, match="PmiSvd needs"):
        PmiSvd(**arguments)


def test_frequency_bands_by_training_count() -> None:
    counts = pd.Series({"a": 1, "b": 9, "c": 10, "d": 49, "e": 50, "f": 199, "g": 200, "h": 5000})
    bands = frequency_bands([*counts.index, "new"], counts)
    assert bands.tolist() == [
        "1-9", "1-9", "10-49", "10-49", "50-199", "50-199", "200+", "200+", UNSEEN,
    ]  # fmt: skip
    assert list(bands.cat.categories) == [UNSEEN, "1-9", "10-49", "50-199", "200+"]
    with pytest.raises(ValueError, match="edges must rise from 1"):
        frequency_bands(["a"], counts, edges=(2, 10))


def test_metrics_by_band_pairs_each_model_with_the_reference() -> None:
    bands = pd.Series(pd.Categorical(["x", "x", "y", "y"], categories=["x", "y", "z"]))
    ours = pd.DataFrame({"Recall@10": [1.0, 1.0, 0.0, 1.0]})
    theirs = pd.DataFrame({"Recall@10": [0.0, 1.0, 0.0, 0.0]})
    table = metrics_by_band({"ours": ours, "theirs": theirs}, bands, "theirs", n_resamples=200)
    assert table["band"].tolist() == ["x", "x", "y", "y"]  # band z holds no pair
    row = table.set_index(["band", "model"]).loc[("x", "ours")]
    assert (row["pairs"], row["value"], row["difference"]) == (2, 1.0, 0.5)
    assert table.loc[table["model"] == "theirs", "difference"].eq(0).all()
    with pytest.raises(ValueError, match="reference 'nobody'"):
        metrics_by_band({"ours": ours}, bands, "nobody")


def test_most_popular_covers_k_items_of_the_catalogue(sessions) -> None:
    model = MostPopular().fit(sessions)
    assert catalogue_coverage(model, ["t0-i1", "t1-i1", "t0-i1"], k=5) == pytest.approx(
        5 / len(model.items_), abs=1 / len(model.items_)
    )


def test_pmi_svd_fits_from_encoded_sessions_like_from_sessions(sessions) -> None:
    direct = PmiSvd(dimensions=4).fit(sessions)
    encoded = PmiSvd(dimensions=4).fit_encoded(encode_sessions(sessions))
    np.testing.assert_array_equal(direct.vectors_, encoded.vectors_)


def test_shared_word_shares_read_the_kind_of_product_from_descriptions() -> None:
    from prod2vec.explore.neighbours import shared_word_shares
    from prod2vec.models.baselines import CoOccurrence

    sessions = [["bag1", "bag2", "cup"], ["bag1", "bag2"], ["cup", "bag1"], ["alone"]]
    model = CoOccurrence(window=1).fit(sessions)
    descriptions = pd.Series(
        {"bag1": "RED LUNCH BAG", "bag2": "PINK LUNCH BAG", "cup": "RED PAPER CUP"}
    )
    shares = shared_word_shares(model, ["bag1", "cup", "alone"], descriptions, {"RED", "PINK"})
    # bag1's neighbours: bag2 (LUNCH BAG) and cup (only RED, ignored); cup's: bag2 and bag1
    assert shares[:2].tolist() == [0.5, 0.0]
    assert np.isnan(shares[2])  # no neighbours
    with_colours = shared_word_shares(model, ["cup"], descriptions)
    assert with_colours.tolist() == [0.5]  # RED alone makes bag1 "alike"; bag2 is PINK
