"""A run folder's products: search them, and answer a session with next items and similar ones.

Next items come from the model the run serves (:class:`prod2vec.serving.SessionScorer`: the
one it chose on validation, Word2Vec or a counting model); similar products from the run's
Word2Vec vectors read as notebook 05 reads them, the cosine of the input vectors
(:func:`similar_products`). Both answer the endpoint's requests and refuse the same bad ones,
in one line and without raising.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from gensim.models import KeyedVectors

from prod2vec.errors import ProjectFileError
from prod2vec.models.word2vec import Word2VecRecommender
from prod2vec.models.word2vec.recommender import training_counts
from prod2vec.outputs.run_folder import RunFolder
from prod2vec.outputs.served_model import ServedModel
from prod2vec.serving import NO_LABEL, WHOLE_REQUEST, SessionScorer

#: the most products a search lists, and the longest search accepted
MAX_MATCHES = 20
MAX_QUERY_CHARACTERS = 100
#: how the page names the similar products' model
SIMILARITY = "Word2Vec (cosine of input vectors)"
_FIX = "write it with the pipeline job or `python -m prod2vec pipeline --out {folder}`"


def similar_products(vectors: KeyedVectors, labels: pd.Series) -> SessionScorer:
    """Products whose Word2Vec input vectors point the way a session's products do.

    The endpoint's answer (:meth:`~prod2vec.serving.SessionScorer.answer`, with its checks and
    messages) over the run's vectors read with the input-input scoring: the mean of the
    session's unit input vectors against every product's, so the score is a cosine and one
    product's list is notebook 05's similar products. No product of the session is listed.

    Parameters
    ----------
    vectors : gensim.models.KeyedVectors
        The run's vectors (:meth:`~prod2vec.outputs.run_folder.RunFolder.load_vectors`).
    labels : pandas.Series
        Description by item id (missing ones are shown as ``?``).

    Returns
    -------
    SessionScorer
        Answering ``{"items": [...], "k": ...}`` with the most similar products.
    """
    model = Word2VecRecommender.from_vectors(vectors, label=SIMILARITY, scoring="input-input")
    descriptions = labels.reindex(model.items_).fillna(NO_LABEL).astype(str).tolist()
    return SessionScorer.from_model(ServedModel(model.name, model, WHOLE_REQUEST), descriptions)


class Catalogue:
    """The products of one pipeline run, to search and to ask about.

    Parameters
    ----------
    run_dir : str or Path
        A folder written by ``python -m prod2vec pipeline --out``.

    Attributes
    ----------
    run : RunFolder
        The served folder.
    next_items : SessionScorer
        The run's served model (``next_items.served.name`` names it).
    similar : SessionScorer
        Word2Vec's similar products (:func:`similar_products`).
    vectors : gensim.models.KeyedVectors
        The run's Word2Vec vectors, with their training counts.
    labels : pandas.Series
        Description by item id, from the run's Projector metadata.
    products : pandas.DataFrame
        ``item``, ``description`` and ``purchases`` (training count) of every product with a
        vector, most bought first.

    Raises
    ------
    ProjectFileError
        ``run_dir`` is not a folder.
    ModelFileError
        The folder is not a servable run (:class:`~prod2vec.serving.SessionScorer`), or holds
        no valid vectors (:meth:`~prod2vec.outputs.run_folder.RunFolder.load_vectors`).
    """

    def __init__(self, run_dir: str | Path) -> None:
        self.run = RunFolder(run_dir)
        if not self.run.path.is_dir():
            raise ProjectFileError(
                f"{self.run.path} is not a run folder "
                f"({'it is a file' if self.run.path.exists() else 'it does not exist'}): "
                + _FIX.format(folder=self.run.path)
            )
        self.next_items = SessionScorer(self.run.path)
        self.vectors, _ = self.run.load_vectors(need_output_weights=False)
        self.labels = self.run.labels()
        self.similar = similar_products(self.vectors, self.labels)
        purchases = pd.Series(training_counts(self.vectors), index=self.vectors.index_to_key)
        self.products = pd.DataFrame(
            {
                "item": self.similar.items.tolist(),  # most bought first
                "description": self.similar.labels,
                "purchases": purchases.reindex(self.similar.items).to_numpy(),
            }
        )
        self._descriptions = self.products["description"].str.lower()
        self._ids = self.products["item"].str.lower()

    def search(self, query: Any, limit: int = MAX_MATCHES) -> dict[str, Any]:
        """The most bought products whose description holds every word of ``query``, or whose id
        holds ``query``.

        Case does not matter; a product whose id is the whole query comes first.

        Parameters
        ----------
        query : Any
            What the user typed; anything but a non-empty string of at most
            :data:`MAX_QUERY_CHARACTERS` characters gets an error.
        limit : int
            The most products listed.

        Returns
        -------
        dict
            ``{"matches": [{"item", "description", "purchases"}, ...], "total": n}`` (``n``
            products match, the ``limit`` most bought are listed) or ``{"error": "..."}``,
            also when nothing matches.
        """
        if not isinstance(query, str) or not query.strip():
            return {"error": "type a word of a product's description, or part of its id"}
        if len(query) > MAX_QUERY_CHARACTERS:
            return {
                "error": f"a search is at most {MAX_QUERY_CHARACTERS} characters, got "
                f"{len(query):,}: type a word or two"
            }
        query = query.strip().lower()
        found = self._ids.str.contains(query, regex=False).to_numpy()
        in_description = np.ones(len(self.products), dtype=bool)
        for word in query.split():
            in_description &= self._descriptions.str.contains(word, regex=False).to_numpy()
        matches = self.products[found | in_description]
        if matches.empty:
            return {
                "error": f"no product's description or id holds {query!r}: try another word, "
                "or part of an id"
            }
        whole_id = self._ids[found | in_description] == query
        listed = pd.concat([matches[whole_id], matches[~whole_id]]).head(limit)
        return {
            "matches": [
                {"item": item, "description": description, "purchases": int(purchases)}
                for item, description, purchases in listed.itertuples(index=False)
            ],
            "total": len(matches),
        }
