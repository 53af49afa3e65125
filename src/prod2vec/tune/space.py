"""Search spaces for Word2Vec on purchase sessions.

Caselles-Dupré et al. ("Word2vec applied to recommendation: hyperparameters matter", RecSys
2018) found that for recommendation the negative-sampling exponent, the number of epochs,
subsampling and the window matter most, and that ``ns_exponent`` below 0 (sampling rare items
as negatives more often than popular ones) is worth trying. Every space here trains skip-gram
and keeps every item (``sg=1``, ``min_count=1``).
"""

from __future__ import annotations

from typing import Any

from ray import tune

from prod2vec.configuration import FIXED, SEARCHED
from prod2vec.models.word2vec import SCORINGS

#: The original tutorial's grid (Cloudera Fast Forward Labs, "Train Gensim's Word2Vec"):
#: 16 x 7 x 11 x 3 x 7 = 25,872 configurations of 10 epochs each, a job for a cluster.
ORIGINAL_GRID: dict[str, list[Any]] = {
    "vector_size": list(range(10, 101, 6)),
    "window": list(range(1, 20, 3)),
    "ns_exponent": [round(-1.0 + 0.2 * step, 1) for step in range(11)],
    "alpha": [0.001, 0.01, 0.1],
    "negative": list(range(1, 20, 3)),
}
ORIGINAL_EPOCHS = 10


#: the lowest ``sample`` a sweep draws: in the committed sweep (which drew it from 1e-6) all 39
#: trials below 3e-5 were poor (best validation Recall@10 at most 0.064, the best trial 0.275)
SAMPLE_LOW = 3e-5


def grid_space(epochs: int = ORIGINAL_EPOCHS) -> dict[str, Any]:
    """The original tutorial's grid, every configuration trained for ``epochs`` epochs."""
    grid = {name: tune.grid_search(values) for name, values in ORIGINAL_GRID.items()}
    return {**grid, "epochs": epochs, "scoring": "input-input"}


def random_space(max_epochs: int = 50) -> dict[str, Any]:
    """The grid's ranges as distributions, plus ``sample``, ``epochs`` and the scoring.

    Parameters
    ----------
    max_epochs : int
        The largest number of planned epochs a configuration may draw (at least 5).
    """
    if max_epochs < 5:
        raise ValueError(f"max_epochs must be at least 5, got {max_epochs}.")
    return {
        "vector_size": tune.randint(10, 101),
        "window": tune.randint(1, 20),
        "ns_exponent": tune.uniform(-1.0, 1.0),
        "alpha": tune.loguniform(0.001, 0.1),
        "negative": tune.randint(1, 20),
        "sample": tune.loguniform(SAMPLE_LOW, 1e-2),
        "epochs": tune.randint(5, max_epochs + 1),
        "scoring": tune.choice(list(SCORINGS)),
    }


def word2vec_settings(config: dict[str, Any]) -> dict[str, Any]:
    """The Word2Vec keyword arguments of a trial's config: its searched ones and :data:`FIXED`.

    Parameters
    ----------
    config : dict
        A trial's config from Ray Tune (a point of a space here, plus ``scoring`` and ``seed``,
        which are not Word2Vec's and are left out).

    Returns
    -------
    dict
        Keyword arguments for :func:`~prod2vec.models.word2vec.train_word2vec`.
    """
    return {**FIXED, **{name: config[name] for name in SEARCHED if name in config}}
