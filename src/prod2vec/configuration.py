"""A Word2Vec configuration: what to train, how to score, and where it came from.

One type for every configuration the project reads or writes: a sweep's ``best.json``
(``python -m prod2vec tune``), the finalists' ``best.json``, a pipeline run's ``config.json``,
and a trial of a sweep. It is checked when it is made, so a file that loads is one that trains:
an unknown key (a misspelling) is refused, every Word2Vec setting is checked against Gensim's
signature and range, and each problem is one :class:`~prod2vec.errors.ConfigurationError` that
names the file, the key and the fix.

The file layout (JSON)::

    {"word2vec": {...Gensim keyword arguments; "epochs" is the planned schedule...},
     "scoring": "input-output", "best_epoch": 6, "trial_id": "551c6_00026",
     "validation_recall_at_10": 0.274, "validation_mrr_at_10": 0.148,
     "command": "python -m prod2vec ...", "versions": {...}, "settings": {...search...},
     "split_seed": 123, "model_seed": 42, "model_seeds": [0, 1, 2]}
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from prod2vec.errors import ConfigurationError, ProjectFileError
from prod2vec.evaluation.metrics import METRICS, metric_key
from prod2vec.models.word2vec import DEFAULT_PARAMS, check_scoring, check_word2vec_settings
from prod2vec.outputs.atomic import write_json_atomic

#: Word2Vec settings every searched configuration shares: skip-gram, every item kept
FIXED: dict[str, Any] = {"sg": 1, "min_count": 1, "hs": 0}
#: the Word2Vec settings a search varies (a trial row's other columns are not Word2Vec's)
SEARCHED = ("vector_size", "window", "ns_exponent", "alpha", "negative", "sample", "epochs")

_VALIDATION_KEY = re.compile(r"validation_(\w+)_at_(\d+)")
_PROVENANCE_KEYS = ("command", "versions", "settings", "split_seed", "model_seed", "model_seeds")
_KEYS = ("word2vec", "scoring", "best_epoch", "trial_id", *_PROVENANCE_KEYS)


@dataclass(frozen=True)
class Provenance:
    """Where a configuration came from: the command, versions, the search and the seeds.

    Parameters
    ----------
    command : str, optional
        The command line that made it.
    versions : mapping, optional
        Python's and the packages' versions (:func:`prod2vec.provenance.software_versions`).
    search : mapping, optional
        The settings of the search that found it (stored as ``settings``).
    split_seed, model_seed : int, optional
        The seeds of the split it was chosen or trained on, and of Word2Vec.
    model_seeds : tuple of int, optional
        The Word2Vec seeds a choice was averaged over (the finalists).
    """

    command: str | None = None
    versions: Mapping[str, str] | None = None
    search: Mapping[str, Any] | None = None
    split_seed: int | None = None
    model_seed: int | None = None
    model_seeds: tuple[int, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        content = {
            "command": self.command,
            "versions": dict(self.versions) if self.versions is not None else None,
            "settings": dict(self.search) if self.search is not None else None,
            "split_seed": self.split_seed,
            "model_seed": self.model_seed,
            "model_seeds": list(self.model_seeds) if self.model_seeds is not None else None,
        }
        return {key: value for key, value in content.items() if value is not None}


@dataclass(frozen=True)
class Configuration:
    """Word2Vec settings, the scoring, the epoch that did best, and the provenance.

    Parameters
    ----------
    word2vec : mapping
        Gensim ``Word2Vec`` keyword arguments; keys not given take
        :data:`~prod2vec.models.word2vec.DEFAULT_PARAMS`. ``epochs`` is the planned schedule.
    scoring : str
        ``input-input`` or ``input-output`` (:data:`~prod2vec.models.word2vec.SCORINGS`).
    best_epoch : int, optional
        The epoch at which validation peaked (train that many epochs of the schedule).
    trial_id : str, optional
        The sweep trial it comes from.
    validation : mapping, optional
        Validation figures by metric key (``{"recall_at_10": 0.274}``).
    provenance : Provenance
        The command, versions, search settings and seeds.

    Raises
    ------
    ConfigurationError
        A setting out of its range or of the wrong type, an unknown scoring, input-output
        scoring without negative sampling, or a best epoch outside the schedule.
    """

    word2vec: Mapping[str, Any]
    scoring: str = "input-input"
    best_epoch: int | None = None
    trial_id: str | None = None
    validation: Mapping[str, float] = field(default_factory=dict)
    provenance: Provenance = field(default_factory=Provenance)

    def __post_init__(self) -> None:
        if not isinstance(self.word2vec, Mapping):
            raise ConfigurationError(
                f"'word2vec' must be an object of Gensim settings, got {self.word2vec!r}."
            )
        object.__setattr__(self, "word2vec", dict(self.word2vec))
        try:
            check_word2vec_settings(self.settings)
        except ConfigurationError as error:
            raise ConfigurationError(f"word2vec: {error}") from None
        check_scoring(self.scoring, self.settings)
        if self.best_epoch is not None and (
            isinstance(self.best_epoch, bool)
            or not isinstance(self.best_epoch, int)
            or not 1 <= self.best_epoch <= self.planned_epochs
        ):
            raise ConfigurationError(
                f"best_epoch must be a whole number from 1 to the planned "
                f"{self.planned_epochs} epochs, got {self.best_epoch!r}."
            )

    @property
    def settings(self) -> dict[str, Any]:
        """Every Word2Vec keyword argument: the defaults, overridden by ``word2vec``."""
        return {**DEFAULT_PARAMS, **self.word2vec}

    @property
    def planned_epochs(self) -> int:
        """The epochs of the learning-rate schedule (the most that may run)."""
        return int(self.settings["epochs"])

    def with_provenance(self, **changes: Any) -> Configuration:
        """The same configuration with some provenance fields set."""
        return replace(self, provenance=replace(self.provenance, **changes))

    def to_dict(self) -> dict[str, Any]:
        """The configuration in its file layout (JSON-ready)."""
        content: dict[str, Any] = {"word2vec": dict(self.word2vec), "scoring": self.scoring}
        if self.trial_id is not None:
            content["trial_id"] = self.trial_id
        if self.best_epoch is not None:
            content["best_epoch"] = self.best_epoch
        content.update({f"validation_{key}": value for key, value in self.validation.items()})
        return {**content, **self.provenance.to_dict()}

    def save(self, path: str | Path) -> Path:
        """Write the configuration as JSON, atomically; returns the path."""
        return write_json_atomic(self.to_dict(), path)

    @classmethod
    def from_dict(cls, content: Any, source: str = "the configuration") -> Configuration:
        """A configuration from its file layout, every key checked.

        Raises
        ------
        ConfigurationError
            Not an object, no ``word2vec``, an unknown key, or a value that does not check;
            the message names ``source`` and the key.
        """
        fix = "give a best.json or config.json written by `python -m prod2vec`"
        if not isinstance(content, Mapping) or not isinstance(content.get("word2vec"), Mapping):
            raise ConfigurationError(f"{source} has no 'word2vec' settings: {fix}.")
        unknown = sorted(
            key for key in content if key not in _KEYS and not _VALIDATION_KEY.fullmatch(key)
        )
        if unknown:
            raise ConfigurationError(
                f"{source} has unknown keys {unknown} (a misspelling is not ignored): use "
                f"{sorted(_KEYS)} and validation_<metric>_at_<k>."
            )
        validation = {}
        for key, value in content.items():
            if match := _VALIDATION_KEY.fullmatch(key):
                if match.group(1) not in {name.lower() for name in METRICS} or not _is_real(value):
                    raise ConfigurationError(
                        f"{source}: {key} must be a number for one of {list(METRICS)}, "
                        f"got {value!r}."
                    )
                validation[key.removeprefix("validation_")] = float(value)
        try:
            return cls(
                word2vec=content["word2vec"],
                scoring=content.get("scoring", "input-input"),
                best_epoch=content.get("best_epoch"),
                trial_id=_optional(content, "trial_id", str, source),
                validation=validation,
                provenance=Provenance(
                    command=_optional(content, "command", str, source),
                    versions=_optional(content, "versions", Mapping, source),
                    search=_optional(content, "settings", Mapping, source),
                    split_seed=_optional(content, "split_seed", int, source),
                    model_seed=_optional(content, "model_seed", int, source),
                    model_seeds=_seeds(content, source),
                ),
            )
        except ConfigurationError as error:
            raise ConfigurationError(f"{source}: {error}") from None

    @classmethod
    def load(cls, path: str | Path) -> Configuration:
        """Read and check a configuration file (``best.json``, ``config.json``).

        Raises
        ------
        ProjectFileError
            Nothing at ``path``, or not a file.
        ConfigurationError
            Not JSON, or a configuration that does not check.
        """
        path = Path(path)
        if not path.is_file():
            raise ProjectFileError(
                f"No configuration file at {path}: give a best.json written by `python -m "
                "prod2vec tune` or `finalists`, or a config.json of a pipeline run."
            )
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ConfigurationError(
                f"{path} is not JSON ({error}): give a best.json or config.json."
            ) from None
        return cls.from_dict(content, source=str(path))

    @classmethod
    def from_trial_row(cls, row: Mapping[str, Any], k: int) -> Configuration:
        """The configuration of one trial of a sweep (a row of ``trials.csv``).

        ``best_epoch`` and the validation figures are the trial's best epoch's; ``word2vec``
        holds the searched settings (as Python numbers) and :data:`FIXED`.
        """
        missing = [name for name in ("trial_id", "scoring", "best_epoch") if name not in row]
        if missing:
            raise ConfigurationError(
                f"A trial row lacks {missing}: give a trials.csv written by `python -m prod2vec "
                "tune`."
            )
        searched = {}
        for name in SEARCHED:
            value = row.get(name)
            if value is None or value != value:  # absent, or NaN in a table
                continue
            searched[name] = float(value) if isinstance(value, float) else int(value)
        return cls(
            word2vec={**FIXED, **searched},
            scoring=str(row["scoring"]),
            best_epoch=int(row["best_epoch"]),
            trial_id=str(row["trial_id"]),
            validation={
                metric_key(metric, k): float(row[metric_key(metric, k, prefix="best")])
                for metric in METRICS
                if metric_key(metric, k, prefix="best") in row
            },
        )


def _is_real(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _optional(content: Mapping[str, Any], key: str, kind: type, source: str) -> Any:
    value = content.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ConfigurationError(f"{key} must be of type {kind.__name__}, got {value!r}.")
    return value


def _seeds(content: Mapping[str, Any], source: str) -> tuple[int, ...] | None:
    seeds = content.get("model_seeds")
    if seeds is None:
        return None
    if not isinstance(seeds, list) or not all(
        isinstance(seed, int) and not isinstance(seed, bool) for seed in seeds
    ):
        raise ConfigurationError(f"model_seeds must be a list of whole numbers, got {seeds!r}.")
    return tuple(seeds)
