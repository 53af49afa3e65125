"""The project's promises: consistent dependency lists, synced notebooks, README commands."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

from prod2vec.notebook_checks import records_in

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11; environment.yml pins 3.11

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# pip name -> conda-forge name where they differ
CONDA_NAMES = {"ray[tune]": "ray-tune", "ray[client]": "ray-client"}


def _requirement(spec: str) -> tuple[str, str]:
    name, version = re.match(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*(.*)$", spec).groups()
    name = name.lower()
    return CONDA_NAMES.get(name, name), version.replace(" ", "")


def test_environment_yml_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert sorted(extras) == ["app", "dev", "docs", "explore", "tune"]
    pip_side = dict(map(_requirement, project["dependencies"] + sum(extras.values(), [])))
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_entries = [entry for entry in environment["dependencies"] if isinstance(entry, str)]
    conda_side = dict(map(_requirement, conda_entries))
    assert conda_side.pop("python") == "=3.11"
    assert conda_side.pop("pip") == ""
    assert environment["channels"] == ["conda-forge"]
    assert {"pip": ["-e .[dev,tune,explore,docs,app]"]} in environment["dependencies"]
    assert sorted(set(pip_side) - set(conda_side)) == [], "missing from environment.yml"
    assert sorted(set(conda_side) - set(pip_side)) == [], "missing from pyproject.toml"
    assert pip_side == conda_side, "version bounds differ"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_pairs_are_in_sync(notebook: Path) -> None:
    """The .py is exactly what Jupytext writes for the .ipynb: same cells, same text."""
    script = notebook.with_suffix(".py")
    assert script.is_file(), f"{notebook.name} has no paired {script.name}: run `make sync`"
    expected = jupytext.writes(jupytext.read(notebook), fmt="py:percent")
    assert script.read_text() == expected, f"{notebook.name} and {script.name} differ: `make sync`"


def _names(source: str) -> tuple[set[str], set[str], dict[str, set[str]], set[str]]:
    """Names a cell assigns, names it reads, the names read by each function it defines, and
    the names its imports bind (IPython magics aside, every cell here is plain Python)."""
    tree = ast.parse(source)
    assigned, read, imported = set(), set(), set()
    functions = {
        node.name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (assigned if isinstance(node.ctx, ast.Store) else read).add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            imported |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return assigned | set(functions), read, functions, imported


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_outputs_nbval_does_not_compare_are_checked_by_records(notebook: Path) -> None:
    """What nbval does not compare, the notebook's checks cell records, and only it records.

    A cell tagged nbval-ignore-output (unless it only reports wall time, tagged ``timing``)
    must share a name with the last cell, tagged ``checks``, which records the key figures
    with their tolerances: a value the cell computed or showed, or one a function it calls
    reads. That keeps the notebook checks honest on any CPU (an output is either compared
    exactly or checked within a stated tolerance, never simply ignored) while the records stay
    out of the story: no other cell records anything.
    """
    cells = [
        cell for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code"
    ]
    assert not any("NBVAL_" in cell.source for cell in cells), "use cell tags, not comments"
    checks = [cell for cell in cells if "checks" in cell.metadata.get("tags", [])]
    for number, cell in enumerate(cells):
        if cell not in checks:
            assert not records_in(cell.outputs) and "record(" not in cell.source, (
                f"{notebook.name} cell {number} records: move its record() to the checks cell"
            )
    ignored = [
        (number, cell)
        for number, cell in enumerate(cells)
        if "nbval-ignore-output" in cell.metadata.get("tags", [])
        and "timing" not in cell.metadata.get("tags", [])
    ]
    if not ignored:
        return
    assert checks == cells[-1:] and records_in(checks[0].outputs), (
        f"{notebook.name} ignores outputs but does not end with a 'checks' cell that records"
    )
    _, checked, _, _ = _names(checks[0].source)
    functions: dict[str, set[str]] = {}
    imported: set[str] = set()
    for cell in cells:
        _, _, defined, binds = _names(cell.source)
        functions |= defined
        imported |= binds
    for number, cell in ignored:
        assigned, read, _, _ = _names(cell.source)
        reached = assigned | read | set().union(*(functions.get(name, set()) for name in read))
        assert (reached - imported) & checked, (
            f"{notebook.name} cell {number} is ignored by nbval and the checks cell records none "
            "of its values: record() its key figures there, with a tolerance, or tag the cell "
            "'timing' if it only reports how long something took"
        )
    for cell in cells:
        if "timing" in cell.metadata.get("tags", []):
            assert "nbval-ignore-output" in cell.metadata.get("tags", [])


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebooks_are_committed_executed_top_to_bottom(notebook: Path) -> None:
    """Every code cell ran, in order, in one fresh kernel; the last cell shows its result."""
    cells = nbformat.read(notebook, as_version=4).cells
    counts = [cell.execution_count for cell in cells if cell.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{notebook.name} was not run top to bottom in a fresh kernel: run `make tutorial`"
    )
    last = [cell for cell in cells if cell.cell_type == "code"][-1]
    assert last.outputs, f"{notebook.name}'s last code cell has no output"


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 3


def test_readme_commands_are_make_targets_and_ci_runs_the_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for command in ("make tutorial", "make test"):
        assert command in readme
        assert re.search(rf"^{command.split()[1]}:", makefile, re.MULTILINE)
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^(time )?make test$", ci, re.MULTILINE)


@pytest.mark.parametrize("root", ["notebooks", "."])
def test_jupyterlab_pairs_the_notebooks_whatever_its_root(root: str) -> None:
    """`make lab` serves notebooks/: Jupytext must find its configuration from there too."""
    from jupytext.sync_contentsmanager import TextFileContentsManager

    manager = TextFileContentsManager(root_dir=str(ROOT / root))
    folder = "" if root == "notebooks" else "notebooks/"
    for notebook in NOTEBOOKS:
        path = folder + notebook.name
        assert manager.get_config(path).formats == ["ipynb,py:percent"]
        script = manager.get(path.replace(".ipynb", ".py"), content=True)["content"]
        assert any(cell.get("outputs") for cell in script.cells), "the .py opens without outputs"
