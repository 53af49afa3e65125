"""Progress of a long run, said as it happens: each stage's start and time, each epoch's score."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from prod2vec.evaluation.metrics import metric_label
from prod2vec.models.callbacks import MetricLogger


@dataclass
class Stages:
    """Seconds spent per stage, said as each one ends (to ``stream``, or nowhere)."""

    # sys.stderr as it is when the Stages is made (a test may have replaced it since import)
    stream: TextIO | None = field(default_factory=lambda: sys.stderr)
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the stage ``name``, saying when it starts and how long it took."""
        self.say(f"{name} ...")
        started = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - started, 2)
        self.say(f"{name}: done in {self.seconds[name]:.1f} s")

    def say(self, text: str) -> None:
        """Write one line of progress."""
        if self.stream is not None:
            # one write with its newline: print() writes them apart, and a Ctrl-C between the
            # two would glue the interruption message onto this line
            self.stream.write(f"{text}\n")
            self.stream.flush()

    def step(self, text: str) -> None:
        """Write one line of progress within the current stage (indented under it).

        Pass it as the ``say`` of library functions that report their steps, such as
        :func:`prod2vec.evaluation.selection.fit_baselines`.
        """
        self.say(f"  {text}")


class EpochProgress(CallbackAny2Vec):
    """Says each epoch's validation Recall@K as it ends (put it after its MetricLogger)."""

    def __init__(self, metrics: MetricLogger, stages: Stages) -> None:
        self.metrics = metrics
        self.stages = stages

    def on_epoch_end(self, model: Word2Vec) -> None:
        latest = self.metrics.rows[-1]
        recall = metric_label("recall", self.metrics.k)
        self.stages.say(f"  epoch {latest['epoch']}: validation {recall} {latest[recall]:.3f}")
