"""Measuring and choosing: metrics, results tables, choices on validation, the seed study.

- :mod:`~prod2vec.evaluation.metrics`: Recall@K and MRR@K, and the one spelling of their names
- :mod:`~prod2vec.evaluation.results`: metrics per pair, bootstrap intervals, results tables
- :mod:`~prod2vec.evaluation.selection`: choosing models and windows on the validation pairs
- :mod:`~prod2vec.evaluation.seed_study`: a configuration over split seeds and model seeds
"""
