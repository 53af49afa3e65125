"""prod2vec: product embeddings from purchase sessions with Gensim's Word2Vec.

Modules, one job each:

- :mod:`prod2vec.data`: download, cache and validate the UCI Online Retail table
- :mod:`prod2vec.cleaning`: the ``reference`` and ``clean`` recipes with data-quality reports
- :mod:`prod2vec.sessions`: sessions per customer and the next-item train/validation/test split
- :mod:`prod2vec.metrics`: Recall@K and MRR@K from top-K lists
- :mod:`prod2vec.recommender`: the recommender interface all models share
"""

__version__ = "0.1.0"
