"""Search large data on a sample of its training sessions.

Chamberlain et al. (2020, "Tuning Word2vec for Large Scale Recommendation Systems") found that
settings tuned on a 10% sample of sessions carry over to the full data. Above
:data:`SAMPLE_ABOVE_TOKENS` training tokens a search trains on a seeded random sample of about
that many tokens, so that one trial costs about the same on any data; the chosen configuration
then trains on everything.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from prod2vec.data.interactions import USER
from prod2vec.data.sessions import Session, SessionSplit

#: training tokens (item occurrences) above which the search trains on a sample of about as many:
#: a little above Online Retail's reference split (402,398 tokens, about 1.3 CPU-seconds an
#: epoch with the defaults), so that a trial costs at most about what it costs there and the
#: default budget's time holds on any data; up to 5 million tokens the sample is 10% or more.
SAMPLE_ABOVE_TOKENS = 500_000


def search_sample(
    split: SessionSplit,
    max_tokens: int = SAMPLE_ABOVE_TOKENS,
    seed: int = 0,
    users: Sequence[Hashable] | None = None,
) -> list[Session]:
    """The training sessions to search on: all of them, or a seeded sample of about ``max_tokens``.

    The training part of every validation session is kept, so every validation query is
    known to the model: it is the training session of the pair's user that ends with the
    pair's query (:func:`prod2vec.data.sessions.split_sessions`). Without ``users`` the split
    does not say which session a pair came from, and every training session that ends with a
    validation query is kept, which on a skewed catalogue can be a large share. The others are
    drawn independently, each with the probability that makes the sample about ``max_tokens``
    tokens in all (none if the kept ones already reach it).

    Parameters
    ----------
    split : SessionSplit
        The split to search on.
    max_tokens : int
        Sample above this many training tokens.
    seed : int
        Seed of the draw.
    users : sequence, optional
        The user of each training session, in the order of ``split.train`` (the index of the
        sessions that :func:`~prod2vec.data.sessions.split_sessions` split).

    Returns
    -------
    list of sessions
        ``split.train`` itself when it has at most ``max_tokens`` tokens.

    Raises
    ------
    ValueError
        ``users`` not of the length of ``split.train``.
    """
    if users is not None and len(users) != len(split.train):
        raise ValueError(
            f"users has {len(users)} entries for {len(split.train)} training sessions: pass "
            "the index of the sessions the split was made from."
        )
    lengths = np.fromiter(map(len, split.train), dtype=np.int64, count=len(split.train))
    tokens = int(lengths.sum())
    if tokens <= max_tokens:
        return split.train
    last_items = pd.Index([session[-1] for session in split.train], dtype=object)
    if users is None:
        kept = last_items.isin(split.validation["query"])
    else:
        pairs = pd.MultiIndex.from_arrays([split.validation[USER], split.validation["query"]])
        kept = pd.MultiIndex.from_arrays([pd.Index(users, dtype=object), last_items]).isin(pairs)
    kept_tokens = int(lengths[kept].sum())
    share = max(max_tokens - kept_tokens, 0) / max(tokens - kept_tokens, 1)
    keep = kept | (np.random.default_rng(seed).random(len(split.train)) < share)
    return [session for session, chosen in zip(split.train, keep, strict=True) if chosen]
