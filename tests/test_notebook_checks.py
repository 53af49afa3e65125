"""Recorded notebook figures: tolerances, comparison, and the nbval plugin biting for real."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from prod2vec.models.word2vec.gensim_stderr import _StderrWithoutSpuriousReports
from prod2vec.notebook_checks import (
    EPOCHS,
    EXACT,
    LOSS,
    METRIC,
    MIMETYPE,
    NEIGHBOURS,
    Tolerance,
    compare_records,
    notebook_records,
    record_output,
    recorded_results,
    records_in,
)
from prod2vec.paths import data_dir
from tests.conftest import needs_data

ROOT = Path(__file__).resolve().parents[1]


def display_data(name: str, value: object, tolerance: Tolerance) -> dict:
    return {"output_type": "display_data", "data": record_output(name, value, tolerance)}


@pytest.mark.parametrize(
    ("tolerance", "recorded", "rerun", "accepted"),
    [
        (METRIC, 0.258, 0.2679, True),
        (METRIC, 0.258, 0.2681, False),
        (METRIC, 0.258, 0.2479, False),
        (EPOCHS, 20, 25, True),
        (EPOCHS, 20, 26, False),
        (EPOCHS, 20, 1, False),
        (LOSS, 4_712_094.5, 4_712_107.0, True),
        (LOSS, 4_712_094.5, 4_760_000.0, False),
        (LOSS, 4_712_094.5, 5_615_209.0, False),
        (NEIGHBOURS, list("abcdefgh"), list("abcdefxy"), True),
        (NEIGHBOURS, list("abcdefgh"), list("abcdewxy"), False),
        (NEIGHBOURS, list("abcdefgh"), list("hgfedcba"), True),
        (NEIGHBOURS, list("abcdefgh"), list("abcdefg"), False),
        (EXACT, 4234, 4234, True),
        (EXACT, 4234, 4235, False),
        (EXACT, ["a", "b"], ["b", "a"], False),
        (METRIC, 0.25, "0.25", False),
        (METRIC, 0.25, None, False),
        (NEIGHBOURS, ["a"], "a", False),
        (METRIC, [0.236, 0.290], [0.2449, 0.2801], True),
        (METRIC, [0.236, 0.290], [0.236, 0.301], False),
        (METRIC, [0.236, 0.290], [0.236], False),
        (METRIC, [0.236, 0.290], 0.263, False),
    ],
)
def test_tolerances(tolerance: Tolerance, recorded: object, rerun: object, accepted: bool) -> None:
    assert tolerance.accepts(recorded, rerun) is accepted


def test_tolerance_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="Unknown tolerance kind"):
        Tolerance("roughly", 0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Bad amount"):
        Tolerance("overlap", 1.5)
    with pytest.raises(ValueError, match="Bad amount"):
        Tolerance("absolute", -0.01)


def test_record_output_is_plain_json_of_numpy_and_pandas_values() -> None:
    data = record_output("neighbours", np.array(["85123A", "71053"]), NEIGHBOURS)
    assert data[MIMETYPE] == {
        "name": "neighbours",
        "value": ["85123A", "71053"],
        "tolerance": {"kind": "overlap", "amount": 0.75},
    }
    assert record_output("n", np.int64(20))[MIMETYPE]["value"] == 20
    assert record_output("r", np.float32(0.25), METRIC)[MIMETYPE]["value"] == 0.25
    assert record_output("s", pd.Series([1, 2]))[MIMETYPE]["value"] == [1, 2]
    json.dumps(data)  # what nbformat will write


@pytest.mark.parametrize(
    ("value", "error", "phrase"),
    [
        (float("nan"), ValueError, "non-finite"),
        (np.float64("inf"), ValueError, "non-finite"),
        ({"a": 1}, TypeError, "Cannot record a dict"),
        (object(), TypeError, "Cannot record a object"),
    ],
)
def test_record_output_refuses_what_cannot_be_compared(
    value: object, error: type[Exception], phrase: str
) -> None:
    with pytest.raises(error, match=phrase):
        record_output("x", value)


def test_record_output_needs_a_name() -> None:
    with pytest.raises(ValueError, match="non-empty name"):
        record_output("", 1)


def _notebook_recording(tmp_path: Path, *cells_outputs: list[dict]) -> Path:
    cells = []
    for outputs in cells_outputs:
        cell = nbformat.v4.new_code_cell("", execution_count=1)
        cell.outputs = [
            nbformat.v4.new_output("display_data", data=output["data"]) for output in outputs
        ]
        cells.append(cell)
    notebook = tmp_path / "recorded.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), notebook)
    return notebook


def test_recorded_results_read_back_what_record_results_recorded(tmp_path: Path) -> None:
    results = pd.DataFrame(
        {
            "model": ["MostPopular", "MostPopular", "Word2Vec", "Word2Vec"],
            "metric": ["Recall@10", "MRR@10", "Recall@10", "MRR@10"],
            "value": [0.043, 0.0169, 0.276, 0.142],
            "ci_low": [0.031, 0.011, 0.248, 0.124],
            "ci_high": [0.056, 0.024, 0.303, 0.160],
        }
    )
    outputs = [
        display_data(name, value, METRIC)
        for row in results.itertuples()
        for name, value in [
            (f"{row.metric}: {row.model}", row.value),
            (f"{row.metric} 95% interval: {row.model}", [row.ci_low, row.ci_high]),
        ]
    ]
    other = [display_data("best epoch", 20, EPOCHS)]
    notebook = _notebook_recording(tmp_path, other, outputs)

    records = notebook_records(notebook)
    assert records["best epoch"] == 20
    pd.testing.assert_frame_equal(recorded_results(records), results)


def test_notebook_records_refuse_a_name_recorded_twice(tmp_path: Path) -> None:
    twice = [display_data("best epoch", 20, EPOCHS)]
    with pytest.raises(ValueError, match="'best epoch' is recorded twice"):
        notebook_records(_notebook_recording(tmp_path, twice, twice))
    with pytest.raises(ValueError, match="never called record_results"):
        recorded_results({"best epoch": 20})


def test_compare_records_names_every_problem() -> None:
    recorded = [
        {"output_type": "stream", "name": "stdout", "text": "hello\n"},
        display_data("best epoch", 20, EPOCHS),
        display_data("Recall@10", 0.258, METRIC),
        display_data("dropped", 1, EXACT),
    ]
    rerun = [
        display_data("best epoch", 24, EPOCHS),
        display_data("Recall@10", 0.20, METRIC),
        display_data("added", 2, EXACT),
    ]
    problems = compare_records(recorded, rerun)
    assert problems == [
        "'dropped' is no longer recorded",
        "'added' is new: re-run the notebook",
        "'Recall@10': recorded 0.258, rerun gave 0.2; they must agree within 0.01",
    ]
    assert compare_records(recorded[:3], recorded[:3]) == []
    assert [item.name for item in records_in(recorded)] == ["best epoch", "Recall@10", "dropped"]


def test_the_reruns_tolerance_applies() -> None:
    """A tolerance changed in the code takes effect without re-recording the notebook."""
    recorded = [display_data("loss", 100.0, EXACT)]
    assert compare_records(recorded, [display_data("loss", 100.5, LOSS)]) == []
    assert compare_records(recorded, [display_data("loss", 100.5, EXACT)]) != []


REPORT = "Exception ignored in: 'gensim.models.word2vec_inner.our_dot_float'"


def test_stderr_filter_drops_gensims_spurious_report_written_in_pieces() -> None:
    sink = io.StringIO()
    stderr = _StderrWithoutSpuriousReports(sink)
    stderr.write("before\n")
    for piece in ("Exception ignored in: ", "'gensim.models.word2vec_inner.our_dot_float'", "\n"):
        stderr.write(piece)
    stderr.write(REPORT.replace("float", "double") + "\nafter\n")
    stderr.release()
    assert sink.getvalue() == "before\nafter\n"


def test_stderr_filter_forwards_everything_else_at_once() -> None:
    sink = io.StringIO()
    stderr = _StderrWithoutSpuriousReports(sink)
    stderr.write("progress 10%")
    assert sink.getvalue() == "progress 10%"
    stderr.write("\rprogress 20%\nException ignored in: <function f at 0x1>\nTraceback...\n")
    assert sink.getvalue().endswith("Exception ignored in: <function f at 0x1>\nTraceback...\n")
    stderr.write("Exception ignored in: ")  # held: it may still become Gensim's report
    assert sink.getvalue().endswith("Traceback...\n")
    stderr.release()
    assert sink.getvalue().endswith("Exception ignored in: ")


def run_nbval(notebook: Path, environment: dict[str, str]) -> subprocess.CompletedProcess:
    """pytest --nbval on one notebook, with this project's plugin, in a fresh interpreter."""
    command = [sys.executable, "-m", "pytest", "-p", "tests.notebook_plugin", "--nbval"]
    command += ["--nbval-current-env", "-p", "no:cacheprovider", "-q", "-rf"]
    command += ["--rootdir", str(notebook.parent), "-c", os.devnull, str(notebook)]
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, **environment}
    )


def test_nbval_checks_records_within_their_tolerance(tmp_path: Path) -> None:
    """Through nbval: a record within its tolerance passes; beyond it fails and says why."""
    source = (
        "import os\n"
        "from prod2vec.notebook_checks import METRIC, record\n"
        "print('exact text')\n"
        "record('validation Recall@10', float(os.environ['FIGURE']), METRIC)"
    )
    cell = nbformat.v4.new_code_cell(source, execution_count=1)
    cell.metadata["tags"] = []
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="exact text\n"),
        nbformat.v4.new_output(
            "display_data", data=record_output("validation Recall@10", 0.25, METRIC)
        ),
    ]
    notebook = tmp_path / "tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), notebook)

    close = run_nbval(notebook, {"FIGURE": "0.257"})
    assert close.returncode == 0, close.stdout + close.stderr
    assert "1 passed" in close.stdout

    far = run_nbval(notebook, {"FIGURE": "0.3"})
    assert far.returncode == 1
    assert "Recorded figures differ beyond their tolerances" in far.stdout
    assert "'validation Recall@10': recorded 0.25, rerun gave 0.3" in far.stdout
    assert "within 0.01" in far.stdout


#: notebook 03's cells that the early-stopped training's figures need, found by their code
NOTEBOOK_03_CELLS = {
    "setup": "data = prepare_sessions()",
    "training": "Word2VecRecommender(\n    DEFAULT_PARAMS,",
    "figure": "plot_training_history(",
    "neighbours": "neighbours = early_stopped.recommend(",
}


def _early_stopping_cells_of_notebook_03() -> list[nbformat.NotebookNode]:
    """Notebook 03's own cells, with their committed outputs, that train the early-stopped
    Word2Vec and check its figures: the data, the training, its figure, its neighbours, and
    the checks cell cut to the records of that training (the plain Gensim loop, the other
    models and the results table are left out: they cost most of the notebook's time)."""
    notebook = nbformat.read(ROOT / "notebooks" / "03_word2vec_early_stopping.ipynb", 4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    cells = []
    for role, marker in NOTEBOOK_03_CELLS.items():
        found = [cell for cell in code if marker in cell.source]
        assert len(found) == 1, f"notebook 03's {role} cell was not found"
        cells += found
    checks = [cell for cell in code if "checks" in cell.metadata.get("tags", [])]
    assert len(checks) == 1, "notebook 03's checks cell was not found"
    left_out = r"\b(recall|results)\b"  # made by the cells left out
    kept_lines = [
        line
        for line in checks[0].source.splitlines()
        if not (line.startswith("record") and re.search(left_out, re.sub(r'"[^"]*"', "", line)))
    ]
    kept_names = set(re.findall(r'^record\("([^"]+)"', "\n".join(kept_lines), re.M))
    checks[0].source = "\n".join(kept_lines)
    checks[0].outputs = [
        output for output in checks[0].outputs if records_in([output])[0].name in kept_names
    ]
    assert {item.name for item in records_in(checks[0].outputs)} == kept_names
    assert {"epochs run", "best epoch", "best validation Recall@10"} <= kept_names
    return [*cells, checks[0]]


@needs_data
def test_a_deliberately_worse_notebook_03_fails_its_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Word2Vec trained for one epoch instead of up to 30: the training figures must fail.

    The notebook is notebook 03's early-stopping cells with their committed outputs and
    records, run from a copy in a project folder of its own (its figures are written there,
    never in the checkout); the data cache is the checkout's. Only the checks cell may fail,
    and only on its records: every exact output still matches.
    """
    cells = _early_stopping_cells_of_notebook_03()
    training = NOTEBOOK_03_CELLS["training"]
    worse = 'Word2VecRecommender(\n    {**DEFAULT_PARAMS, "epochs": 1},'
    cells[1].source = cells[1].source.replace(training, worse)
    assert worse in cells[1].source

    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    copy = project / "notebooks" / "03_worse.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), copy)
    monkeypatch.delenv("PROD2VEC_IMAGES_DIR", raising=False)  # figures go to its project
    environment = {
        "PROD2VEC_PROJECT_DIR": str(project),
        "PROD2VEC_DATA_DIR": str(data_dir()),
        "PYTHONHASHSEED": "0",
    }
    run = run_nbval(copy, environment)

    assert run.returncode == 1, run.stdout[-3000:]
    failed = {int(number) for number in re.findall(r"^FAILED .*::Cell (\d+)", run.stdout, re.M)}
    assert failed == {len(cells) - 1}, run.stdout[-3000:]  # the checks cell, and only it
    assert "Cell outputs differ" not in run.stdout  # the exact outputs still match
    assert "Recorded figures differ beyond their tolerances" in run.stdout
    for phrase in (
        "'epochs run': recorded 25, rerun gave 1",
        "'best epoch': recorded 20, rerun gave 1",
    ):
        assert phrase in run.stdout, run.stdout[-3000:]
    metric = r"'best validation Recall@10': recorded [\d.]+, rerun gave [\d.]+; .* within 0.01"
    assert re.search(metric, run.stdout), run.stdout[-3000:]
    assert [path.name for path in (project / "images").iterdir()] == ["word2vec_training.png"]
