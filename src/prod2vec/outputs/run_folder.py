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
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from prod2vec.configuration import Configuration
from prod2vec.data.readers import read_labels
from prod2vec.errors import ModelFileError
from prod2vec.models.word2vec import load_output_weights, load_vectors, save_vectors
from prod2vec.outputs.atomic import atomic_folder, write_csv_atomic, write_json_atomic
from prod2vec.outputs.export import save_keyed_vectors, write_projector_files
from prod2vec.outputs.run_report import markdown_report, metrics_summary

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

    from prod2vec.pipeline import PipelineResult


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

    def configuration(self) -> Configuration:
        """The configuration the run trained (checked as any configuration file)."""
        return Configuration.load(self.config)

    def load_vectors(self) -> tuple[KeyedVectors, np.ndarray]:
        """The run's item vectors and output weights (loading runs no code from the file).

        Raises
        ------
        ModelFileError
            No vectors file, or one without output weights.
        """
        if not self.vectors.is_file():
            raise ModelFileError(
                f"{self.path} holds no vectors.npz: give the folder a `python -m prod2vec "
                "pipeline --out` run wrote."
            )
        output_weights = load_output_weights(self.vectors)
        if output_weights is None:
            raise ModelFileError(
                f"{self.vectors} holds no output weights: write it with `python -m prod2vec "
                "pipeline`, which saves them."
            )
        vectors = load_vectors(self.vectors)
        if output_weights.shape != vectors.vectors.shape:
            raise ModelFileError(
                f"{self.vectors}: output weights of shape {output_weights.shape} for vectors of "
                f"shape {vectors.vectors.shape}: write the run again with `python -m prod2vec "
                "pipeline`."
            )
        if not (np.isfinite(vectors.vectors).all() and np.isfinite(output_weights).all()):
            raise ModelFileError(
                f"{self.vectors} holds values that are not finite (NaN or infinite): train "
                "again, for example with a lower alpha."
            )
        return vectors, output_weights

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
    is a space.
    """
    vectors = result.model.vectors_
    with atomic_folder(out, overwrite=overwrite) as folder:
        run = RunFolder(folder)
        save_vectors(vectors, run.vectors, result.model.output_weights_)
        save_keyed_vectors(vectors, run.word2vec_text, replace_spaces="_")
        write_projector_files(vectors, run.projector, result.labels)
        write_json_atomic({**metrics_summary(result), "command": command}, run.metrics)
        result.configuration.with_provenance(command=command).save(run.config)
        write_csv_atomic(result.history.reset_index(), run.history)
        if result.sweep_trials is not None:
            write_csv_atomic(result.sweep_trials, run.trials)
        run.report.write_text(markdown_report(result, command))
    return RunFolder(out)
