"""The recommenders: one interface, the counting baselines, Word2Vec and its callbacks.

- :mod:`~prod2vec.models.recommender`: the interface every model implements
- :mod:`~prod2vec.models.ranking`: deterministic top-K and target ranks, shared by every model
- :mod:`~prod2vec.models.baselines`: most-popular and counting models on sparse matrices
- :mod:`~prod2vec.models.word2vec`: Word2Vec training, the embedding recommender, vector files
- :mod:`~prod2vec.models.callbacks`: per-epoch metrics and loss, early stopping
"""
