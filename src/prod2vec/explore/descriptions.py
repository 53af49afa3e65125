"""The words of an item's description, the one way the explore stage reads a label."""

from __future__ import annotations

import re
from collections.abc import Collection


def description_words(description: str, stop_words: Collection[str] = ()) -> list[str]:
    """Words of a description (letters only, upper case), without ``stop_words``.

    Parameters
    ----------
    description : str
        An item's label.
    stop_words : collection of str
        Upper-case words to leave out (words that name no kind of product).

    Returns
    -------
    list of str
        The words in order, repeats kept.
    """
    words = re.findall(r"[A-Z][A-Z']+", description.upper())
    return [word for word in words if word not in stop_words]
