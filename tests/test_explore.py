"""What embeddings are good for: neighbours and their evidence, maps, customer vectors, export."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from gensim.models import KeyedVectors

pytest.importorskip("umap")  # the explore extra; make setup installs it

from prod2vec.explore.customers import (  # noqa: E402
    centred,
    choose_segments,
    customer_vectors,
    look_alike_overlap,
    most_similar_customers,
    next_item_metrics,
    segment_profiles,
)
from prod2vec.explore.descriptions import description_words  # noqa: E402
from prod2vec.explore.maps import cluster_names, item_map, map_clusters  # noqa: E402
from prod2vec.explore.neighbours import (  # noqa: E402
    TogetherCounts,
    neighbour_table,
    never_bought_together,
)
from prod2vec.explore.plots import plot_item_map  # noqa: E402
from prod2vec.models.baselines import CoOccurrence  # noqa: E402
from prod2vec.models.word2vec import Word2VecRecommender  # noqa: E402
from prod2vec.online_retail import to_interactions  # noqa: E402
from prod2vec.online_retail.explore_settings import (  # noqa: E402
    SEGMENT_MIX,
    SPEND_COLUMNS,
    STOP_WORDS,
)
from prod2vec.outputs.export import save_keyed_vectors, write_projector_files  # noqa: E402

SESSIONS = [["a", "b", "c"], ["a", "b"], ["c", "d"], ["d", "e"], ["a", "b", "a"]]


def keyed(vectors: dict[str, list[float]]) -> KeyedVectors:
    keyed_vectors = KeyedVectors(vector_size=len(next(iter(vectors.values()))))
    keyed_vectors.add_vectors(list(vectors), np.array(list(vectors.values()), dtype=np.float32))
    return keyed_vectors


def test_together_counts_sessions_not_occurrences() -> None:
    together = TogetherCounts(SESSIONS)
    # a and b share three sessions (one holds a twice); a and d none; unknown items count 0
    assert together.of("a", ["b", "c", "d", "zz"]).tolist() == [3, 1, 0, 0]
    assert together.of("zz", ["a"]).tolist() == [0]


def test_a_count_model_never_relates_products_never_bought_together() -> None:
    together = TogetherCounts(SESSIONS)
    counting = CoOccurrence(window=2).fit(SESSIONS)
    assert never_bought_together(counting, together) == 0.0
    table = neighbour_table(counting, ["a"], pd.Series({"b": "bee"}), together, k=3)
    assert list(table.columns) == [
        "query", "rank", "item", "description", "score", "sessions_together"
    ]  # fmt: skip
    assert table["item"].tolist() == ["b", "c"]  # only co-occurring items are candidates
    assert table["description"].tolist() == ["bee", "?"]
    assert table["score"].tolist() == [4.0, 1.0]  # a-b: once in two sessions, twice in a-b-a


def test_an_embedding_can_relate_items_never_bought_together() -> None:
    vectors = keyed({"a": [1, 0], "b": [0.9, 0.1], "c": [0, 1], "d": [0.1, 1], "e": [1, 0.05]})
    model = Word2VecRecommender.from_vectors(vectors)
    together = TogetherCounts(SESSIONS)
    table = neighbour_table(model, ["a"], pd.Series(dtype=str), together, k=2)
    assert table["item"].tolist() == ["e", "b"] and table["sessions_together"].tolist() == [0, 3]
    assert table["score"].iloc[0] == pytest.approx(1 / np.hypot(1, 0.05), rel=1e-6)
    assert 0 < never_bought_together(model, together, k=2) < 1


def test_customer_vector_weightings() -> None:
    vectors = keyed({"x": [1, 0], "y": [0, 1], "z": [0, 1]})
    histories = pd.Series({"ann": ["x", "x", "x", "y"], "bob": ["y", "x"], "cy": ["unknown"]})
    mean = customer_vectors(histories, vectors, "mean")
    assert list(mean.index) == ["ann", "bob"]  # no known item: left out
    np.testing.assert_allclose(np.linalg.norm(mean.to_numpy(), axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(mean.loc["ann"], np.array([3, 1]) / np.hypot(3, 1), rtol=1e-6)
    recency = customer_vectors(histories, vectors, "recency", half_life=1.0)
    # bob bought y, then x: x (the last) counts 1, y one purchase earlier counts 0.5
    np.testing.assert_allclose(recency.loc["bob"], np.array([1, 0.5]) / np.hypot(1, 0.5), rtol=1e-6)
    idf = customer_vectors(histories, vectors, "idf")
    # every customer with items bought x and y: idf = log(3/2) for both, the mean's direction
    np.testing.assert_allclose(idf.loc["ann"], mean.loc["ann"], rtol=1e-6)
    with pytest.raises(ValueError, match="Unknown weighting"):
        customer_vectors(histories, vectors, "median")


def test_next_item_recall_and_look_alikes() -> None:
    vectors = keyed({"x": [1, 0], "y": [0, 1], "w": [1, 1]})
    histories = pd.Series({"ann": ["x"], "bob": ["y"], "cy": ["x", "x"]})
    customers = customer_vectors(histories, vectors)
    targets = pd.Series({"ann": "x", "bob": "x", "cy": "nope"})
    metrics = next_item_metrics(customers, targets, vectors, k=1)
    assert metrics["Recall@1"].tolist() == [1.0, 0.0, 0.0]  # cy's target is unknown: a miss
    assert list(metrics.index) == ["ann", "bob", "cy"]
    assert most_similar_customers(customers, "ann", k=1).index.tolist() == ["cy"]


def test_centring_removes_the_taste_every_customer_shares() -> None:
    shared = np.array([10.0, 0, 0])
    raw = pd.DataFrame([shared + [0, 1, 0], shared + [0, -1, 0], shared + [0, 0, 1]],
                       index=["a", "b", "c"])  # fmt: skip
    plain = raw.div(np.linalg.norm(raw, axis=1), axis=0)
    assert plain.loc["a"] @ plain.loc["b"] > 0.98  # alike only by what all share
    centre = centred(plain)
    np.testing.assert_allclose(np.linalg.norm(centre, axis=1), 1.0)
    assert centre.loc["a"] @ centre.loc["b"] < 0


def test_look_alike_overlap_against_random_partners() -> None:
    vectors = pd.DataFrame(
        [[1.0, 0], [0.99, 0.14], [0, 1.0], [0.14, 0.99], [0.7, 0.7]],
        index=["a", "b", "c", "d", "no later purchases"],
    )
    later = pd.Series({"a": ["x", "y"], "b": ["x"], "c": ["z"], "d": ["z", "w"],
                       "no later purchases": []})  # fmt: skip
    table = look_alike_overlap(vectors, later, seed=0)
    assert table.index.tolist() == ["a", "b", "c", "d"]
    assert table["look_alike"].tolist() == ["b", "a", "d", "c"]
    assert table["look_alike_overlap"].tolist() == [0.5, 0.5, 0.5, 0.5]
    assert (table["random_overlap"] <= 0.5).all()
    assert (table.index != table["look_alike"]).all()
    assert sorted(table["look_alike"]) == sorted(table.index)  # here the pairs are mutual
    with pytest.raises(ValueError, match="at least two customers"):
        look_alike_overlap(vectors.iloc[:1], later)


def clustered(groups: int = 4, per_group: int = 60, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(groups, 16)) * 4
    return np.vstack([centre + rng.normal(size=(per_group, 16)) for centre in centres])


def test_segments_find_the_number_of_planted_groups() -> None:
    points = clustered(groups=4)
    customers = pd.DataFrame(points / np.linalg.norm(points, axis=1, keepdims=True))
    segments, silhouettes = choose_segments(customers, candidates=range(2, 8))
    assert int(silhouettes.idxmax()) == 4
    assert len(np.unique(segments)) == 4 and silhouettes.max() > 0.5


def test_segment_profiles_describe_with_the_columns_they_are_given() -> None:
    interactions = pd.DataFrame(
        {"user": [1, 1, 2, 3], "item": ["x", "y", "x", "z"], "units": [1, 2, 3, 4],
         "each": [1.0, 1.0, 2.0, 0.5], "region": ["North", "North", "South", "North"]}
    )  # fmt: skip
    segments, labels = pd.Series({1: 0, 2: 0, 3: 1}), pd.Series({"x": "X", "y": "Y", "z": "Z"})
    plain = segment_profiles(segments, interactions, labels)
    assert list(plain.columns) == ["customers", "share", "typical products"]
    assert plain["customers"].tolist() == [2, 1]
    assert plain.loc[1, "typical products"] == "Z"
    profiles = segment_profiles(
        segments, interactions, labels, spend=("units", "each"), mix={"regions": "region"}
    )
    assert list(profiles.columns) == [*plain.columns, "median spend", "regions"]
    assert profiles.loc[0, "median spend"] == pytest.approx(4.5)  # 3 and 6
    assert profiles.loc[0, "regions"] == "North 50%, South 50%"


def test_online_retail_profiles_segments_by_spend_and_country(transactions) -> None:
    interactions = to_interactions(transactions.dropna(subset=["CustomerID"]))
    profiles = segment_profiles(
        pd.Series({1: 0, 2: 0, 3: 1}), interactions, pd.Series(dtype=str),
        spend=SPEND_COLUMNS, mix=SEGMENT_MIX,
    )  # fmt: skip
    assert list(profiles.columns)[-2:] == ["median spend", "countries"]
    # customer 3 bought two items at 1.5 each
    assert profiles.loc[1, "median spend"] == pytest.approx(3.0)
    assert profiles.loc[1, "countries"] == "United Kingdom 100%"


def test_the_map_keeps_groups_together_and_names_them() -> None:
    points = clustered(groups=3, per_group=50)
    coordinates = item_map(points, seed=0)
    assert coordinates.shape == (150, 2)
    regions = map_clusters(coordinates, n_clusters=3)
    truth = np.repeat(np.arange(3), 50)
    for group in range(3):  # each planted group lands in one region
        assert len(np.unique(regions[truth == group])) == 1
    descriptions = pd.Series(
        [f"SET OF {n} CHRISTMAS BAUBLES" for n in range(50)]
        + [f"LUNCH BAG RED {n}" for n in range(50)]
        + [f"PINK RED HEART CANDLE {n}" for n in range(50)]
    )
    names = cluster_names(descriptions, truth, words=3, stop_words={"SET", "OF"})
    assert names == {0: "BAUBLES CHRISTMAS", 1: "BAG LUNCH RED", 2: "CANDLE HEART PINK"}
    # without stop words, the words every item of cluster 0 has tie with its theme
    assert cluster_names(descriptions, truth, words=3)[0] == "BAUBLES CHRISTMAS OF"


def test_description_words_leave_out_the_stop_words_they_are_given() -> None:
    assert description_words("Set of 3 cake tins, pantry design") == [
        "SET", "OF", "CAKE", "TINS", "PANTRY", "DESIGN"
    ]  # fmt: skip
    assert description_words("SET OF 3 CAKE TINS PANTRY DESIGN", STOP_WORDS) == [
        "CAKE", "TINS", "PANTRY"
    ]  # fmt: skip


def test_the_map_figure_frames_the_bulk_and_names_the_clusters_inside() -> None:
    grid = np.stack(np.meshgrid(np.arange(10.0), np.arange(10.0)), axis=-1).reshape(-1, 2)
    coordinates = np.vstack([grid, grid + [20, 0], [[1e3, 1e3]]])
    clusters = np.append(np.repeat([0, 1], 100), 2)
    names = {0: "first", 1: "second", 2: "far away"}
    figure = plot_item_map(coordinates, np.ones(len(coordinates)), clusters, names)
    axis, whole = figure.axes
    assert [text.get_text() for text in axis.texts] == [
        "first", "second", "1 of 201 items outside the frame"
    ]  # fmt: skip
    (x_low, x_high), (y_low, y_high) = axis.get_xlim(), axis.get_ylim()
    for label in axis.texts[:2]:
        x, y = label.xy
        assert x_low < x < x_high and y_low < y < y_high
    assert len(whole.patches) == 1  # the frame, drawn on the whole map
    assert whole.dataLim.x1 >= 1e3  # the far-off island is on the whole map


def test_every_region_with_points_in_the_frame_is_named_inside_it() -> None:
    grid = np.stack(np.meshgrid(np.arange(100.0), np.arange(100.0)), axis=-1).reshape(-1, 2)
    # region 1: two points at the frame's edge, three far away (its median is off-frame)
    edge = np.array([[99.0, 99.0], [99.0, 98.0]])
    far = np.full((3, 2), 5000.0) + np.arange(3)[:, None]
    coordinates = np.vstack([grid, edge, far])
    clusters = np.concatenate([np.zeros(len(grid), int), np.ones(5, int)])
    axis = plot_item_map(coordinates, np.ones(len(coordinates)), clusters, {0: "a", 1: "b"}).axes[0]
    labels = {text.get_text(): text.xy for text in axis.texts[:2]}
    assert set(labels) == {"a", "b"}
    (x_low, x_high), (y_low, y_high) = axis.get_xlim(), axis.get_ylim()
    assert all(x_low < x < x_high and y_low < y < y_high for x, y in labels.values())


def test_export_formats_round_trip(tmp_path) -> None:
    vectors = keyed({"85123A": [0.5, -1.25], "BANK CHARGES": [1.0, 2.0]})
    with pytest.raises(ValueError, match="replace_spaces"):
        save_keyed_vectors(vectors, tmp_path / "v.txt")
    assert not (tmp_path / "v.txt").exists()
    path = save_keyed_vectors(vectors, tmp_path / "v.txt", replace_spaces="_")
    loaded = KeyedVectors.load_word2vec_format(str(path), binary=False)
    assert loaded.index_to_key == ["85123A", "BANK_CHARGES"]
    np.testing.assert_allclose(loaded.vectors, vectors.vectors)
    clash = keyed({"A B": [0.0, 1.0], "A_B": [1.0, 0.0]})
    with pytest.raises(ValueError, match="two item ids equal"):
        save_keyed_vectors(clash, tmp_path / "c.txt", replace_spaces="_")
    labels = pd.Series({"85123A": "WHITE\tHEART\nHOLDER"})
    tsv, metadata = write_projector_files(vectors, tmp_path / "projector", labels)
    np.testing.assert_allclose(np.loadtxt(tsv, delimiter="\t"), vectors.vectors)
    assert metadata.read_text().splitlines() == [
        "item\tlabel\tcount", "85123A\tWHITE HEART HOLDER\t0", "BANK CHARGES\t?\t0"
    ]  # fmt: skip


def test_scores_cover_the_catalogue() -> None:
    model = CoOccurrence(window=1).fit(SESSIONS)
    scores = model.scores(["a", "unknown"])
    assert scores.shape == (2, len(model.items_))
    assert np.isneginf(scores[1]).all()
    assert scores[0][model.index_of(["b"])[0]] == 4.0
