"""prod2vec: product embeddings from purchase sessions with Gensim's Word2Vec.

The core, one job per module:

- :mod:`prod2vec.interactions`: the canonical interactions frame, validated where data enters
- :mod:`prod2vec.readers`: anyone's long or wide table into interactions, with a quality report
- :mod:`prod2vec.online_retail`: the UCI Online Retail adapter (download, cleaning recipes,
  interactions, descriptions)
- :mod:`prod2vec.sessions`: sessions per user and the next-item train/validation/test split
- :mod:`prod2vec.protocol`: the reference protocol's constants, from raw table to split
- :mod:`prod2vec.metrics`: Recall@K and MRR@K from top-K lists or target ranks
- :mod:`prod2vec.recommender`: the interface every model implements
- :mod:`prod2vec.ranking`: deterministic top-K and target ranks, shared by every model
- :mod:`prod2vec.encoding`: sessions as integer arrays, for the count-based models
- :mod:`prod2vec.baselines`: most-popular and co-occurrence recommenders on sparse matrices
- :mod:`prod2vec.evaluation`: metrics per pair, bootstrap intervals, results tables
- :mod:`prod2vec.selection`: choosing models and windows on the validation pairs
- :mod:`prod2vec.word2vec`: Word2Vec training, the embedding recommender, saving vectors
- :mod:`prod2vec.callbacks`: per-epoch metrics and loss, early stopping
- :mod:`prod2vec.seeds`: a configuration over split seeds and model seeds, paired differences
- :mod:`prod2vec.export`: the word2vec text format and the Embedding Projector's TSV files
- :mod:`prod2vec.pipeline`: the headless pipeline, from interactions to an output folder
- :mod:`prod2vec.serving`: the model endpoint, next items for a session's recent items
- :mod:`prod2vec.labels`: readable labels for item ids
- :mod:`prod2vec.plots`: the notebooks' figures
- :mod:`prod2vec.notebook_checks`: figures notebooks record for their tests, with tolerances
- :mod:`prod2vec.files`, :mod:`prod2vec.paths`: atomic writes, where the project's folders are
- :mod:`prod2vec.cli`: the command line

Stages with heavy dependencies are subpackages behind extras, never imported by the core:
:mod:`prod2vec.tune` (``pip install 'prod2vec[tune]'``: Ray Tune, Optuna) and
:mod:`prod2vec.explore` (``pip install 'prod2vec[explore]'``: UMAP, scikit-learn).
"""

__version__ = "0.1.0"
