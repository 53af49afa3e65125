"""Word2Vec on purchase sessions: settings, training, the embedding recommender, vector files.

- :mod:`~prod2vec.models.word2vec.settings`: Gensim's and the project's defaults, the checks of
  the settings (:func:`check_word2vec_settings`) and of the scoring (:func:`check_scoring`)
- :mod:`~prod2vec.models.word2vec.training`: :func:`train_word2vec`, one epoch per ``train()``
  call on an explicit learning-rate schedule, and :class:`TrainingControl`, the callbacks that
  may stop it and restore their best state
- :mod:`~prod2vec.models.word2vec.gensim_stderr`: drops a spurious report Gensim prints to
  stderr while training
- :mod:`~prod2vec.models.word2vec.recommender`: :class:`Word2VecRecommender`, nearest items by
  cosine similarity
- :mod:`~prod2vec.models.word2vec.vector_files`: item vectors saved and loaded without pickles

Every public name of these modules can be imported from this package.
"""

from __future__ import annotations

# DEFAULT_SEED: the name code importing from here used before prod2vec.defaults
from prod2vec.defaults import MODEL_SEED as DEFAULT_SEED
from prod2vec.models.word2vec.gensim_stderr import (
    SPURIOUS_GENSIM_REPORT,
    without_spurious_gensim_reports,
)
from prod2vec.models.word2vec.recommender import (
    Word2VecRecommender,
    training_counts,
    unit_vectors,
)
from prod2vec.models.word2vec.settings import (
    DEFAULT_PARAMS,
    MAX_VECTOR_SIZE,
    MAX_WINDOW,
    OUT_OF_THE_BOX,
    SCORINGS,
    WORD2VEC_KEYWORDS,
    check_scoring,
    check_word2vec_settings,
)
from prod2vec.models.word2vec.training import (
    TrainingControl,
    linear_alpha_schedule,
    train_word2vec,
)
from prod2vec.models.word2vec.vector_files import (
    VectorFileError,
    load_output_weights,
    load_vectors,
    save_vectors,
)

__all__ = [
    "DEFAULT_PARAMS",
    "DEFAULT_SEED",
    "MAX_VECTOR_SIZE",
    "MAX_WINDOW",
    "OUT_OF_THE_BOX",
    "SCORINGS",
    "SPURIOUS_GENSIM_REPORT",
    "WORD2VEC_KEYWORDS",
    "TrainingControl",
    "VectorFileError",
    "Word2VecRecommender",
    "check_scoring",
    "check_word2vec_settings",
    "linear_alpha_schedule",
    "load_output_weights",
    "load_vectors",
    "save_vectors",
    "train_word2vec",
    "training_counts",
    "unit_vectors",
    "without_spurious_gensim_reports",
]
