"""A pipeline run's folder: the names of its files, written completely or not at all.

One type names every file of a run, so the writer (:func:`write_run`), the endpoint
(:mod:`prod2vec.serving`) and the notebooks agree on them::

    vectors.npz             item ids, input vectors, counts and output weights (no pickle)
    vectors.word2vec.txt    Gensim's KeyedVectors text format
    projector/vectors.tsv   the Embedding Projector's vectors ...
    projector/metadata.tsv  ... and labels
    config.json             the Configuration trained (usable as --config)
    metrics.json            data quality, split, training and test figures
    history.csv             validation metrics per epoch
    report.md               the human-readable report
    trials.csv              the search's trials, when the run searched
    serving.json            the served model, its family and context rule (served_model)
    counting_model.npz      the served counting model, when one is served (no pickle)
    .prod2vec-run.json      the marker: the run folder's format and the command that wrote it

``--overwrite`` replaces only a folder holding the marker (:func:`check_can_write_run`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from prod2vec.configuration import Configuration
from prod2vec.data.readers import read_labels
from prod2vec.errors import ModelFileError, ProjectFileError
from prod2vec.models.counting_files import load_counting_model
from prod2vec.models.word2vec import Word2VecRecommender, save_vectors
from prod2vec.models.word2vec.vector_files import load_vectors_and_output_weights
from prod2vec.outputs.atomic import (
    atomic_folder,
    check_can_write_folder,
    remove_stale_temporaries,
    write_csv_atomic,
    write_json_atomic,
)
from prod2vec.outputs.export import save_keyed_vectors, write_projector_files
from prod2vec.outputs.run_report import markdown_report, metrics_summary
from prod2vec.outputs.served_model import (
    COUNTING_MODEL_FILE,
    SERVING_FILE,
    ServedModel,
    read_served_choice,
    write_served_model,
)
from prod2vec.paths import project_dir

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

    from prod2vec.pipeline import PipelineResult

#: the marker file of a run folder, and the version of the folder's layout it records
MARKER = ".prod2vec-run.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class RunFolder:
    """The files of one pipeline run in ``path`` (see the module's docstring)."""

    path: Path

    def __init__(self, path: str | Path) -> None:
        object.__setattr__(self, "path", Path(path))

    @property
    def vectors(self) -> Path:
        return self.path / "vectors.npz"

    @property
    def word2vec_text(self) -> Path:
        return self.path / "vectors.word2vec.txt"

    @property
    def projector(self) -> Path:
        return self.path / "projector"

    @property
    def projector_metadata(self) -> Path:
        return self.projector / "metadata.tsv"

    @property
    def config(self) -> Path:
        return self.path / "config.json"

    @property
    def metrics(self) -> Path:
        return self.path / "metrics.json"

    @property
    def history(self) -> Path:
        return self.path / "history.csv"

    @property
    def report(self) -> Path:
        return self.path / "report.md"

    @property
    def trials(self) -> Path:
        return self.path / "trials.csv"

    @property
    def marker(self) -> Path:
        return self.path / MARKER

    @property
    def serving(self) -> Path:
        return self.path / SERVING_FILE

    @property
    def counting_model(self) -> Path:
        return self.path / COUNTING_MODEL_FILE

    def configuration(self) -> Configuration:
        """The configuration the run trained (checked as any configuration file)."""
        return Configuration.load(self.config)

    def load_vectors(
        self, need_output_weights: bool = True
    ) -> tuple[KeyedVectors, np.ndarray | None]:
        """The run's item vectors and output weights (loading runs no code from the file).

        The file is checked completely (keys, vectors, counts, output weights of the vectors'
        shape, every value finite: :func:`~prod2vec.models.word2vec.load_vectors`). Without
        ``need_output_weights``, a file without them gives None for them.

        Raises
        ------
        ModelFileError
            No vectors file, one without output weights that are needed, or one that is not a
            valid vectors file (a :class:`~prod2vec.models.word2vec.VectorFileError`).
        """
        if not self.vectors.is_file():
            raise ModelFileError(
                f"{self.path} holds no vectors.npz: give the folder a `python -m prod2vec "
                "pipeline --out` run wrote."
            )
        vectors, output_weights = load_vectors_and_output_weights(self.vectors)
        if output_weights is None and need_output_weights:
            raise ModelFileError(
                f"{self.vectors} holds no output weights: write it with `python -m prod2vec "
                "pipeline`, which saves them."
            )
        return vectors, output_weights

    def load_served_model(self) -> ServedModel | None:
        """The model ``serving.json`` names, loaded and checked; None if the run has no such file.

        Runs written before the choice was recorded have no ``serving.json``: they serve their
        vectors (:mod:`prod2vec.serving`).

        Raises
        ------
        ModelFileError
            A ``serving.json`` that does not check
            (:func:`~prod2vec.outputs.served_model.read_served_choice`), is not a file, or is
            missing beside a ``counting_model.npz``, or a model file it names that is missing,
            invalid, or holds another model.
        """
        if not self.serving.exists() and not self.counting_model.exists():
            return None
        if not self.serving.is_file():
            # serving the vectors instead would silently serve another model than the run chose
            raise ModelFileError(
                f"{self.serving} is missing or not a file, so {self.path} does not say which "
                "model it serves. Write the run again with `python -m prod2vec pipeline`."
            )
        choice = read_served_choice(self.serving)
        if choice.family == "counting":
            model = load_counting_model(self.counting_model)
            if model.name != choice.name:
                raise ModelFileError(
                    f"{self.serving} names {choice.name!r} but {self.counting_model} holds "
                    f"{model.name!r}: the files are from different runs. Write the run again "
                    "with `python -m prod2vec pipeline`."
                )
        else:
            vectors, output_weights = self.load_vectors(
                need_output_weights=choice.scoring == "input-output"
            )
            model = Word2VecRecommender.from_vectors(
                vectors, label=choice.name, output_weights=output_weights, scoring=choice.scoring
            )
        return ServedModel(choice.name, model, choice.rule)

    def labels(self) -> pd.Series:
        """Label by item id from the Projector metadata (empty when the run had none)."""
        if not self.projector_metadata.is_file():
            return pd.Series(dtype=str)
        return read_labels(self.projector_metadata, "item", "label")


def write_run(
    result: PipelineResult, out: str | Path, command: str, overwrite: bool = False
) -> RunFolder:
    """Write a pipeline run into ``out``, completely or not at all (a temporary folder renamed).

    White space inside an item id becomes ``_`` in the word2vec text format, whose separator
    is a space. With ``overwrite`` an existing ``out`` is replaced only if it holds the marker
    of a run folder.
    """
    vectors = result.model.vectors_
    with atomic_folder(out, overwrite=overwrite, marker=MARKER) as folder:
        run = RunFolder(folder)
        written = datetime.now(timezone.utc).isoformat()
        write_json_atomic(
            {"format": FORMAT_VERSION, "command": command, "written": written}, run.marker
        )
        save_vectors(vectors, run.vectors, result.model.output_weights_)
        save_keyed_vectors(vectors, run.word2vec_text, replace_spaces="_")
        write_projector_files(vectors, run.projector, result.labels)
        write_json_atomic({**metrics_summary(result), "command": command}, run.metrics)
        result.configuration.with_provenance(command=command).save(run.config)
        write_csv_atomic(result.history.reset_index(), run.history)
        if result.sweep_trials is not None:
            write_csv_atomic(result.sweep_trials, run.trials)
        write_served_model(folder, result.served)
        run.report.write_text(markdown_report(result, command))
    return RunFolder(out)


def check_can_write_run(
    out: str | Path, overwrite: bool, keep: Mapping[str, str | Path | None] | None = None
) -> None:
    """Make sure :func:`write_run` may write ``out``, before any data is read.

    Refused: a folder that is, or holds, a path of ``keep``, the working folder or the
    project; a file; an existing folder without ``overwrite``, or one that is not a run folder
    (no marker: it is the user's own); a place where this process may not create files.
    Temporary folders that killed runs left beside ``out`` are removed.

    Parameters
    ----------
    out : str or Path
        The run folder to write.
    overwrite : bool
        Whether an existing run folder may be replaced.
    keep : mapping of str to path, optional
        What the run reads, by what it is (``{"--input": "events.csv"}``; None: not given):
        ``out`` may hold none of them.

    Raises
    ------
    ProjectFileError
        One line naming ``out``, the problem and the fix.
    """
    out = Path(out)
    target = out.resolve()
    kept = {**(keep or {}), "the working folder": Path.cwd(), "the project": project_dir()}
    for what, path in kept.items():
        if path is not None and Path(path).resolve().is_relative_to(target):
            raise ProjectFileError(
                f"--out {out} is or holds {what} ({path}), which a run never replaces: choose "
                "another --out, a folder of its own."
            )
    check_can_write_folder(out, overwrite, fix="Choose another --out.", replace=True)
    if out.exists() and not RunFolder(out).marker.is_file():
        raise ProjectFileError(
            f"--out {out} is not a folder `python -m prod2vec pipeline` wrote (it holds no "
            f"{MARKER}), so --overwrite will not replace it: choose another --out, or remove "
            "it yourself."
        )
    remove_stale_temporaries(out)
