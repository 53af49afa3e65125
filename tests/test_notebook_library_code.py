"""The notebooks teach the libraries themselves, not only the package that wraps them.

A reader who came to learn Word2Vec for products and Ray Tune must find, in a code cell they can
copy, Gensim's ``Word2Vec`` and a ``CallbackAny2Vec`` subclass (notebook 03), and a
``tune.Tuner`` with a ``TuneConfig``, an ``ASHAScheduler`` and its ``ResultGrid`` read
(notebook 04). The committed notebooks are read as JSON, not run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _code(notebook: str) -> str:
    """The source of every code cell of a committed notebook, joined."""
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")


def test_notebook_03_trains_word2vec_with_plain_gensim() -> None:
    code = _code("03_word2vec_early_stopping.ipynb")
    assert re.search(r"^(from gensim[.\w]* import|import gensim)", code, re.MULTILINE)
    assert "Word2Vec(" in code
    assert re.search(r"^class \w+\(CallbackAny2Vec\):", code, re.MULTILINE)
    assert re.search(r"\.train\([^)]*start_alpha=[^)]*end_alpha=", code), "no per-epoch train()"


def test_notebook_04_runs_ray_tune_with_asha_and_reads_its_result_grid() -> None:
    code = _code("04_tune_with_ray.ipynb")
    assert re.search(r"^(from ray[.\w]* import|import ray)", code, re.MULTILINE)
    for shown in ("tune.Tuner(", "TuneConfig(", "ASHAScheduler(", "tune.report(", ".fit()"):
        assert shown in code, f"notebook 04 shows no {shown}"
    assert ".get_best_result(" in code and ".get_dataframe(" in code, "the ResultGrid is not read"
