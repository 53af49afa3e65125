from __future__ import annotations

from pathlib import Path

import pytest

from prod2vec.cli import main
from prod2vec.online_retail import DataDownloadError
from tests.test_online_retail_source import uci_style_zip


def test_data_command_downloads_and_caches(tmp_path: Path, http_server, capsys) -> None:
    http_server.routes["/retail.zip"] = uci_style_zip()
    code = main(["data", "--data-dir", str(tmp_path), "--url", http_server.url + "/retail.zip"])
    assert code == 0
    assert "4 rows" in capsys.readouterr().out
    assert (tmp_path / "online_retail.parquet").is_file()


def test_data_command_reports_failure(tmp_path: Path, http_server, capsys) -> None:
    url = http_server.url + "/missing.zip"
    code = main(["data", "--data-dir", str(tmp_path), "--url", url, "--retries", "1", "--quiet"])
    assert code == 1
    assert "by hand" in capsys.readouterr().err


def test_a_command_is_required() -> None:
    with pytest.raises(SystemExit):
        main([])


def test_debug_shows_the_traceback_instead_of_one_line(tmp_path: Path, http_server) -> None:
    url = http_server.url + "/missing.zip"
    arguments = ["data", "--data-dir", str(tmp_path), "--url", url, "--retries", "1", "--quiet"]
    with pytest.raises(DataDownloadError, match="after 1 attempts"):
        main(["--debug", *arguments])


@pytest.mark.parametrize("ladder", [[], ["--ladder"]])
def test_seeds_checks_its_config_and_output_before_any_training(
    tmp_path: Path, capsys, ladder: list[str]
) -> None:
    config = tmp_path / "best.json"
    config.write_text('{"word2vec": {"vector_size": 8, "epochs": 3}, "scoring": "input-input"}')
    assert main(["seeds", "--config", str(config), *ladder]) == 1
    assert "has no best_epoch" in capsys.readouterr().err
    config.write_text(
        '{"word2vec": {"vector_size": 8, "epochs": 3}, "scoring": "input-input", "best_epoch": 2}'
    )
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    assert main(["seeds", "--config", str(config), "--output", str(taken), *ladder]) == 1
    error = capsys.readouterr().err
    assert "it is a file" in error and "--output" in error and error.count("\n") == 1
