"""What the ``explore`` stage needs to know about Online Retail, which it does not know itself.

:mod:`prod2vec.explore` works on any interactions and item labels; notebook 05 passes these
settings to read Online Retail's: the words of its descriptions that name no kind of product
(and those that name only a look), and the columns of
:func:`~prod2vec.online_retail.adapter.to_interactions` that profile a customer segment.
"""

from __future__ import annotations

#: words of the descriptions that name no kind of product, left out of map clusters' names
STOP_WORDS = frozenset(
    {"OF", "SET", "THE", "AND", "IN", "WITH", "FOR", "A", "TO", "ON", "PACK", "BOX", "DESIGN",
     "ASSORTED"}
)  # fmt: skip

#: words that say a colour, pattern, size or range, not a kind of product: left out when two
#: descriptions are compared for the kind of product they name
LOOK_WORDS = frozenset(
    {"RED", "PINK", "BLUE", "WHITE", "GREEN", "BLACK", "IVORY", "CREAM", "PURPLE", "YELLOW",
     "ORANGE", "SILVER", "GOLD", "GREY", "BROWN", "RETROSPOT", "SPOTTY", "POLKADOT", "VINTAGE",
     "SMALL", "LARGE", "JUMBO", "MINI", "DOLLY", "GIRL", "SPACEBOY", "REGENCY", "PAISLEY",
     "SKULL", "SKULLS", "HEART", "HEARTS", "STRIPE", "STRIPES", "FLORAL", "ROSE", "ROSES",
     "PANTRY", "ANTIQUE"}
)  # fmt: skip

#: what a row cost: Quantity × UnitPrice
SPEND_COLUMNS = ("quantity", "unit_price")

#: a segment's customers described by their country mix, in a column ``countries``
SEGMENT_MIX = {"countries": "country"}
