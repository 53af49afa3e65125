"""The package's shape: a core that never imports the heavy stages, one data boundary."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import prod2vec

SOURCE = Path(prod2vec.__file__).parent
HEAVY = ("ray", "optuna", "umap", "sklearn")


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def core_modules() -> list[str]:
    """Every module of the package but the stage subpackages and ``__main__``."""
    names = []
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if len(parts) == 1 or parts[1] not in ("tune", "explore", "__main__"):
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
    for stage, module in (("tune", "ray"), ("explore", "umap")):
        run = run_python(f"import sys; sys.modules[{module!r}] = None; import prod2vec.{stage}")
        assert run.returncode == 1
        assert f"pip install 'prod2vec[{stage}]'" in run.stderr
        assert run_python(f"import prod2vec.{stage}").returncode == 0  # make setup installs it


def test_online_retail_columns_appear_only_in_its_adapter() -> None:
    columns = re.compile(r"\b(CustomerID|StockCode|InvoiceDate|InvoiceNo|UnitPrice)\b")
    outside = [
        path.relative_to(SOURCE).as_posix()
        for path in SOURCE.rglob("*.py")
        if "online_retail" not in path.parts and columns.search(path.read_text())
    ]
    assert outside == []


def test_one_version_source() -> None:
    assert importlib.metadata.version("prod2vec") == prod2vec.__version__
