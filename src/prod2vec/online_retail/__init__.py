"""The UCI Online Retail dataset: one adapter from its table to the project's interactions.

- :mod:`~prod2vec.online_retail.source`: download, cache and validate the raw table
- :mod:`~prod2vec.online_retail.cleaning`: the ``reference`` and ``clean`` recipes with reports
- :mod:`~prod2vec.online_retail.adapter`: cleaned rows as interactions; product descriptions

Its column names (``CustomerID``, ``StockCode``, ``InvoiceDate``, ...) appear in this subpackage
only; everything downstream works on :mod:`prod2vec.data.interactions`.
"""

from prod2vec.online_retail.adapter import item_descriptions, to_interactions
from prod2vec.online_retail.cleaning import (
    RECIPES,
    CleaningReport,
    TableStats,
    clean_transactions,
    non_product_codes,
    rule_violations,
)
from prod2vec.online_retail.source import (
    CACHE_FILENAME,
    UCI_URL,
    DataDownloadError,
    DataSchemaError,
    load_online_retail,
)

__all__ = [
    "CACHE_FILENAME",
    "RECIPES",
    "UCI_URL",
    "CleaningReport",
    "DataDownloadError",
    "DataSchemaError",
    "TableStats",
    "clean_transactions",
    "item_descriptions",
    "load_online_retail",
    "non_product_codes",
    "rule_violations",
    "to_interactions",
]
