"""The benchmarks run, on small sizes, and their two implementations agree; results record
what they were measured on, and ``benchmarks/stale.py`` tells which no longer describe the code."""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from prod2vec.online_retail.reference_protocol import prepare_sessions
from tests.conftest import needs_data

ROOT = Path(__file__).resolve().parents[1]


def git(root: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()


def same_figures(result: dict, committed: dict) -> bool:
    """Whether a fresh result has the committed result's figures (provenance aside)."""
    return result.keys() - {"provenance"} == committed.keys() - {"provenance"}


def run_benchmark(script: str, *args: str, output: Path) -> dict:
    command = [sys.executable, str(ROOT / "benchmarks" / script), *args, "--output", str(output)]
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    subprocess.run(command, check=True, capture_output=True, text=True, env=environment)
    return json.loads(output.read_text())


@needs_data
def test_baselines_benchmark_on_a_subset(tmp_path: Path) -> None:
    result = run_benchmark("bench_baselines.py", "--sessions", "300", output=tmp_path / "b.json")
    assert result["command"].endswith(
        "bench_baselines.py --sessions 300 --output " + str(tmp_path / "b.json")
    )
    train = prepare_sessions().split.train[:300]
    assert result["ordered_pairs"] == sum(len(s) * (len(s) - 1) for s in train)
    assert abs(result["project_recall_at_10"] - result["yardstick_recall_at_10"]) <= 0.005
    assert "src/prod2vec/models/baselines.py" in result["provenance"]["sources"]
    committed = json.loads((ROOT / "benchmarks/results/bench_baselines.json").read_text())
    assert same_figures(result, committed), "the committed results no longer match the script"


@needs_data
def test_epoch_evaluation_benchmark_agrees_with_the_original_callback(tmp_path: Path) -> None:
    result = run_benchmark("bench_epoch_eval.py", "--epochs", "2", output=tmp_path / "e.json")
    assert result["final_recall_original_callback"] == result["final_recall_project_callback"]
    committed = json.loads((ROOT / "benchmarks/results/bench_epoch_eval.json").read_text())
    assert same_figures(result, committed), "the committed results no longer match the script"


def test_enlargement_resamples_whole_customers() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_scale import enlarge

    raw = pd.DataFrame(
        {"CustomerID": [1.0, 1.0, 2.0, None, 3.0, 3.0, 3.0], "StockCode": list("abcdefg")}
    )
    for scale in (1, 4):
        big = enlarge(raw, scale, seed=1)
        known = big[big["CustomerID"].notna()]
        assert len(known) >= 6 * scale and big["CustomerID"].isna().sum() == scale
        # every new customer is a copy of one original customer's rows, in order
        originals = {tuple(rows) for rows in raw.groupby("CustomerID")["StockCode"].agg(list)}
        copies = known.groupby("CustomerID", sort=False)["StockCode"].agg(tuple)
        assert set(copies) <= originals and copies.index.min() >= 100_000


@pytest.fixture
def benchmarks(monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, ModuleType]:
    """``benchmarks/common.py`` and ``benchmarks/stale.py``, imported as the scripts do."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    return importlib.import_module("common"), importlib.import_module("stale")


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A git repository with one commit: ``bench.py`` and ``pkg/a.py``."""
    root = tmp_path / "repository"
    (root / "pkg").mkdir(parents=True)
    (root / "bench.py").write_text("print('measuring')\n")
    (root / "pkg" / "a.py").write_text("A = 1\n")
    git(root, "init", "--quiet")
    git(root, "add", ".")
    git(root, "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-qm", "one")
    return root


def test_report_writes_the_provenance_of_a_result(
    benchmarks: tuple[ModuleType, ModuleType], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    common, _ = benchmarks
    monkeypatch.setattr(common, "RESULTS_DIR", tmp_path)
    output = common.RESULTS_DIR / "bench_fake.json"
    depends_on = ("benchmarks/common.py", "src/prod2vec/data/")
    common.report({"seconds": 1.5}, output, depends_on)

    written = json.loads(output.read_text())
    provenance = written.pop("provenance")
    assert written == {"seconds": 1.5}
    assert provenance["commit"] == git(ROOT, "rev-parse", "HEAD")
    assert provenance["command"].startswith("python ")
    assert provenance["machine"] == common.machine()
    assert provenance["depends_on"] == list(depends_on)
    sources = provenance["sources"]
    tracked = git(ROOT, "ls-files", "src/prod2vec/data").split()
    assert {"benchmarks/common.py", *tracked} <= sources.keys()
    assert all(path.endswith(".py") and len(blob) == 40 for path, blob in sources.items())
    this_common = git(ROOT, "hash-object", "benchmarks/common.py")
    assert sources["benchmarks/common.py"] == this_common
    committed_common = git(ROOT, "rev-parse", "HEAD:benchmarks/common.py")
    assert ("benchmarks/common.py" in provenance["dirty"]) == (this_common != committed_common)
    assert set(provenance["dirty"]) <= sources.keys()


def test_provenance_without_git_says_so(
    benchmarks: tuple[ModuleType, ModuleType], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    common, stale = benchmarks
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    provenance = common.provenance(["bench.py"], root=tmp_path)
    assert "not a git repository" in provenance["git_unavailable"]
    assert "sources" not in provenance and provenance["depends_on"] == ["bench.py"]
    (tmp_path / "result.json").write_text(json.dumps({"provenance": provenance}))
    status, detail = stale.classify(tmp_path / "result.json", tmp_path)
    assert status == "no provenance" and detail.startswith("git was unavailable")


def test_stale_tells_fresh_stale_and_unrecorded_results_apart(
    benchmarks: tuple[ModuleType, ModuleType], repository: Path, capsys: pytest.CaptureFixture
) -> None:
    common, stale = benchmarks
    results = repository / "results"
    results.mkdir()

    def measure(name: str) -> Path:
        provenance = common.provenance(("bench.py", "pkg/"), root=repository)
        (results / name).write_text(json.dumps({"seconds": 1.0, "provenance": provenance}))
        return results / name

    first = measure("first.json")
    (results / "old.json").write_text(json.dumps({"seconds": 2.0}))
    commit = git(repository, "rev-parse", "HEAD")
    assert stale.classify(first, repository) == ("fresh", f"measured at {commit[:12]}")
    assert stale.classify(results / "old.json", repository)[0] == "no provenance"

    (repository / "pkg" / "a.py").write_text("A = 2\n")
    second = measure("second.json")
    assert json.loads(second.read_text())["provenance"]["dirty"] == ["pkg/a.py"]
    assert stale.classify(second, repository) == (
        "fresh",
        f"measured at {commit[:12]} with uncommitted changes in pkg/a.py",
    )
    assert stale.classify(first, repository) == ("stale", "changed: pkg/a.py")

    (repository / "bench.py").unlink()
    (repository / "pkg" / "b.py").write_text("B = 1\n")
    assert stale.classify(second, repository) == ("stale", "missing: bench.py; new: pkg/b.py")

    (repository / "bench.py").write_text("print('measuring')\n")
    (repository / "pkg" / "b.py").unlink()
    assert stale.classify(second, repository)[0] == "fresh"  # content, not history, decides
    arguments = ["--results", str(results), "--root", str(repository)]
    capsys.readouterr()
    assert stale.main(arguments) == 0
    assert capsys.readouterr().out.splitlines() == [
        "first.json: stale (changed: pkg/a.py)",
        "old.json: no provenance (written before results recorded their sources)",
        f"second.json: fresh (measured at {commit[:12]} with uncommitted changes in pkg/a.py)",
    ]
    assert stale.main([*arguments, "--strict"]) == 1


def test_stale_lists_the_committed_results_and_exits_0() -> None:
    command = [sys.executable, str(ROOT / "benchmarks" / "stale.py")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    listed = [line.split(":")[0] for line in done.stdout.splitlines()]
    assert listed == sorted(path.name for path in (ROOT / "benchmarks/results").glob("*.json"))


def module_file(module: str) -> Path:
    """The source file of a ``prod2vec`` module: a package's ``__init__.py`` or a ``.py``."""
    path = ROOT / "src" / Path(*module.split("."))
    return path / "__init__.py" if (path / "__init__.py").is_file() else path.with_suffix(".py")


@pytest.mark.parametrize(
    "script", sorted(path.name for path in (ROOT / "benchmarks").glob("bench_*.py"))
)
def test_every_benchmark_declares_the_files_it_measures(
    benchmarks: tuple[ModuleType, ModuleType], script: str
) -> None:
    common, _ = benchmarks
    tree = ast.parse((ROOT / "benchmarks" / script).read_text())
    (depends_on,) = (
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "DEPENDS_ON"
    )
    assert {f"benchmarks/{script}", "benchmarks/common.py"} <= set(depends_on)
    assert [path for path in depends_on if not (ROOT / path).exists()] == []
    covered = set(common.dependency_files(depends_on))
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("prod2vec.")
    }
    assert imported, "the benchmark measures nothing of the package?"
    uncovered = {
        module
        for module in imported
        if module_file(module).relative_to(ROOT).as_posix() not in covered
    }
    assert uncovered == set(), "imported but not declared in DEPENDS_ON"
