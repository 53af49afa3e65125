"""prod2vec: product embeddings from purchase sessions with Gensim's Word2Vec.

Modules, one job each:

- :mod:`prod2vec.data`: download, cache and validate the UCI Online Retail table
- :mod:`prod2vec.cleaning`: the ``reference`` and ``clean`` recipes with data-quality reports
- :mod:`prod2vec.sessions`: sessions per customer and the next-item train/validation/test split
- :mod:`prod2vec.pipeline`: from the raw table to a split in one call
- :mod:`prod2vec.metrics`: Recall@K and MRR@K from top-K lists or target ranks
- :mod:`prod2vec.recommender`: the recommender interface all models share
- :mod:`prod2vec.baselines`: most-popular and co-occurrence recommenders on sparse matrices
- :mod:`prod2vec.evaluation`: results tables with bootstrap intervals, choosing on validation
- :mod:`prod2vec.word2vec`: Word2Vec training, the embedding recommender, saving vectors
- :mod:`prod2vec.callbacks`: per-epoch metrics and loss, early stopping
- :mod:`prod2vec.catalogue`: product descriptions
- :mod:`prod2vec.plots`: the notebooks' figures
- :mod:`prod2vec.notebook_checks`: figures notebooks record for their tests, with tolerances
- :mod:`prod2vec.files`, :mod:`prod2vec.paths`: atomic writes, where the project's folders are
"""

__version__ = "0.1.0"
