"""Online Retail as a pipeline input: interactions, the cleaning's report, and descriptions."""

from __future__ import annotations

import pandas as pd

from prod2vec.data.readers import QualityReport
from prod2vec.online_retail.adapter import item_descriptions, to_interactions
from prod2vec.online_retail.cleaning import clean_transactions
from prod2vec.online_retail.source import load_online_retail


def read_online_retail(recipe: str = "reference") -> tuple[pd.DataFrame, QualityReport, pd.Series]:
    """Online Retail (downloaded and cached) as interactions, its cleaning report, descriptions.

    Parameters
    ----------
    recipe : str
        A cleaning recipe of :mod:`prod2vec.online_retail.cleaning`.
    """
    raw = load_online_retail()
    transactions, cleaning = clean_transactions(raw, recipe)
    quality = QualityReport(source=f"Online Retail (UCI), {recipe!r} recipe", rows_read=len(raw))
    for rule, rows in cleaning.removed_by_rule.items():
        quality.drop(rule, rows)
    return to_interactions(transactions), quality, item_descriptions(transactions)
