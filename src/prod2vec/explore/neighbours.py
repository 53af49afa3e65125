"""Similar products: an embedding's nearest neighbours beside a counting model's.

The two disagree in an instructive way: a co-occurrence count can only relate products that
were bought together, while an embedding also relates products bought in *similar company*,
so some of its neighbours were never in a basket with the query at all.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from prod2vec.data.integer_sessions import encode_sessions
from prod2vec.data.interactions import as_item_ids
from prod2vec.explore.descriptions import description_words
from prod2vec.models.baselines import session_item_counts
from prod2vec.models.recommender import Recommender


def bought_matrix(sessions: Sequence[Sequence[str]]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Which items each session holds: a binary (sessions x items) matrix, and its items.

    Parameters
    ----------
    sessions : sequence of sequences of str
        Item lists (repeats count once).

    Returns
    -------
    tuple of (scipy.sparse.csr_matrix, numpy.ndarray)
        The matrix, and the item id of each column (most frequent first).
    """
    encoded = encode_sessions(sessions)
    bought = session_item_counts(encoded)
    bought.data[:] = 1.0
    return bought, encoded.items


class TogetherCounts:
    """In how many sessions two items were both bought: the evidence a counting model has.

    Parameters
    ----------
    sessions : sequence of sequences of str
        The training sessions.
    """

    def __init__(self, sessions: Sequence[Sequence[str]]) -> None:
        bought, items = bought_matrix(sessions)
        self._matrix = (bought.T @ bought).tocsr()
        self._position = pd.Index(items)

    def of(self, query: str, items: Sequence[str]) -> np.ndarray:
        """Sessions holding both ``query`` and each of ``items`` (0 for unknown items)."""
        row = self._position.get_indexer([query])[0]
        columns = self._position.get_indexer(as_item_ids(items))
        if row < 0:
            return np.zeros(len(columns), dtype=np.int64)
        counts = self._matrix[row].toarray().ravel()
        return np.where(columns >= 0, counts[columns], 0).astype(np.int64)


def neighbour_table(
    model: Recommender,
    queries: Sequence[str],
    labels: pd.Series,
    together: TogetherCounts,
    k: int = 10,
) -> pd.DataFrame:
    """The ``k`` items ``model`` ranks first for each query, with labels, scores and evidence.

    Returns
    -------
    pandas.DataFrame
        Columns ``query``, ``rank``, ``item``, ``description``, ``score`` (the model's own:
        a cosine for an embedding, a count for a counting model) and ``sessions_together``.
    """
    frames = []
    for query in as_item_ids(queries):
        top = model.recommend([query], k=k)[0]
        top = top[model.index_of(top) >= 0]  # drop padding
        scores = model.scores([query])[0][model.index_of(top)]
        frames.append(
            pd.DataFrame(
                {
                    "query": query,
                    "rank": np.arange(1, len(top) + 1),
                    "item": top,
                    "description": labels.reindex(top).fillna("?").to_numpy(),
                    "score": scores,
                    "sessions_together": together.of(query, top),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def side_by_side(first: pd.DataFrame, second: pd.DataFrame, names: tuple[str, str]) -> pd.DataFrame:
    """Two neighbour tables of one query as columns, rank by rank, for reading."""
    columns = ["description", "score", "sessions_together"]
    left = first.set_index("rank")[columns]
    right = second.set_index("rank")[columns]
    return pd.concat({names[0]: left, names[1]: right}, axis=1)


def never_bought_together(model: Recommender, together: TogetherCounts, k: int = 10) -> float:
    """Share of ``model``'s top-``k`` neighbours, over its whole catalogue, never bought with
    their query (0 for any counting model: a count needs a shared session)."""
    queries = model.items_
    top = model.recommend(queries, k=k)
    never, total = 0, 0
    for query, row in zip(queries, top, strict=True):
        row = row[model.index_of(row) >= 0]
        counts = together.of(query, row)
        never += int((counts == 0).sum())
        total += len(row)
    return never / total if total else 0.0


def shared_word_shares(
    model: Recommender,
    queries: Sequence[str],
    descriptions: pd.Series,
    stop_words: Collection[str] = (),
    k: int = 10,
) -> np.ndarray:
    """Per query, the share of its top-``k`` neighbours whose description shares a word with it.

    A crude but checkable reading of "the same kind of product": two lunch bags in other
    colours share ``LUNCH`` and ``BAG``; a lunch bag and the paper cups bought with it share
    nothing, once the words that name no kind of product (colours, patterns, "SET OF") are in
    ``stop_words``.

    Parameters
    ----------
    model : Recommender
        A fitted model, asked for each query's neighbours.
    queries : sequence of str
        Query item ids.
    descriptions : pandas.Series
        Description by item id (items without one share no word).
    stop_words : collection of str
        Upper-case words to ignore (:func:`~prod2vec.explore.descriptions.description_words`).
    k : int
        Neighbours per query.

    Returns
    -------
    numpy.ndarray
        One share per query, NaN for a query without neighbours.
    """
    words = {
        item: set(description_words(text, stop_words))
        for item, text in descriptions.dropna().items()
    }
    shares = np.full(len(queries), np.nan)
    for position, (query, row) in enumerate(
        zip(queries, model.recommend(queries, k=k), strict=True)
    ):
        row = row[model.index_of(row) >= 0]
        if len(row):
            query_words = words.get(query, set())
            shares[position] = np.mean([bool(query_words & words.get(item, set())) for item in row])
    return shares
