"""prod2vec: product embeddings from purchase sessions with Gensim's Word2Vec.

The package is laid out by stage:

- :mod:`prod2vec.data`: where data enters (interactions, readers, sessions and the split)
- :mod:`prod2vec.online_retail`: the UCI Online Retail adapter and its reference protocol
- :mod:`prod2vec.models`: the recommender interface, the counting baselines, Word2Vec
- :mod:`prod2vec.evaluation`: metrics, results tables, choices on validation, the seed study
- :mod:`prod2vec.outputs`: atomic writes, exported vectors, the README's tables
- :mod:`prod2vec.pipeline`: the headless pipeline, from interactions to an output folder
- :mod:`prod2vec.serving`: the model endpoint, next items for a session's recent items
- :mod:`prod2vec.plots`: the notebooks' figures
- :mod:`prod2vec.notebook_checks`: figures notebooks record for their tests, with tolerances
- :mod:`prod2vec.paths`: where the project's folders are
- :mod:`prod2vec.cli`: the command line

Stages with heavy dependencies are subpackages behind extras, never imported by the core:
:mod:`prod2vec.tune` (``pip install 'prod2vec[tune]'``: Ray Tune, Optuna) and
:mod:`prod2vec.explore` (``pip install 'prod2vec[explore]'``: UMAP, scikit-learn).
"""

__version__ = "0.1.0"
