"""The package's shape: stages, a core that never imports the heavy ones, one data boundary."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import prod2vec
from prod2vec.data.interactions import ITEM, TIME, USER
from prod2vec.online_retail import to_interactions
from prod2vec.online_retail.explore_settings import STOP_WORDS
from prod2vec.online_retail.source import SCHEMA

SOURCE = Path(prod2vec.__file__).parent
HEAVY = ("ray", "optuna", "umap", "sklearn", "flask")


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def core_modules() -> list[str]:
    """Every module of the package but the stage subpackages and ``__main__``."""
    names = []
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if len(parts) == 1 or parts[1] not in ("tune", "explore", "app", "__main__"):
            names.append(".".join(parts))
    return names


def test_the_core_never_imports_the_heavy_stages() -> None:
    modules = core_modules()
    assert "prod2vec.online_retail.source" in modules and "prod2vec.tune" not in modules
    code = f"""
import importlib, sys
for name in {modules!r}:
    importlib.import_module(name)
print(sorted(name for name in {HEAVY!r} if name in sys.modules))
"""
    run = run_python(code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_stage_subpackages_say_which_extra_they_need() -> None:
    for stage, module in (("tune", "ray"), ("explore", "umap"), ("app", "flask")):
        run = run_python(f"import sys; sys.modules[{module!r}] = None; import prod2vec.{stage}")
        assert run.returncode == 1
        assert f"pip install 'prod2vec[{stage}]'" in run.stderr
        assert run_python(f"import prod2vec.{stage}").returncode == 0  # make setup installs it


#: Online Retail's raw columns and the adapter's extra columns, in any spelling, as names: the
#: raw table's anywhere, the others quoted, in backticks, as an attribute or a keyword
ONLINE_RETAIL_NAMES = re.compile(
    r"""\b(CustomerID|StockCode|InvoiceDate|InvoiceNo|UnitPrice)\b
    | (?i:\b(customer_id|stock_code|invoice_date|invoice_no|unit_price)\b)
    | ["'`.](?i:quantity|unit_?price|price|country|invoice(?:_?no)?)\b
    | \b(?i:quantity|unit_?price|country|invoice)\s*=(?!=)
    | ["'`]Description["'`] | \bDescription\s*=(?!=)""",
    re.VERBOSE,
)
#: the only modules outside ``online_retail`` that may import it: the entry points
ONLINE_RETAIL_IMPORTERS = {"prod2vec.cli", "prod2vec.pipeline"}
#: the stage subpackages, and the few modules beside them
STAGES = {
    "data", "models", "evaluation", "outputs", "online_retail", "search", "tune", "explore", "app",
}  # fmt: skip
TOP_LEVEL = {
    "__init__", "__main__", "cli", "pipeline", "serving", "plots", "progress",
    "configuration", "defaults", "errors", "extras", "paths", "provenance", "notebook_checks",
    "cml_jobs",
}  # fmt: skip


def outside_online_retail() -> dict[str, Path]:
    """Every module but ``online_retail``'s, by dotted name."""
    modules = {}
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE.parent).with_suffix("").parts
        if "online_retail" not in parts:
            modules[".".join(parts)] = path
    return modules


def imported_modules(name: str, path: Path) -> set[str]:
    """The modules ``path`` imports anywhere in it (``from a import b``: ``a`` and ``a.b``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            imported.add(module)
            imported.update(f"{module}.{alias.name}" for alias in node.names)
    return imported


def test_online_retail_names_appear_only_in_its_adapter() -> None:
    leaks = {
        name: sorted({match.group(0) for match in ONLINE_RETAIL_NAMES.finditer(path.read_text())})
        for name, path in outside_online_retail().items()
    }
    assert {name: found for name, found in leaks.items() if found} == {}


def test_the_names_check_catches_every_column_the_adapter_reads_or_writes(transactions) -> None:
    written = to_interactions(transactions.dropna(subset=["CustomerID"])).columns
    for column in [*SCHEMA, *written.difference([USER, ITEM, TIME])]:
        assert ONLINE_RETAIL_NAMES.search(f'frame["{column}"]'), column
        assert ONLINE_RETAIL_NAMES.search(f"frame.assign({column}=1)"), column
    assert not ONLINE_RETAIL_NAMES.search('labels["description"]; a price, per country')


def test_online_retail_stop_words_appear_only_in_its_adapter() -> None:
    leaks = {}
    for name, path in outside_online_retail().items():
        strings = {
            node.value
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
        if found := strings & STOP_WORDS:
            leaks[name] = sorted(found)
    assert leaks == {}


def test_only_the_entry_points_import_online_retail() -> None:
    importers = {
        name
        for name, path in outside_online_retail().items()
        if any(
            module == "prod2vec.online_retail" or module.startswith("prod2vec.online_retail.")
            for module in imported_modules(name, path)
        )
    }
    assert importers <= ONLINE_RETAIL_IMPORTERS


def test_every_module_is_in_a_stage_or_one_of_the_few_beside_them() -> None:
    misplaced = []
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE).with_suffix("").parts
        if (len(parts) == 1 and parts[0] not in TOP_LEVEL) or (
            len(parts) > 1 and parts[0] not in STAGES
        ):
            misplaced.append("/".join(parts))
    assert misplaced == []
    assert {path.name for path in SOURCE.iterdir() if (path / "__init__.py").is_file()} == STAGES


def test_one_version_source() -> None:
    assert importlib.metadata.version("prod2vec") == prod2vec.__version__
