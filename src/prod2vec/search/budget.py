"""How long a configuration search may run: a number of trials, or a time in seconds."""

from __future__ import annotations

import re
from dataclasses import dataclass

from prod2vec.errors import ConfigurationError

#: the most trials a budget may ask for (a larger number is a typo, not a plan)
MAX_TRIALS = 10_000
#: the longest time a budget may ask for, a week (a longer one is a typo, not a plan)
MAX_SECONDS = 7 * 24 * 3600.0
#: seconds per unit of a time budget
_UNIT_SECONDS = {"s": 1.0, "min": 60.0, "h": 3600.0}
# at most 12 digits: a longer number is refused as too large before it is converted
_TRIALS = re.compile(r"(\d{1,12})(?:\s*trials?)?", re.ASCII)
_TIME = re.compile(r"(\d{1,12}(?:\.\d{1,12})?)\s*(s|min|h)", re.ASCII)
_LONG_NUMBER = re.compile(r"\d{13,}(?:\.\d*)?\s*(?:trials?|s|min|h)?", re.ASCII)
_FORMS = "a number of trials ('40' or '40 trials') or a time ('90s', '5min', '2h')"


@dataclass(frozen=True)
class SearchBudget:
    """What a search may spend: ``trials``, ``seconds``, or both (it stops at the first reached).

    Parameters
    ----------
    trials : int, optional
        The most trials to run (the enqueued starting configuration included).
    seconds : float, optional
        The most wall-clock seconds, at most :data:`MAX_SECONDS`; checked before each trial
        and after every epoch.

    Raises
    ------
    ConfigurationError
        Neither given, a number of trials that is not a whole number from 1 to
        :data:`MAX_TRIALS`, or seconds that are not positive or exceed :data:`MAX_SECONDS`.
    """

    trials: int | None = None
    seconds: float | None = None

    def __post_init__(self) -> None:
        if self.trials is None and self.seconds is None:
            raise ConfigurationError(f"A search budget needs trials or seconds: give {_FORMS}.")
        if self.trials is not None and (
            isinstance(self.trials, bool)
            or not isinstance(self.trials, int)
            or not 1 <= self.trials <= MAX_TRIALS
        ):
            raise ConfigurationError(
                f"A search budget's trials must be a whole number from 1 to {MAX_TRIALS:,}, "
                f"got {self.trials!r}."
            )
        if self.seconds is not None and (
            isinstance(self.seconds, bool)
            or not isinstance(self.seconds, int | float)
            or not 0 < self.seconds <= MAX_SECONDS
        ):
            raise ConfigurationError(
                f"A search budget's seconds must be a positive number of at most "
                f"{MAX_SECONDS:,.0f} (a week), got {self.seconds!r}."
            )

    def describe(self) -> str:
        """The budget in words, such as ``40 trials`` or ``300 s``."""
        parts = []
        if self.trials is not None:
            parts.append(f"{self.trials} trials")
        if self.seconds is not None:
            parts.append(f"{self.seconds:g} s")
        return " or ".join(parts)


def parse_budget(text: str) -> SearchBudget:
    """A budget from its command-line form: ``40`` or ``40 trials``; ``90s``, ``5min``, ``2h``.

    Parameters
    ----------
    text : str
        The budget as typed (surrounding white space and letter case are ignored).

    Returns
    -------
    SearchBudget

    Raises
    ------
    ConfigurationError
        Any other form, zero, more than :data:`MAX_TRIALS` trials or more than
        :data:`MAX_SECONDS`; the message names the problem and the accepted forms.
    """
    cleaned = str(text).strip().lower()
    problem = "not understood"
    if match := _TRIALS.fullmatch(cleaned):
        trials = int(match.group(1))
        if 1 <= trials <= MAX_TRIALS:
            return SearchBudget(trials=trials)
        problem = "zero trials" if trials == 0 else f"more than {MAX_TRIALS:,} trials"
    elif match := _TIME.fullmatch(cleaned):
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        if 0 < seconds <= MAX_SECONDS:
            return SearchBudget(seconds=seconds)
        problem = "no time at all" if seconds == 0 else "longer than a week"
    elif _LONG_NUMBER.fullmatch(cleaned):
        problem = "far too large"
    raise ConfigurationError(
        f"Search budget {_shown(text)} is {problem}: give {_FORMS}, above zero and at most "
        f"{MAX_TRIALS:,} trials or a week."
    )


def _shown(text: str) -> str:
    """``text`` for a message, cut to 40 characters."""
    text = str(text)
    return repr(text) if len(text) <= 40 else f"{text[:40]!r}... ({len(text):,} characters)"
