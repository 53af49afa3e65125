"""A model endpoint: the next items for a session's recent items, from a pipeline's run folder.

The request is JSON, ``{"items": ["<item id>", ...], "k": 10}`` (the recent items of a
session, oldest first; a single ``"item"`` is accepted too). The answer is
``{"recommendations": [{"item", "description", "score"}, ...]}``, or ``{"error": "..."}``
naming what is wrong with the request: no request, whatever it holds, raises. A request of
more than :data:`MAX_ITEMS` items, or naming an item the served model does not know, is
refused, whichever model is served.

The endpoint serves the model the run chose on validation, as its ``serving.json`` says
(:mod:`prod2vec.outputs.served_model`), with the context rule chosen with it: only the last
``rule.items`` items of the request are scored, the latest weighing most under a recency rule
(:mod:`prod2vec.evaluation.context`, which measured it); an item sent twice weighs twice.
No item of the request is ever recommended.

* **Word2Vec** (``vectors.npz``): the weighted mean of the items' unit input vectors against
  every item's output vector (input-output scoring) or input vector (input-input); the score
  is the cosine.
* **A counting item-to-item model** (``counting_model.npz``): the weighted sum of the items'
  rows; the score is that weighted count, rounded to 6 decimals. Only items counted with a
  scored item are candidates, so it may answer fewer than ``k`` items (never padded with
  arbitrary ones), or none.
* **MostPopular**: the best sellers the request does not hold, whatever it holds; the score is
  the item's training count.

A run folder without ``serving.json`` (written before the choice was recorded, so without
``counting_model.npz`` either) serves its Word2Vec vectors with the input-output scoring and
the mean of every item of the request, as the endpoint always did. Everything is loaded and
checked completely once per process; the Projector's labels give the descriptions.
"""

from __future__ import annotations

import warnings
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from prod2vec.errors import InputDataError, ModelFileError
from prod2vec.evaluation.context import ContextRule, context_scores
from prod2vec.models.ranking import top_k_indices
from prod2vec.models.word2vec import Word2VecRecommender
from prod2vec.outputs.run_folder import RunFolder
from prod2vec.outputs.served_model import ServedModel

#: the most recent items a request may send, and the largest k
MAX_ITEMS = 50
MAX_K = 100
DEFAULT_K = 10
FIELDS = frozenset({"items", "item", "k"})
#: how a run folder without serving.json is served: the mean of every item of the request
WHOLE_REQUEST = ContextRule(MAX_ITEMS, "mean")
#: the description of an item without a label
NO_LABEL = "?"
_EXAMPLE = '{"items": ["85123A", "22423"], "k": 10}'
#: how much of a string, and how many values, an error message shows
_SHOWN_CHARACTERS = 40
_SHOWN_VALUES = 5


class SessionScorer:
    """A pipeline run's served model ready to answer requests (see the module's docstring).

    A run folder without ``projector/metadata.tsv`` is served with ``?`` for every
    description, with a warning, as are items the file does not list; a metadata file that
    cannot be read is refused.

    Attributes
    ----------
    served : ServedModel
        The model, its name and its context rule.
    items : numpy.ndarray
        The item ids the model knows, in its catalogue order.
    labels : list of str
        The description of each of ``items``.

    Raises
    ------
    ModelFileError
        ``folder`` is not a servable run: a ``serving.json`` that does not check or is
        missing beside a ``counting_model.npz``, a model
        file it names that is missing or not valid (vectors, output weights the scoring needs,
        :func:`~prod2vec.models.counting_files.load_counting_model`), unreadable labels.
    """

    def __init__(self, folder: str | Path) -> None:
        run = RunFolder(folder)
        served = run.load_served_model()
        if served is None:
            vectors, output_weights = run.load_vectors()
            model = Word2VecRecommender.from_vectors(
                vectors, output_weights=output_weights, scoring="input-output"
            )
            served = ServedModel(model.name, model, WHOLE_REQUEST)
        self._serve(served, _descriptions(run, served.model.items_.tolist()))

    @classmethod
    def from_model(cls, served: ServedModel, labels: list[str]) -> SessionScorer:
        """A scorer answering with a model already loaded, and the description of its items.

        Parameters
        ----------
        served : ServedModel
            The model, its name and its context rule.
        labels : list of str
            The description of each item of ``served.model.items_``, in that order.

        Returns
        -------
        SessionScorer
            Answering as one loaded from a run folder does.
        """
        scorer = cls.__new__(cls)
        scorer._serve(served, labels)
        return scorer

    def _serve(self, served: ServedModel, labels: list[str]) -> None:
        self.served = served
        self.items = served.model.items_
        self.row_of = {item: row for row, item in enumerate(self.items.tolist())}
        self.longest_id = max(map(len, self.row_of))
        self.labels = labels

    def answer(self, request: Any) -> dict[str, Any]:
        """The recommendations for ``request``, or an ``error`` naming what is wrong; never raises.

        Parameters
        ----------
        request : Any
            The decoded JSON request (see the module's docstring); anything else gets an error.

        Returns
        -------
        dict
            ``{"recommendations": [...]}`` (at most ``k``, best first, never an item of the
            request; fewer where the model has fewer candidates) or ``{"error": "..."}``.
        """
        parsed = parse_request(request)
        if isinstance(parsed, str):
            return {"error": parsed}
        items, k = parsed
        # an id longer than every known one is unknown without hashing it
        rows = [self.row_of.get(item, -1) if len(item) <= self.longest_id else -1 for item in items]
        unknown = [item for item, row in zip(items, rows, strict=True) if row < 0]
        if unknown:
            return {
                "error": f"unknown items {_shown_list(unknown)} ({len(unknown)} of "
                f"{len(items)}): the model knows {len(self.items):,} ids; send only those"
            }
        scores = context_scores(self.served.model, [items], self.served.rule)
        scores[0, rows] = -np.inf
        top = top_k_indices(scores, k)[0]
        top = top[top >= 0]  # fewer candidates than k
        scores = scores[0]
        return {
            "recommendations": [
                {"item": str(self.items[row]), "description": self.labels[row],
                 "score": round(float(scores[row]), 6)}
                for row in top
            ]
        }  # fmt: skip


def parse_request(request: Any) -> tuple[list[str], int] | str:
    """``(items, k)`` from a request, or a message saying what is wrong with it.

    Any value is accepted and none raises; a list of more than :data:`MAX_ITEMS` items is
    refused before any item is looked at.

    Parameters
    ----------
    request : Any
        The decoded JSON request.

    Returns
    -------
    tuple of (list of str, int) or str
        The item ids and k, or one line naming the problem and the fix.
    """
    if not isinstance(request, dict):
        return f"send a JSON object such as {_EXAMPLE}, not {_shown(request)}"
    unknown_fields = list(islice((key for key in request if key not in FIELDS), _SHOWN_VALUES + 1))
    if unknown_fields:
        return (
            f"unknown fields {_shown_list(unknown_fields)}: send 'items' (or 'item') and "
            "optionally 'k'"
        )
    if "items" in request and "item" in request:
        return "send either 'items' or 'item', not both"
    if "item" in request:
        if not isinstance(request["item"], str):
            return f"'item' must be one item id, a string, not {_shown(request['item'])}"
        items = [request["item"]]
    else:
        items = request.get("items")
    if not isinstance(items, list) or not items:
        return "'items' must be a non-empty list of item ids"
    if len(items) > MAX_ITEMS:
        return (
            f"at most {MAX_ITEMS} recent items per request, got {len(items):,}: send the most "
            f"recent {MAX_ITEMS}"
        )
    bad = next((i for i, item in enumerate(items) if not isinstance(item, str) or not item), None)
    if bad is not None:
        return (
            f"item ids must be non-empty strings, e.g. '85123A'; item {bad + 1} is "
            f"{_shown(items[bad])}"
        )
    k = request.get("k", DEFAULT_K)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        return f"'k' must be a whole number from 1 to {MAX_K}, got {_shown(k)}"
    return items, k


def _descriptions(run: RunFolder, items: list[str]) -> list[str]:
    """The label of each item from the run's Projector metadata, ``?`` where it has none."""
    if not run.projector_metadata.is_file():
        warnings.warn(
            f"{run.projector_metadata} is missing: every description will be {NO_LABEL!r}. "
            "Write the run again with `python -m prod2vec pipeline` to serve descriptions.",
            stacklevel=3,
        )
        return [NO_LABEL] * len(items)
    try:
        labels = run.labels().to_dict()
    except (InputDataError, OSError) as error:
        raise ModelFileError(
            f"{run.projector_metadata} cannot be read as the run's labels ({error}); write the "
            "run again with `python -m prod2vec pipeline`, or remove the file to serve "
            f"{NO_LABEL!r} as every description."
        ) from error
    if unlabelled := sum(item not in labels for item in items):
        warnings.warn(
            f"{unlabelled:,} of the {len(items):,} items have no row in {run.projector_metadata}: "
            f"their description is {NO_LABEL!r}. Write the run again with `python -m prod2vec "
            "pipeline` if the file is not this run's.",
            stacklevel=3,
        )
    return [str(labels.get(item, NO_LABEL)) for item in items]


def _shown(value: Any) -> str:
    """A short description of any value for an error message (never a huge or failing repr)."""
    if isinstance(value, str):
        if len(value) <= _SHOWN_CHARACTERS:
            return repr(value)
        return f"{value[:_SHOWN_CHARACTERS]!r}... ({len(value):,} characters)"
    if value is None or isinstance(value, (bool, float)):
        return repr(value)
    if isinstance(value, int):
        # repr of an int of more than 4,300 digits raises
        return repr(int(value)) if value.bit_length() <= 64 else "an integer beyond 64 bits"
    if isinstance(value, (list, dict)):
        return f"a {type(value).__name__} of {len(value):,} values"
    return f"a value of type {type(value).__name__}"


def _shown_list(values: list[Any]) -> str:
    shown = [_shown(value) for value in values[:_SHOWN_VALUES]]
    more = ", ..." if len(values) > _SHOWN_VALUES else ""
    return f"[{', '.join(shown)}{more}]"
