"""Word2Vec settings: Gensim's defaults, the project's, and the checks run before training.

Every problem is one :class:`~prod2vec.errors.ConfigurationError` that names the key, the value
and the fix, raised before Gensim sees the settings (Gensim would hang on ``window=0``, silently
truncate ``epochs=2.7`` and fail with a bare ``MemoryError`` on an absurd ``vector_size``).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from gensim.models import Word2Vec
from gensim.models.word2vec import MAX_WORDS_IN_BATCH

from prod2vec.errors import ConfigurationError

#: Gensim's defaults, spelled out: CBOW, 100 dimensions, window 5, items seen fewer than 5 times
#: dropped, 5 epochs. Made for large text corpora, not for 400k purchases.
OUT_OF_THE_BOX: dict[str, Any] = {
    "vector_size": 100,
    "window": 5,
    "min_count": 5,
    "sg": 0,
    "hs": 0,
    "negative": 5,
    "ns_exponent": 0.75,
    "sample": 1e-3,
    "alpha": 0.025,
    "min_alpha": 0.0001,
    "epochs": 5,
}

#: The project's starting point for purchase data: skip-gram, every item kept, more epochs.
DEFAULT_PARAMS: dict[str, Any] = {
    **OUT_OF_THE_BOX,
    "vector_size": 64,
    "window": 5,
    "min_count": 1,
    "sg": 1,
    "epochs": 30,
}

#: How an embedding scores a candidate item for a query item (both cosine similarities):
#: ``input-input`` compares the two input vectors (Gensim's ``most_similar``: "bought in
#: similar contexts"); ``input-output`` compares the query's input vector with the candidate's
#: output vector (``syn1neg``), which is what skip-gram is trained to predict: "bought near it".
SCORINGS = ("input-input", "input-output")

#: Word2Vec keywords that train_word2vec sets itself (seed and workers are its own arguments)
_SET_BY_TRAINING = frozenset(
    {"sentences", "corpus_file", "callbacks", "compute_loss", "seed", "workers"}
)
#: every other keyword of Gensim's Word2Vec is accepted in ``params``
WORD2VEC_KEYWORDS = frozenset(inspect.signature(Word2Vec).parameters) - _SET_BY_TRAINING

#: Each item holds two float32 rows of this length (input vector, output weights), allocated
#: before training starts: 10,000 dimensions already take 80 kB per item, far beyond the tens to
#: hundreds item embeddings use, so a larger value is a typo that would end in a MemoryError.
MAX_VECTOR_SIZE = 10_000
#: Gensim trains on at most this many items of a session (it cuts longer ones), so no window
#: reaches further.
MAX_WINDOW = MAX_WORDS_IN_BATCH

_INTEGER_MINIMA = {
    "vector_size": 1,
    "window": 1,
    "epochs": 1,
    "batch_words": 1,
    "min_count": 0,
    "negative": 0,
}
_INTEGER_MAXIMA = {
    "vector_size": (
        MAX_VECTOR_SIZE,
        "item embeddings use tens to hundreds of dimensions; more would only exhaust memory",
    ),
    "window": (MAX_WINDOW, f"Gensim trains on at most {MAX_WINDOW:,} items of a session"),
}
_OPTIONAL_POSITIVE_INTEGERS = ("max_vocab_size", "max_final_vocab")
_FLAGS = ("sg", "hs", "cbow_mean")
#: real settings: (lowest, whether the lowest is allowed); None: any finite number
_REAL_RANGES: dict[str, tuple[float, bool] | None] = {
    "alpha": (0.0, False),
    "min_alpha": (0.0, True),
    "sample": (0.0, True),
    "ns_exponent": None,
}


def check_word2vec_settings(settings: Mapping[str, Any]) -> None:
    """Refuse Word2Vec settings Gensim would hang on, ignore, truncate or run out of memory on.

    Parameters
    ----------
    settings : mapping
        Gensim ``Word2Vec`` keyword arguments (all of them or some).

    Raises
    ------
    ConfigurationError
        An unknown keyword, a value of the wrong type (``epochs=2.7`` would silently run 2
        epochs) or out of its range; the message names the key, the value and the range.
    """
    unknown = sorted(set(settings) - WORD2VEC_KEYWORDS)
    if unknown:
        reserved = sorted(set(unknown) & _SET_BY_TRAINING)
        hint = (
            f" ({', '.join(reserved)}: set by train_word2vec; pass seed= and workers= to it)"
            if reserved
            else ""
        )
        raise ConfigurationError(
            f"Unknown Word2Vec parameters {unknown}{hint}; Gensim's Word2Vec accepts "
            f"{sorted(WORD2VEC_KEYWORDS)}."
        )
    for name, low in _INTEGER_MINIMA.items():
        if name in settings:
            _check_integer(name, settings[name], low)
    for name in _OPTIONAL_POSITIVE_INTEGERS:
        if settings.get(name) is not None:
            _check_integer(name, settings[name], 1)
    for name, (high, reason) in _INTEGER_MAXIMA.items():
        if settings.get(name, 0) > high:
            raise ConfigurationError(
                f"{name} must be at most {high:,} ({reason}), got {settings[name]:,}."
            )
    for name in _FLAGS:
        if name in settings and settings[name] not in (0, 1):
            raise ConfigurationError(f"{name} must be 0 or 1, got {settings[name]!r}.")
    for name, bound in _REAL_RANGES.items():
        if name in settings:
            _check_real(name, settings[name], bound)
    if settings.get("min_alpha", 0.0) > settings.get("alpha", math.inf):
        raise ConfigurationError(
            f"min_alpha ({settings['min_alpha']}) must not exceed alpha ({settings['alpha']}): "
            "lower min_alpha or raise alpha."
        )
    if settings.get("negative", DEFAULT_PARAMS["negative"]) == 0 and settings.get("hs", 0) == 0:
        raise ConfigurationError(
            "negative=0 with hs=0 leaves nothing to train: use negative > 0 or hs=1."
        )


def check_scoring(scoring: str, settings: Mapping[str, Any] | None = None) -> None:
    """Refuse an unknown scoring, and input-output scoring of a model without negative sampling.

    Parameters
    ----------
    scoring : str
        One of :data:`SCORINGS`.
    settings : mapping, optional
        The Word2Vec settings the model is trained with; keys not given take
        :data:`DEFAULT_PARAMS`. Without them only the name is checked.

    Raises
    ------
    ConfigurationError
        ``scoring`` is not one of :data:`SCORINGS`, or it is ``input-output`` and
        ``negative`` is 0 (there are no output weights ``syn1neg`` to score with).
    """
    if scoring not in SCORINGS:
        raise ConfigurationError(f"Unknown scoring {scoring!r}: choose one of {list(SCORINGS)}.")
    if settings is None or scoring != "input-output":
        return
    negative = settings.get("negative", DEFAULT_PARAMS["negative"])
    if negative == 0:
        raise ConfigurationError(
            f"The input-output scoring needs negative sampling, got negative={negative!r}: "
            "set negative > 0, or use the input-input scoring."
        )


def _check_integer(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ConfigurationError(f"{name} must be an integer, got {value!r}.")
    if value < low:
        raise ConfigurationError(f"{name} must be at least {low}, got {value}.")


def _check_real(name: str, value: Any, bound: tuple[float, bool] | None) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigurationError(f"{name} must be a finite number, got {value!r}.")
    if bound is None:
        return
    low, inclusive = bound
    if value < low or (value == low and not inclusive):
        raise ConfigurationError(f"{name} must be {'>=' if inclusive else '>'} {low}, got {value}.")
