"""The search space: the Word2Vec settings that matter for items, and the fixed schedule.

After Caselles-Dupré, Lesaint and Royo-Letelier (RecSys 2018), the settings that matter for
recommendation are the negative-sampling exponent (negative values, which favour rare items as
negatives, included), the window, subsampling and the epochs; with them the scoring (input-input
or input-output), the vector size and the learning rate. Skip-gram, every item kept and
negative sampling are fixed (:data:`~prod2vec.configuration.FIXED`). Epochs are chosen by early
stopping within a planned schedule of :data:`PLANNED_EPOCHS` epochs of linear learning-rate
decay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prod2vec.configuration import FIXED, Configuration
from prod2vec.models.word2vec import SCORINGS

if TYPE_CHECKING:
    import optuna

#: the planned schedule of every searched trial; early stopping ends it sooner
PLANNED_EPOCHS = 30
#: negatives per positive pair, fixed: searching it too (2-20) did no better in 20 trials, and
#: more negatives cost more per epoch (validation Recall@10 searched vs fixed: Online Retail
#: 0.268 vs 0.275, bakery 0.562 vs 0.572, MovieLens small 0.098 vs 0.115)
NEGATIVE = 5
#: the ranges searched: (low, high, log scale)
RANGES: dict[str, tuple[float, float, bool]] = {
    "ns_exponent": (-1.0, 1.0, False),
    "window": (1, 10, False),
    "sample": (1e-5, 1e-1, True),
    "vector_size": (16, 128, False),
    "alpha": (0.005, 0.1, True),
}
#: the names of the searched parameters, in the order of the trials table
PARAMETERS = ("scoring", *RANGES)


def suggest(trial: optuna.Trial) -> dict[str, Any]:
    """Draw one point of the space for ``trial``: the scoring and the searched settings."""
    point: dict[str, Any] = {"scoring": trial.suggest_categorical("scoring", SCORINGS)}
    for name, (low, high, log) in RANGES.items():
        if isinstance(low, int):
            point[name] = trial.suggest_int(name, low, high, log=log)
        else:
            point[name] = trial.suggest_float(name, low, high, log=log)
    return point


def searched_configuration(point: dict[str, Any]) -> Configuration:
    """The configuration a point of the space trains: :data:`FIXED`, the schedule, the point."""
    word2vec = {name: value for name, value in point.items() if name != "scoring"}
    return Configuration(
        word2vec={**FIXED, "negative": NEGATIVE, "epochs": PLANNED_EPOCHS, **word2vec},
        scoring=point["scoring"],
    )


def start_point(start: Configuration) -> dict[str, Any]:
    """The point of the space of a starting configuration (to enqueue as the first trial)."""
    settings = start.settings
    return {"scoring": start.scoring, **{name: settings[name] for name in RANGES}}
