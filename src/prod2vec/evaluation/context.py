"""Session context: recommending from the last few items before the target, measured.

An endpoint receives a session's recent items, not one query. A :class:`ContextRule` says which
of them count and how much: the last ``items`` of them, the item at age ``a`` (0 is the latest,
the query) weighing 1 (``mean``) or ``decay**a`` (``recency``).

* **Word2Vec**: the weighted mean of the context items' unit input vectors, re-normalised,
  against the recommender's own candidate matrix (what its ``scoring`` compares one query
  with), so the score is a cosine.
* **Counting item-to-item models**: the weighted sum of the context items' rows; an item no
  context item was ever counted with is not a candidate.
* **MostPopular**: the popularity of every item, whatever the context.

Items the model does not know are skipped; a context without a known item gets no
recommendation (a miss), except from MostPopular. The items the rule reads are never
recommended, as the endpoint never recommends a request's items; so with :data:`LAST_ITEM`
every model ranks exactly as its ``recommend`` does for the query. Scores are computed in
batches of dense rows that fit the model's ``score_memory_budget``.

The rule is chosen on validation pairs (:func:`measure_contexts`, :func:`choose_rule`) and
reported on test pairs with bootstrap intervals (:func:`context_results_table`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from prod2vec.data.sessions import MAX_CONTEXT
from prod2vec.defaults import K
from prod2vec.errors import ConfigurationError
from prod2vec.evaluation.bootstrap import N_RESAMPLES
from prod2vec.evaluation.metrics import metric_label, per_query_metrics
from prod2vec.evaluation.results import summarise_pair_metrics
from prod2vec.models.ranking import ranks_in_rows
from prod2vec.models.recommender import Recommender

#: how the items of a context are weighed
WEIGHTINGS = ("mean", "recency")
#: the decays of the recency weighting that are measured: steep, the latest item dominates
DECAYS = (0.5, 0.25, 0.1)
#: the context lengths that are measured (at most :data:`~prod2vec.data.sessions.MAX_CONTEXT`)
CONTEXT_LENGTHS = (1, 2, 3, 5, MAX_CONTEXT)
_RULE_KEYS = ("items", "weighting", "decay")


@dataclass(frozen=True)
class ContextRule:
    """Which of a session's recent items a model is given, and how each weighs.

    Parameters
    ----------
    items : int
        How many of the most recent items count (at least 1).
    weighting : str
        ``"mean"``: each counts 1; ``"recency"``: the item at age ``a`` (0 = the latest)
        counts ``decay**a``.
    decay : float, optional
        Between 0 and 1 (exclusive), for ``recency`` only.

    Raises
    ------
    ConfigurationError
        A value outside these.
    """

    items: int
    weighting: str
    decay: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.items, bool) or not isinstance(self.items, int) or self.items < 1:
            raise ConfigurationError(
                f"A context rule's items must be a whole number of at least 1, got {self.items!r}."
            )
        if self.weighting not in WEIGHTINGS:
            raise ConfigurationError(
                f"A context rule's weighting must be one of {WEIGHTINGS}, got {self.weighting!r}."
            )
        if self.weighting == "mean" and self.decay is not None:
            raise ConfigurationError(
                f"The mean weighting takes no decay, got decay={self.decay!r}: leave it out, or "
                "use the recency weighting."
            )
        if self.weighting == "recency" and not (
            isinstance(self.decay, int | float)
            and not isinstance(self.decay, bool)
            and 0 < self.decay < 1
        ):
            raise ConfigurationError(
                f"The recency weighting needs a decay between 0 and 1 (exclusive), got "
                f"{self.decay!r}."
            )

    @property
    def label(self) -> str:
        """How tables name the rule: ``"last item"``, ``"last 3, recency 0.25"``."""
        if self.items == 1:
            return "last item"
        if self.weighting == "mean":
            return f"last {self.items}, mean"
        return f"last {self.items}, recency {self.decay:g}"

    def weights(self, ages: np.ndarray) -> np.ndarray:
        """The weight of items at ``ages`` (0 = the latest); ages beyond the rule's items too."""
        ages = np.asarray(ages, dtype=np.float64)
        if self.weighting == "mean":
            return np.ones_like(ages)
        return self.decay**ages

    def to_dict(self) -> dict[str, Any]:
        """The rule as JSON values (``decay`` is None for the mean)."""
        return {"items": self.items, "weighting": self.weighting, "decay": self.decay}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> ContextRule:
        """The rule :meth:`to_dict` wrote, checked.

        Raises
        ------
        ConfigurationError
            Not a mapping, a missing or unknown key, or a value :class:`ContextRule` refuses.
        """
        if not isinstance(values, Mapping):
            raise ConfigurationError(
                f"A context rule must be a mapping with keys {_RULE_KEYS}, got "
                f"{type(values).__name__}."
            )
        if unknown := [key for key in values if key not in _RULE_KEYS]:
            raise ConfigurationError(
                f"Unknown key {unknown[0]!r} in a context rule: its keys are {_RULE_KEYS}."
            )
        if missing := [key for key in _RULE_KEYS[:2] if key not in values]:
            raise ConfigurationError(
                f"A context rule needs the key {missing[0]!r} (its keys are {_RULE_KEYS})."
            )
        return cls(values["items"], values["weighting"], values.get("decay"))


#: the query alone: what ``recommend`` scores
LAST_ITEM = ContextRule(1, "mean")
#: the rules measured on validation: each length with the mean and each recency decay
CANDIDATE_RULES = (LAST_ITEM,) + tuple(
    rule
    for items in CONTEXT_LENGTHS[1:]
    for rule in (
        ContextRule(items, "mean"),
        *(ContextRule(items, "recency", decay) for decay in DECAYS),
    )
)


def context_weights(
    model: Recommender, contexts: Sequence[Sequence[str]], rule: ContextRule
) -> sp.csr_matrix:
    """Sparse ``(len(contexts), n_items)`` weights of the items the rule reads in each context.

    Columns in ``model.items_`` order; an item seen twice weighs twice; unknown items are
    skipped. Its stored entries are the items the rule reads, which are never recommended.
    """
    lengths = np.fromiter(map(len, contexts), dtype=np.int64, count=len(contexts))
    positions = model.index_of(list(chain.from_iterable(contexts)))
    context_of = np.repeat(np.arange(len(contexts)), lengths)
    ages = np.cumsum(lengths)[context_of] - 1 - np.arange(len(positions))
    read = (ages < rule.items) & (positions >= 0)
    return sp.csr_matrix(
        (rule.weights(ages[read]), (context_of[read], positions[read])),
        shape=(len(contexts), len(model.items_)),
    )


def context_scores(
    model: Recommender, contexts: Sequence[Sequence[str]], rule: ContextRule
) -> np.ndarray:
    """Every catalogue item's score for each context under ``rule`` (see the module docstring).

    Parameters
    ----------
    model : Recommender
        A fitted model that scores weighted contexts
        (:meth:`~prod2vec.models.recommender.Recommender.weighted_scores`).
    contexts : sequence of sequences of str
        Each context's items, oldest first.
    rule : ContextRule
        Which items count, and how much.

    Returns
    -------
    numpy.ndarray
        ``(len(contexts), len(model.items_))`` float scores, columns in ``model.items_`` order;
        ``-inf`` marks items that are not candidates and the items the rule reads.
    """
    weights = context_weights(model, contexts, rule)
    result = np.full(weights.shape, -np.inf)
    for rows, scores in _score_batches(model, weights):
        result[rows] = scores
    return result


def context_ranks(
    model: Recommender,
    contexts: Sequence[Sequence[str]],
    targets: Sequence[str],
    rule: ContextRule,
    cutoff: int | None = None,
) -> np.ndarray:
    """1-based rank of each target in its context's ranking; ``inf`` if it is not ranked.

    The ranking is :func:`context_scores`' by (score descending, catalogue order), the one
    ``recommend`` uses; with ``cutoff``, ranks above it may be reported as ``inf``.
    """
    if len(contexts) != len(targets):
        raise ValueError(f"{len(contexts)} contexts but {len(targets)} targets.")
    weights = context_weights(model, contexts, rule)
    target_index = model.index_of(targets)
    ranks = np.full(len(targets), np.inf)
    for rows, scores in _score_batches(model, weights):
        known = target_index[rows] >= 0
        ranks[rows[known]] = ranks_in_rows(
            scores[known], target_index[rows[known]], np.full(known.sum(), -1), cutoff
        )
    return ranks


def _score_batches(
    model: Recommender, weights: sp.csr_matrix
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(rows, dense scores)`` of consecutive batches of contexts, the read items at -inf."""
    per_batch = max(1, model.score_memory_budget // (8 * weights.shape[1]))
    for start in range(0, weights.shape[0], per_batch):
        rows = np.arange(start, min(start + per_batch, weights.shape[0]))
        batch = weights[rows]
        scores = model.weighted_scores(batch)
        scores[np.repeat(np.arange(len(rows)), np.diff(batch.indptr)), batch.indices] = -np.inf
        yield rows, scores


def measure_contexts(
    models: Iterable[Recommender],
    contexts: Sequence[Sequence[str]],
    targets: Sequence[str],
    rules: Iterable[ContextRule] = CANDIDATE_RULES,
    k: int = K,
) -> pd.DataFrame:
    """Recall@K and MRR@K of every model under every rule, on held-out contexts and targets.

    Parameters
    ----------
    models : iterable of Recommender
        Fitted models (see :func:`context_scores`), named by their ``name``.
    contexts : sequence of sequences of str
        Each pair's context, oldest first (``SessionSplit.validation_context``).
    targets : sequence of str
        Each pair's target.
    rules : iterable of ContextRule
        The rules to measure.
    k : int
        The cut-off K.

    Returns
    -------
    pandas.DataFrame
        One row per (model, rule): ``model``, ``rule`` (its label), ``items``, ``weighting``,
        ``decay``, ``Recall@K`` and ``MRR@K``.
    """
    rules = list(rules)
    rows = []
    for model in models:
        for rule in rules:
            ranks = context_ranks(model, contexts, targets, rule, cutoff=k)
            metrics = per_query_metrics(ranks, k)
            rows.append(
                {
                    "model": model.name,
                    "rule": rule.label,
                    **rule.to_dict(),
                    **{name: float(values.mean()) for name, values in metrics.items()},
                }
            )
    return pd.DataFrame(rows)


def choose_rule(
    table: pd.DataFrame, model_name: str, k: int = K, margin: float = 0.0
) -> ContextRule:
    """The rule with the best validation Recall@K for ``model_name`` in a :func:`measure_contexts`
    table.

    Ties go to the better MRR@K, then to fewer items, then to the mean, then to the gentler
    decay. With a ``margin``, :data:`LAST_ITEM` (if measured) is kept unless the best rule's
    Recall@K beats it by more than ``margin``: on Online Retail's 1,000 validation pairs the
    best context gained 0.003-0.008 over the last item, and lost 0.009 on test.

    Raises
    ------
    ValueError
        The table holds no row of ``model_name``.
    """
    rows = table[table["model"] == model_name]
    if rows.empty:
        raise ValueError(
            f"No context measured for {model_name!r}: the table measures "
            f"{sorted(set(table['model']))}."
        )
    recall, mrr = metric_label("Recall", k), metric_label("MRR", k)
    ranked = rows.assign(
        is_recency=rows["weighting"] != "mean", gentleness=-rows["decay"].fillna(1.0)
    ).sort_values(
        [recall, mrr, "items", "is_recency", "gentleness"],
        ascending=[False, False, True, True, True],
        kind="stable",
    )
    best = ranked.iloc[0]
    last_item = ranked[ranked["rule"] == LAST_ITEM.label]
    if not last_item.empty and best[recall] - last_item[recall].iloc[0] <= margin:
        return LAST_ITEM
    decay = None if pd.isna(best["decay"]) else float(best["decay"])
    return ContextRule(int(best["items"]), str(best["weighting"]), decay)


def context_results_table(
    models: Iterable[Recommender],
    contexts: Sequence[Sequence[str]],
    targets: Sequence[str],
    rules: ContextRule | Mapping[str, ContextRule],
    k: int = K,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
) -> pd.DataFrame:
    """Test figures of each model under its rule, with 95% bootstrap intervals.

    Every model is resampled with the same bootstrap indices
    (:func:`~prod2vec.evaluation.results.summarise_pair_metrics`), so models given the same
    contexts are compared on the same resampled pairs.

    Parameters
    ----------
    models : iterable of Recommender
        Fitted models (see :func:`context_scores`).
    contexts, targets
        The test pairs' contexts (``SessionSplit.test_context``) and targets.
    rules : ContextRule or mapping of str to ContextRule
        One rule for every model, or each model's rule by its name (its chosen rule).
    k, n_resamples, seed : int
        The cut-off K, and the bootstrap's resamples and seed.

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``rule`` (its label), ``metric``, ``value``, ``ci_low``, ``ci_high``.
    """
    per_model, labels = {}, {}
    for model in models:
        rule = rules if isinstance(rules, ContextRule) else rules[model.name]
        ranks = context_ranks(model, contexts, targets, rule, cutoff=k)
        per_model[model.name] = pd.DataFrame(per_query_metrics(ranks, k))
        labels[model.name] = rule.label
    table = summarise_pair_metrics(per_model, n_resamples=n_resamples, seed=seed)
    table.insert(1, "rule", table["model"].map(labels))
    return table
