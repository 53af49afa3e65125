"""The project's defaults, in one place: the cut-off K of every metric, and its seeds."""

from __future__ import annotations

#: the cut-off of Recall@K and MRR@K everywhere
K = 10

#: Gensim's seed of the initial vectors and sampling, unless a run says otherwise
MODEL_SEED = 42
#: the seed of a hyperparameter search's sampler
SEARCH_SEED = 0
#: the seed that draws held-out sessions on a user's own data
SPLIT_SEED = 0

#: the seed study: split seeds (the reference protocol's first) and Word2Vec seeds
STUDY_SPLIT_SEEDS = (123, 7, 42, 2024, 99)
STUDY_MODEL_SEEDS = (0, 1, 2, 3, 4)
