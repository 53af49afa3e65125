"""A model endpoint: the next items for a session's recent items, from saved vectors.

The request is JSON, ``{"items": ["<item id>", ...], "k": 10}`` (the recent items of a
session, oldest first; a single ``"item"`` is accepted too). The answer is
``{"recommendations": [{"item", "description", "score"}, ...]}``, or ``{"error": "..."}``
naming what is wrong with the request: a bad request never raises.

The session is scored as skip-gram was trained to predict: the mean of the recent items'
input vectors against every item's output vector (cosine), without the items already in the
request. The vectors come from a folder written by ``python -m prod2vec pipeline``
(:class:`~prod2vec.outputs.run_folder.RunFolder`: vectors with output weights, and the
Projector's labels for descriptions), loaded once per process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from prod2vec.models.ranking import top_k_indices
from prod2vec.models.word2vec import unit_vectors
from prod2vec.outputs.run_folder import RunFolder

#: the most recent items a request may send, and the largest k
MAX_ITEMS = 50
MAX_K = 100


class SessionScorer:
    """A pipeline run's vectors ready to answer requests (see the module's docstring).

    Raises
    ------
    ModelFileError
        ``folder`` is not a servable run (no vectors, no output weights, mismatched shapes).
    """

    def __init__(self, folder: str | Path) -> None:
        run = RunFolder(folder)
        vectors, output_weights = run.load_vectors()
        self.items = np.asarray(vectors.index_to_key, dtype=str)
        self.position = pd.Index(self.items)
        self.inputs = unit_vectors(vectors.vectors)
        self.outputs = unit_vectors(output_weights)
        self.labels = run.labels().reindex(self.items).fillna("?").to_numpy()

    def answer(self, request: Any) -> dict[str, Any]:
        """The recommendations for ``request``, or an ``error`` naming what is wrong."""
        parsed = parse_request(request)
        if isinstance(parsed, str):
            return {"error": parsed}
        items, k = parsed
        rows = self.position.get_indexer(items)
        if (rows < 0).any():
            unknown = [item for item, row in zip(items, rows, strict=True) if row < 0][:5]
            return {"error": f"unknown items {unknown}: the model knows {len(self.items):,} ids"}
        scores = unit_vectors(self.inputs[rows].mean(axis=0, keepdims=True)) @ self.outputs.T
        scores[0, rows] = -np.inf
        top = top_k_indices(scores, k)[0]
        top = top[top >= 0]  # fewer candidates than k
        scores = scores[0]
        return {
            "recommendations": [
                {"item": str(self.items[row]), "description": str(self.labels[row]),
                 "score": round(float(scores[row]), 6)}
                for row in top
            ]
        }  # fmt: skip


def parse_request(request: Any) -> tuple[list[str], int] | str:
    """``(items, k)`` from a request, or a message saying what is wrong with it."""
    if not isinstance(request, dict):
        return 'send a JSON object such as {"items": ["85123A", "22423"], "k": 10}'
    unknown_keys = sorted(set(request) - {"items", "item", "k"})
    if unknown_keys:
        return f"unknown fields {unknown_keys}: send 'items' (or 'item') and optionally 'k'"
    if "items" in request and "item" in request:
        return "send either 'items' or 'item', not both"
    items = [request["item"]] if "item" in request else request.get("items")
    if not isinstance(items, list) or not items:
        return "'items' must be a non-empty list of item ids"
    if len(items) > MAX_ITEMS:
        return f"at most {MAX_ITEMS} recent items per request, got {len(items)}"
    if not all(isinstance(item, str) and item for item in items):
        return "item ids must be non-empty strings, e.g. '85123A'"
    k = request.get("k", 10)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        return f"'k' must be a whole number from 1 to {MAX_K}, got {k!r}"
    return items, k
