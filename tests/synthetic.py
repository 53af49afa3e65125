"""Small generated interaction tables with structure a model can learn, written by the tests.

Items belong to themes (``t3-i12`` is item 12 of theme 3); a shopper stays in one theme and
mostly buys the item after the one before, so the next item is predictable from the last one
but not from popularity.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

THEMES, ITEMS_PER_THEME = 8, 12


def shopping_events(users: int = 240, events: int = 9, seed: int = 0) -> pd.DataFrame:
    """A long table: ``user_id``, ``item_id`` and ``ts`` (an hour apart), one row per event."""
    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2024-01-01")
    for user in range(users):
        theme, item = rng.integers(THEMES), rng.integers(ITEMS_PER_THEME)
        for event in range(events):
            if rng.random() < 0.8:
                item = (item + 1) % ITEMS_PER_THEME
            else:
                item = rng.integers(ITEMS_PER_THEME)
            when = start + pd.Timedelta(hours=user * 100 + event)
            rows.append((f"u{user:04d}", f"t{theme}-i{item}", when.isoformat(sep=" ")))
    return pd.DataFrame(rows, columns=["user_id", "item_id", "ts"])


def labels_table() -> pd.DataFrame:
    """Item metadata: ``item_id`` and a readable ``label``."""
    items = [f"t{theme}-i{item}" for theme in range(THEMES) for item in range(ITEMS_PER_THEME)]
    return pd.DataFrame(
        {"item_id": items, "label": [f"theme {item.split('-')[0][1:]} item" for item in items]}
    )


def wide_table(events: pd.DataFrame) -> pd.DataFrame:
    """The same events in the wide layout: ``user_id`` and ``product_id`` = ``"a,b,c"``."""
    return (
        events.groupby("user_id", sort=True)["item_id"]
        .agg(",".join)
        .rename("product_id")
        .reset_index()
    )


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path
