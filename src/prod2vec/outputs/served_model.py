"""The model a run serves: which one, how it reads a session's recent items, and its files.

A run folder records its choice in ``serving.json``::

    {"model": "CoOccurrence(window=2)", "family": "counting",
     "context": {"items": 3, "weighting": "recency", "decay": 0.25}}

``family`` is ``word2vec`` (served from the run's ``vectors.npz``, with ``"scoring"``:
``input-input`` or ``input-output``, as the recommender compared items) or ``counting``
(served from ``counting_model.npz``, :mod:`prod2vec.models.counting_files`). ``context`` is
the :class:`~prod2vec.evaluation.context.ContextRule` the endpoint applies to a request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prod2vec.errors import ConfigurationError, ModelFileError
from prod2vec.evaluation.context import ContextRule
from prod2vec.models.counting_files import KINDS, save_counting_model
from prod2vec.models.recommender import Recommender
from prod2vec.models.word2vec import SCORINGS, Word2VecRecommender
from prod2vec.outputs.atomic import write_json_atomic

#: the file of a run folder naming the served model, and the counting model's file
SERVING_FILE = "serving.json"
COUNTING_MODEL_FILE = "counting_model.npz"
FAMILIES = ("word2vec", "counting")
_KEYS = {"model", "family", "context", "scoring"}
_REWRITE = "Write the run again with `python -m prod2vec pipeline`."


@dataclass(frozen=True)
class ServedModel:
    """A fitted model, its name in results tables, and the context rule it serves with.

    Raises
    ------
    TypeError
        A model that is neither a Word2Vec recommender nor a counting model of
        :data:`~prod2vec.models.counting_files.KINDS`, or a rule that is not a ContextRule.
    ValueError
        An empty name, or a counting model named otherwise than its own ``name`` (the name
        its file gives it back).
    """

    name: str
    model: Recommender
    rule: ContextRule

    def __post_init__(self) -> None:
        if not isinstance(self.rule, ContextRule):
            raise TypeError(f"rule must be a ContextRule, not {type(self.rule).__name__}.")
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"A served model needs a non-empty name, got {self.name!r}.")
        servable = isinstance(self.model, Word2VecRecommender) or (
            KINDS.get(type(self.model).__name__) is type(self.model)
        )
        if not servable:
            raise TypeError(
                f"Only Word2Vec and the counting models {sorted(KINDS)} can be served, not "
                f"{type(self.model).__name__}."
            )
        if self.family == "counting" and self.name != self.model.name:
            raise ValueError(
                f"A counting model is served under its own name {self.model.name!r}, not "
                f"{self.name!r}."
            )

    @property
    def family(self) -> str:
        """``word2vec`` or ``counting``."""
        return "word2vec" if isinstance(self.model, Word2VecRecommender) else "counting"


@dataclass(frozen=True)
class ServedChoice:
    """What ``serving.json`` says: the model's name, its family, context rule and scoring.

    ``scoring`` is the Word2Vec scoring, None for a counting model.
    """

    name: str
    family: str
    rule: ContextRule
    scoring: str | None


def write_served_model(folder: str | Path, served: ServedModel) -> Path:
    """Record ``served`` in the run folder ``folder``: ``serving.json`` (and the counting model).

    A Word2Vec model is served from the run's ``vectors.npz``, which must hold its vectors
    (and output weights, for the input-output scoring): the run writer saves them. Each file
    is written atomically, the model's before ``serving.json``, which names it.

    Parameters
    ----------
    folder : str or Path
        The run folder (it exists).
    served : ServedModel
        The model to serve.

    Returns
    -------
    Path
        The ``serving.json`` written.
    """
    folder = Path(folder)
    choice: dict[str, Any] = {"model": served.name, "family": served.family}
    if served.family == "counting":
        save_counting_model(served.model, folder / COUNTING_MODEL_FILE)
    else:
        choice["scoring"] = served.model.scoring
    choice["context"] = served.rule.to_dict()
    return write_json_atomic(choice, folder / SERVING_FILE)


def read_served_choice(path: str | Path) -> ServedChoice:
    """The choice a ``serving.json`` records, checked.

    Raises
    ------
    ModelFileError
        Nothing at ``path``, or a file that is not JSON of the documented form, in one line
        naming the file, the problem and the fix.
    """
    path = Path(path)
    try:
        content = json.loads(path.read_text())
    except FileNotFoundError:
        raise ModelFileError(f"No {SERVING_FILE} at {path}. {_REWRITE}") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ModelFileError(f"{path} cannot be read as JSON ({error}). {_REWRITE}") from error
    if problem := _choice_problem(content):
        raise ModelFileError(f"{path} is not a valid {SERVING_FILE}: {problem}. {_REWRITE}")
    try:
        rule = ContextRule.from_dict(content["context"])
    except ConfigurationError as error:
        raise ModelFileError(f"{path} holds a bad context rule: {error} {_REWRITE}") from error
    return ServedChoice(content["model"], content["family"], rule, content.get("scoring"))


def _choice_problem(content: Any) -> str | None:
    """What is wrong with the decoded content of a ``serving.json``; None if nothing is."""
    if not isinstance(content, dict):
        return f"it holds a {type(content).__name__}, not an object"
    if unknown := sorted(set(content) - _KEYS):
        return f"unknown key {unknown[0]!r} (its keys are {sorted(_KEYS)})"
    if missing := sorted({"model", "family", "context"} - set(content)):
        return f"the key {missing[0]!r} is missing"
    if not isinstance(content["model"], str) or not content["model"]:
        return f"'model' must be the model's name, not {content['model']!r:.60}"
    if content["family"] not in FAMILIES:
        return f"'family' must be one of {FAMILIES}, not {content['family']!r:.60}"
    scoring = content.get("scoring")
    if content["family"] == "word2vec" and content["model"].split("(")[0] in KINDS:
        return f"a word2vec model cannot be named {content['model']!r:.60}, a counting model's name"
    if content["family"] == "word2vec" and scoring not in SCORINGS:
        return f"a word2vec model's 'scoring' must be one of {SCORINGS}, not {scoring!r:.60}"
    if content["family"] == "counting" and scoring is not None:
        return "a counting model has no 'scoring'"
    return None
