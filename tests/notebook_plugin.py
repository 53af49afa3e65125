"""Pytest plugin: check the figures notebooks record, in the same run as nbval's exact checks.

nbval executes every code cell and compares its outputs with the committed ones, exactly (cells
tagged ``nbval-ignore-output`` excepted). This plugin adds, for every cell, the comparison of
the figures it recorded with :func:`prod2vec.notebook_checks.record` against the committed
records, within each record's tolerance (:func:`prod2vec.notebook_checks.compare_records`).
Records are left out of nbval's exact comparison. Loaded by the project's root ``conftest.py``;
elsewhere: ``pytest -p tests.notebook_plugin --nbval ...``.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest
from nbval.plugin import IPyNbCell

from prod2vec.notebook_checks import MIMETYPE, compare_records


def pytest_itemcollected(item: pytest.Item) -> None:
    if isinstance(item, IPyNbCell) and MIMETYPE not in item.parent.skip_compare:
        item.parent.skip_compare = (*item.parent.skip_compare, MIMETYPE)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    result = yield  # nbval runs the cell and makes its exact comparison
    executed = isinstance(item, IPyNbCell) and item.test_outputs is not None
    if executed and item.cell.execution_count is not None:
        problems = compare_records(item.cell.outputs, item.test_outputs)
        if problems:
            item.raise_cell_error(
                "Recorded figures differ beyond their tolerances", "\n".join(problems)
            )
    return result
