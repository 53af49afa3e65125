"""Choose a Word2Vec configuration on the user's own validation pairs, in-process, with Optuna.

- :mod:`~prod2vec.search.space`: what is searched (scoring, ``ns_exponent``, window, ``sample``,
  vector size, ``alpha``) and what is fixed (skip-gram, every item, 5 negatives, 30 planned
  epochs ended by early stopping)
- :mod:`~prod2vec.search.budget`: :class:`SearchBudget` and :func:`parse_budget` (``40``,
  ``40 trials``, ``90s``, ``5min``, ``2h``)
- :mod:`~prod2vec.search.sample`: large data is searched on a sample of its sessions
- :mod:`~prod2vec.search.study`: :func:`search_configuration`, TPE with a median pruner
  between epochs, the starting configuration as the first trial

Unlike :mod:`prod2vec.tune` (Ray Tune, for a cluster) it needs nothing but Optuna, and imports
it only when a search starts.
"""

from __future__ import annotations

from prod2vec.search.budget import MAX_TRIALS, SearchBudget, parse_budget
from prod2vec.search.sample import SAMPLE_ABOVE_TOKENS, search_sample
from prod2vec.search.space import NEGATIVE, PARAMETERS, PLANNED_EPOCHS, RANGES
from prod2vec.search.study import (
    DEFAULT_BUDGET,
    PATIENCE,
    SearchResult,
    search_configuration,
)

__all__ = [
    "DEFAULT_BUDGET",
    "MAX_TRIALS",
    "NEGATIVE",
    "PARAMETERS",
    "PATIENCE",
    "PLANNED_EPOCHS",
    "RANGES",
    "SAMPLE_ABOVE_TOKENS",
    "SearchBudget",
    "SearchResult",
    "parse_budget",
    "search_configuration",
    "search_sample",
]
