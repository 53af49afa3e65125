"""One trial of a sweep: train Word2Vec, report validation metrics to Ray Tune every epoch.

Reporting after every epoch is what lets a scheduler such as ASHA stop a weak trial between
epochs instead of after it has trained in full. The project keeps its own record of every
trial (:class:`TrialRecorder`, :func:`read_trial_records`): plain JSON lines, what the tables
and ``--resume`` read, never Ray's pickled state.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import ray
from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec
from ray import tune

from prod2vec.configuration import Configuration
from prod2vec.defaults import K
from prod2vec.errors import ClusterError
from prod2vec.evaluation.metrics import metric_key, metric_label
from prod2vec.models.callbacks import MetricLogger
from prod2vec.models.word2vec import DEFAULT_SEED, train_word2vec
from prod2vec.tune.space import word2vec_settings


class TuneReporter(CallbackAny2Vec):
    """Hands the latest metrics of a :class:`~prod2vec.models.callbacks.MetricLogger` to Ray Tune.

    Put it after its logger. Each report holds the epoch, Recall@K and MRR@K, the CPU
    seconds the trial's process has used since training began (Gensim's threads included),
    and the Ray node it runs on.
    """

    def __init__(self, logger: MetricLogger) -> None:
        self.logger = logger
        self._cpu_at_start = 0.0

    def on_train_begin(self, model: Word2Vec) -> None:
        self._cpu_at_start = time.process_time()

    def on_epoch_end(self, model: Word2Vec) -> None:
        latest, k = self.logger.rows[-1], self.logger.k
        tune.report(
            {
                "epoch": latest["epoch"],
                metric_key("recall", k): latest[metric_label("recall", k)],
                metric_key("mrr", k): latest[metric_label("mrr", k)],
                "cpu_seconds": time.process_time() - self._cpu_at_start,
                "node": ray.get_runtime_context().get_node_id(),
            }
        )


def train_trial(
    config: dict[str, Any],
    train: Sequence[Sequence[str]],
    validation: pd.DataFrame,
    k: int = K,
    workers: int = 1,
) -> None:
    """Ray Tune function trainable: one configuration, reported after every epoch.

    ``train`` and ``validation`` come through the object store (``tune.with_parameters``),
    never re-read from files per trial; ``workers`` matches the trial's CPU share.

    Parameters
    ----------
    config : dict
        The trial's config: Word2Vec settings of :mod:`~prod2vec.tune.space`, ``scoring`` and
        the Word2Vec ``seed``.
    train, validation
        Training sessions and validation pairs (``query``, ``target``).
    k : int
        The cut-off K of the reported metrics.
    workers : int
        Gensim worker threads.

    Raises
    ------
    ConfigurationError
        Settings or a scoring that cannot train (the trial errors before its first epoch).
    """
    configuration = Configuration(word2vec_settings(config), scoring=config["scoring"])
    logger = MetricLogger(validation, k=k, scoring=configuration.scoring)
    train_word2vec(
        train,
        configuration.word2vec,
        callbacks=[logger, TuneReporter(logger)],
        seed=int(config.get("seed", DEFAULT_SEED)),
        workers=workers,
    )


#: the folder of a sweep (``<storage>/<name>``) where each trial's record is written
RECORDS_FOLDER = "prod2vec_trials"
#: why a trial ended, as its record says; only the first two make a trial complete
FINISHED, STOPPED, FAILED, INTERRUPTED = (
    "finished", "stopped by the scheduler", "error", "interrupted"
)  # fmt: skip
_RECORD_NAME = re.compile(r"(\d{5,})\.jsonl")


@dataclass(frozen=True)
class TrialRecord:
    """What the project recorded of one trial: ``<sweep>/prod2vec_trials/<index>.jsonl``.

    The file is JSON lines: a ``start`` line with the trial's config and planned epochs, an
    ``epoch`` line per reported epoch, and an ``end`` line with the reason it ended
    (:data:`FINISHED`, :data:`STOPPED` by ASHA, :data:`FAILED` with the error's last line, or
    :data:`INTERRUPTED`: the run ended first). A damaged or partial file reads as a record that
    is not complete, never as an error; a file without an ``end`` line is a trial cut by a kill.
    """

    path: Path
    index: int
    config: dict[str, Any]
    planned_epochs: int
    epochs: list[dict[str, Any]]
    end: str | None
    error: str | None = None

    @property
    def trial_id(self) -> str:
        """The trial's name in the tables: ``trial_00003``, the same in every run of the sweep."""
        return f"trial_{self.index:05d}"

    @property
    def complete(self) -> bool:
        """Ran its planned epochs, or was stopped by the scheduler: nothing to run again."""
        ran_all = bool(self.epochs) and self.epochs[-1]["epoch"] == self.planned_epochs
        return self.end in (FINISHED, STOPPED) or (self.end in (None, INTERRUPTED) and ran_all)

    @property
    def ended(self) -> str:
        """Why the trial ended: :data:`FINISHED`, :data:`STOPPED`, :data:`FAILED` or
        :data:`INTERRUPTED` (also a trial whose record a kill cut short)."""
        if self.complete:
            return STOPPED if self.end == STOPPED else FINISHED
        return FAILED if self.end == FAILED else INTERRUPTED


def read_trial_records(sweep: str | Path) -> list[TrialRecord]:
    """Every trial record of a sweep folder, by index; other files there are left alone.

    Parameters
    ----------
    sweep : str or Path
        The sweep's folder, ``<storage>/<name>``.

    Returns
    -------
    list of TrialRecord
        Complete or not (:attr:`TrialRecord.complete`).
    """
    folder = Path(sweep) / RECORDS_FOLDER
    paths = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    return [
        _read_record(path, int(match.group(1)))
        for path in paths
        if (match := _RECORD_NAME.fullmatch(path.name))
    ]


def _read_record(path: Path, index: int) -> TrialRecord:
    damaged = TrialRecord(path, index, {}, 0, [], None)
    try:
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        start, rest = lines[0], lines[1:]
        last = rest.pop() if rest and rest[-1]["record"] == "end" else {}
        end, error = last.get("reason"), last.get("error")
        epochs = [line for line in rest if line["record"] == "epoch"]
        if start["record"] != "start" or len(epochs) != len(rest):
            return damaged
        planned = int(start["planned_epochs"])
        config = dict(start["config"])
        numbered = [line["epoch"] for line in epochs] == list(range(1, len(epochs) + 1))
    except (ValueError, LookupError, TypeError, AttributeError):  # a torn or foreign line
        return damaged
    if not numbered:
        return damaged
    return TrialRecord(path, index, config, planned, epochs, end, str(error) if error else None)


def _append(path: Path, line: dict[str, Any], mode: str = "a") -> None:
    """One JSON line, on disk when this returns: a killed sweep keeps every line written."""
    with path.open(mode, encoding="utf-8") as file:
        file.write(json.dumps({**line, "time": time.time()}) + "\n")
        file.flush()
        os.fsync(file.fileno())


def _error_line(trial: Any) -> str:
    """The last line of a failed trial's traceback (Ray's text error file, never its pickle)."""
    path = getattr(trial, "error_file", None)
    try:
        lines = Path(path).read_text(encoding="utf-8").strip().splitlines() if path else []
    except OSError:
        lines = []
    return lines[-1].strip()[:500] if lines else f"trial {trial.trial_id} failed"


#: Ray trial ids the scheduler stopped early, by sweep folder. A module-level registry, as
#: the scheduler and the recorder are serialised apart (to the head, with Ray Client) and
#: meet again only in the process that runs the Tune loop.
_STOPPED_EARLY: dict[str, set[str]] = {}


def mark_stopped_early(sweep: str | Path, trial_id: str) -> None:
    """Record that the scheduler stopped ``trial_id`` of ``sweep`` before its last epoch."""
    _STOPPED_EARLY.setdefault(str(Path(sweep)), set()).add(trial_id)


class TrialRecorder(tune.Callback):
    """Writes each trial's record (:class:`TrialRecord`) from the driver, as results arrive.

    The driver, not the trial, writes: its folder is where the sweep's storage is even when
    trials run on other nodes, and it sees the scheduler's decisions (:func:`mark_stopped_early`:
    only those trials end :data:`STOPPED`; one that ends short of its planned epochs otherwise
    was :data:`INTERRUPTED`). A trial's index is its ``config_index`` (random and grid search,
    whose configurations are planned up front), or the smallest index not yet used (Bayesian
    search). Every epoch line is on disk before the
    next result is handled, so a killed driver loses only the epochs in flight.

    Parameters
    ----------
    sweep : Path
        The sweep's folder, ``<storage>/<name>``.
    k : int
        The cut-off K of the recorded metrics.
    plan : tuple of (str, str), optional
        The name and content of the file the driver wrote in ``sweep`` (its plan). The
        recorder runs where the Tune loop runs, on the head with Ray Client: if that process
        does not see this file with this content, the driver would never read the records,
        and the run stops at once (:class:`~prod2vec.errors.ClusterError`).
    """

    def __init__(self, sweep: Path, k: int = K, plan: tuple[str, str] | None = None) -> None:
        self.sweep = str(Path(sweep))
        self.folder = Path(sweep) / RECORDS_FOLDER
        self.metrics = (metric_key("recall", k), metric_key("mrr", k), "cpu_seconds", "node")
        self.plan = plan
        self._used: set[int] = set()
        self._paths: dict[str, Path] = {}
        self._last_epoch: dict[str, int] = {}
        self._ended: set[str] = set()

    def setup(self, **info: Any) -> None:
        if self.plan is not None:
            name, content = self.plan
            path = Path(self.sweep) / name
            if not path.is_file() or path.read_text(encoding="utf-8") != content:
                raise ClusterError(
                    f"The Tune loop runs on the Ray head (Ray Client), which writes the "
                    f"sweep's records, but it does not see {self.sweep} as the driver does: "
                    "give --storage a folder both share, at the same path (the CML project "
                    "folder, an NFS mount)."
                )
        self.folder.mkdir(parents=True, exist_ok=True)
        self._used = {record.index for record in read_trial_records(self.sweep)}

    def _index(self, config: dict[str, Any]) -> int:
        if "config_index" in config:
            return int(config["config_index"])
        return min(set(range(len(self._used) + 1)) - self._used)

    def on_trial_start(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        index = self._index(trial.config)
        self._used.add(index)
        path = self._paths[trial.trial_id] = self.folder / f"{index:05d}.jsonl"
        self._last_epoch[trial.trial_id] = 0
        self._ended.discard(trial.trial_id)
        config = {name: value for name, value in trial.config.items() if name != "config_index"}
        start = {"record": "start", "config": config, "planned_epochs": int(config["epochs"])}
        _append(path, {**start, "ray_trial_id": trial.trial_id}, mode="w")

    def on_trial_result(
        self, iteration: int, trials: list, trial: Any, result: dict, **info: Any
    ) -> None:
        key = trial.trial_id
        if key not in self._paths or key in self._ended or "epoch" not in result:
            return
        epoch = int(result["epoch"])
        if epoch != self._last_epoch[key] + 1:  # a result seen already: one line per epoch
            return
        self._last_epoch[key] = epoch
        metrics = {name: result[name] for name in self.metrics}
        _append(self._paths[key], {"record": "epoch", "epoch": epoch, **metrics})
        if result.get("done"):
            self._end_short_or_finished(trial)

    def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        if trial.trial_id in self._paths:
            self._end_short_or_finished(trial)

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        if trial.trial_id in self._paths:
            self._end(trial.trial_id, FAILED, _error_line(trial))

    def on_experiment_end(self, trials: list, **info: Any) -> None:
        for key in self._paths:  # still running when the run ended: Ctrl-C, a lost driver
            self._end(key, INTERRUPTED)

    def _end_short_or_finished(self, trial: Any) -> None:
        key = trial.trial_id
        if self._last_epoch[key] >= int(trial.config["epochs"]):
            self._end(key, FINISHED)
        elif key in _STOPPED_EARLY.get(self.sweep, ()):
            self._end(key, STOPPED)
        else:
            self._end(key, INTERRUPTED)

    def _end(self, key: str, reason: str, error: str | None = None) -> None:
        if key not in self._ended:
            self._ended.add(key)
            line = {"record": "end", "reason": reason}
            _append(self._paths[key], {**line, "error": error} if error else line)
