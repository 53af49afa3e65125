"""Turn interactions into sessions, and sessions into a next-item train/validation/test split.

A *session* here is one user's whole history: their items in time order (events with the same
timestamp keep their order in the table). Sessions play the role of sentences and items the
role of words when Word2Vec learns item embeddings.

The split follows the original tutorial's protocol for next-event prediction: every session
minus its last item is training data; from randomly chosen sessions, the pair (second-to-last
item, last item) is a query with the one target a model should recommend. The protocol's sizes
and seed live in :mod:`prod2vec.online_retail.reference_protocol`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd

from prod2vec.data.interactions import (
    ITEM,
    TIME,
    USER,
    ItemIdError,
    item_id_problem,
    validate_interactions,
)
from prod2vec.errors import ConfigurationError, InputDataError

Session = list[str]


def sessionize(interactions: pd.DataFrame, gap: pd.Timedelta | None = None) -> pd.Series:
    """Sessions as a Series of item lists: one per user, or split where a user paused.

    Parameters
    ----------
    interactions : pandas.DataFrame
        An interactions frame (:mod:`prod2vec.data.interactions`). With a ``time`` column,
        events are ordered by it with a stable sort, so events at the same time keep their
        table order.
    gap : pandas.Timedelta, optional
        Start a new session wherever the time between a user's consecutive events exceeds
        ``gap``: sessions as web logs and shop baskets mean them. Needs the ``time`` column.
        Text such as ``"30min"`` is parsed where it enters, by :func:`session_gap`. By default
        a user's whole history is one session.

    Returns
    -------
    pandas.Series
        Named ``items``, one list of item ids per session, indexed by user (ascending; a user
        with several sessions appears once per session, in time order).

    Raises
    ------
    InputDataError
        A gap without a ``time`` column, or a frame that is not interactions.
    ConfigurationError
        A gap that is not positive.
    """
    if gap is not None and not isinstance(gap, pd.Timedelta):
        raise TypeError(
            f"gap must be a pandas.Timedelta or None, got {type(gap).__name__}: parse text "
            "with session_gap()."
        )
    validate_interactions(interactions)
    keys = [USER, TIME] if TIME in interactions else [USER]
    ordered = interactions.sort_values(keys, kind="stable")
    if gap is None:
        return ordered.groupby(USER, sort=True)[ITEM].agg(list).rename("items")
    if gap <= pd.Timedelta(0):
        raise ConfigurationError(f"The session gap must be a positive duration, got {gap}.")
    if TIME not in ordered:
        raise InputDataError(
            "Splitting sessions at a gap needs event times: add a 'time' column, or leave out "
            "the gap to make one session per user."
        )
    users, times = ordered[USER].to_numpy(), ordered[TIME].to_numpy()
    starts = np.ones(len(ordered), dtype=bool)
    starts[1:] = (users[1:] != users[:-1]) | (times[1:] - times[:-1] > gap.to_timedelta64())
    session_number = np.cumsum(starts)
    sessions = ordered.groupby(session_number, sort=True)[ITEM].agg(list).rename("items")
    sessions.index = pd.Index(users[starts], name=USER)
    return sessions


def session_gap(text: str) -> pd.Timedelta:
    """The session gap written as text (``"30min"``, ``"2h"``, ``"1D"``) as a positive Timedelta.

    The one place a gap is parsed: the command line and settings files call it where the text
    enters, and :func:`sessionize` takes its result.

    Raises
    ------
    ConfigurationError
        The text is not a duration, has no unit (pandas would read ``"30"`` as 30
        nanoseconds), or is not positive.
    """
    if re.fullmatch(r"\s*[+-]?(\d+\.?\d*|\.\d+)\s*", str(text)):
        number = str(text).strip()
        raise ConfigurationError(
            f"The session gap {text!r} has no unit (a bare number would be nanoseconds): "
            f"write {number}min, {number}h or {number}D."
        )
    try:
        parsed = pd.Timedelta(text)
    except ValueError:
        raise ConfigurationError(
            f"Cannot read the session gap {text!r}: write a duration such as '30min', '2h' or '1D'."
        ) from None
    if pd.isna(parsed) or parsed <= pd.Timedelta(0):
        raise ConfigurationError(
            f"The session gap must be a positive duration such as '30min', got {text!r}."
        )
    return parsed


def check_sessions(sessions: Iterable[Sequence[str]]) -> int:
    """Check training sessions where they enter a model; return how many items they hold.

    Sessions must be re-iterable (a list, or a corpus object that can be iterated again: models
    read it more than once), each a list of item ids (:func:`item_id_problem`).

    Raises
    ------
    TypeError
        A one-shot iterator (a generator), or a session given as one string.
    ItemIdError
        A value that is not an item id (an InputDataError and a TypeError).
    InputDataError
        No items at all.
    """
    if isinstance(sessions, str | bytes | pd.DataFrame):
        raise TypeError(
            "sessions must be a list of sessions (lists of item ids), "
            f"got {type(sessions).__name__}."
        )
    if iter(sessions) is sessions:
        raise TypeError(
            "sessions is a one-shot iterator (a generator?): models read the sessions more than "
            "once, so it would train on nothing after the first pass. Pass list(sessions)."
        )
    lengths = []
    for number, session in enumerate(sessions):
        if isinstance(session, str | bytes):
            raise TypeError(
                f"Session {number} is the string {session[:40]!r}, not a list of item ids: it "
                f"would be read character by character. Write it as [{session[:40]!r}, ...]."
            )
        lengths.append(len(session))
    tokens = sum(lengths)
    flat = np.fromiter(chain.from_iterable(sessions), dtype=object, count=tokens)
    if problem := item_id_problem(flat):
        position, fault = problem
        number = int(np.searchsorted(np.cumsum(lengths), position, side="right"))
        raise ItemIdError(f"Session {number} holds {fault}.")
    if tokens == 0:
        raise InputDataError("No training data: the sessions hold no items.")
    return tokens


def flat_items(sessions: Iterable[Sequence[str]]) -> np.ndarray:
    """Every item occurrence of ``sessions``, session after session, as a string array."""
    return np.array(list(chain.from_iterable(sessions)), dtype=str)


def item_counts(sessions: Iterable[Sequence[str]]) -> pd.Series:
    """How often each item occurs in ``sessions``, most frequent first."""
    return pd.Series(flat_items(sessions), dtype=object).value_counts()


def corpus_stats(sessions: Sequence[Sequence[str]]) -> dict[str, int]:
    """Number of sessions, distinct items and tokens (item occurrences)."""
    counts = item_counts(sessions)
    return {"sessions": len(sessions), "items": len(counts), "tokens": int(counts.sum())}


#: how many items before a held-out target a split keeps as its context (the query included)
MAX_CONTEXT = 10


@dataclass(frozen=True)
class SessionSplit:
    """Training sessions and held-out (query, target) pairs for next-item prediction.

    ``test`` and ``validation`` are frames with columns ``user``, ``query`` (the second-to-last
    item of the session) and ``target`` (its last item). The two sets come from disjoint
    sessions. ``test_context`` and ``validation_context``, when given, hold for each pair (in
    the frame's row order) the last items before its target, at most :data:`MAX_CONTEXT`,
    oldest first: the last one is the query. A split checks itself when it is made.

    Raises
    ------
    InputDataError
        No training sessions, an empty session, a value that is not an item id, held-out
        pairs that are not a non-empty frame of item ids in ``query`` and ``target``, or
        contexts that are not one non-empty list per pair ending with its query.
    """

    train: list[Session]
    test: pd.DataFrame
    validation: pd.DataFrame
    test_context: list[Session] | None = None
    validation_context: list[Session] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.train, list) or not self.train:
            raise InputDataError("A split needs training sessions: train is not a non-empty list.")
        for number, session in enumerate(self.train):
            if not isinstance(session, list) or not session:
                raise InputDataError(
                    f"Training session {number} is not a non-empty list of item ids: "
                    f"{session!r:.60}."
                )
        check_sessions(self.train)
        for name in ("test", "validation"):
            _check_pairs(getattr(self, name), name)
            if (contexts := getattr(self, f"{name}_context")) is not None:
                _check_contexts(contexts, getattr(self, name), name)


def _check_pairs(pairs: pd.DataFrame, name: str) -> None:
    if not isinstance(pairs, pd.DataFrame):
        raise InputDataError(f"The {name} pairs must be a DataFrame, got {type(pairs).__name__}.")
    if not {"query", "target"} <= set(pairs.columns):
        raise InputDataError(
            f"The {name} pairs need columns 'query' and 'target', got {list(pairs.columns)}."
        )
    if pairs.empty:
        raise InputDataError(f"No {name} pairs: a split needs at least one of each.")
    for column in ("query", "target"):
        if problem := item_id_problem(pairs[column].to_numpy(dtype=object)):
            raise InputDataError(f"{name} {column} {problem[0]} is {problem[1]}.")


def _check_contexts(contexts: list[Session], pairs: pd.DataFrame, name: str) -> None:
    """One non-empty list of item ids per pair, ending with the pair's query."""
    if not isinstance(contexts, list) or len(contexts) != len(pairs):
        size = len(contexts) if isinstance(contexts, list) else type(contexts).__name__
        raise InputDataError(
            f"The {name} contexts must be a list of one context per {name} pair "
            f"({len(pairs):,}), got {size}: make them with split_sessions()."
        )
    not_lists = (row for row, context in enumerate(contexts) if not _is_non_empty_list(context))
    if (bad := next(not_lists, None)) is not None:
        raise InputDataError(
            f"The {name} context of pair {bad} is not a non-empty list of item ids: "
            f"{contexts[bad]!r:.60}; make the contexts with split_sessions()."
        )
    if problem := item_id_problem(np.fromiter(chain.from_iterable(contexts), dtype=object)):
        raise InputDataError(f"The {name} contexts hold {problem[1]}.")
    last = np.array([context[-1] for context in contexts], dtype=object)
    if (mismatch := np.flatnonzero(last != pairs["query"].to_numpy(dtype=object))).size:
        row = int(mismatch[0])
        raise InputDataError(
            f"The {name} context of pair {row} ends with {last[row]!r}, not its query "
            f"{pairs['query'].iloc[row]!r}: each context must end with its pair's query "
            "(make them with split_sessions())."
        )


def _is_non_empty_list(value: object) -> bool:
    return isinstance(value, list) and len(value) > 0


def split_sessions(
    sessions: pd.Series, *, n_test: int, n_validation: int, seed: int
) -> SessionSplit:
    """Hold out the last item of every session; sample test and validation pairs.

    Every session without its last item is training data (so the query of each held-out pair
    is the last training item of its session, as in the original protocol). ``n_test +
    n_validation`` distinct sessions are drawn without replacement with
    ``numpy.random.default_rng(seed)``: the first ``n_test`` give the test pairs, the others
    the validation pairs. The same seed always gives the same split. Each pair's context
    is the last :data:`MAX_CONTEXT` items of its session before the target, oldest first.

    Parameters
    ----------
    sessions : pandas.Series
        Item lists by user, as :func:`sessionize` returns them.
    n_test, n_validation : int
        Numbers of test and validation pairs.
    seed : int
        Seed of the draw.

    Returns
    -------
    SessionSplit
    """
    if not isinstance(sessions, pd.Series):
        raise TypeError("sessions must be the pandas Series returned by sessionize().")
    if n_test < 1 or n_validation < 1:
        raise ConfigurationError(
            f"Need n_test >= 1 and n_validation >= 1, got {n_test}, {n_validation}."
        )
    lengths = sessions.map(len).to_numpy()
    if (lengths < 2).any():
        short = sessions.index[lengths < 2].tolist()
        raise InputDataError(
            f"{len(short)} sessions have fewer than 2 items (users {short[:5]}...): they "
            "give no (query, target) pair. Keep users with at least 3 events "
            "(the Online Retail recipes do) or drop the short sessions first."
        )
    wanted = n_test + n_validation
    if wanted > len(sessions):
        raise InputDataError(
            f"Cannot draw {n_test} test + {n_validation} validation pairs from "
            f"{len(sessions)} sessions; ask for at most {len(sessions)} in total."
        )
    chosen = np.random.default_rng(seed).choice(len(sessions), size=wanted, replace=False)
    held_out = sessions.iloc[chosen]
    pairs = pd.DataFrame(
        {
            USER: held_out.index.to_numpy(),
            "query": [session[-2] for session in held_out],
            "target": [session[-1] for session in held_out],
        }
    )
    contexts = [list(session[-MAX_CONTEXT - 1 : -1]) for session in held_out]
    return SessionSplit(
        train=[list(session[:-1]) for session in sessions],
        test=pairs.iloc[:n_test].reset_index(drop=True),
        validation=pairs.iloc[n_test:].reset_index(drop=True),
        test_context=contexts[:n_test],
        validation_context=contexts[n_test:],
    )
