"""The CML prototype: `.project-metadata.yaml` is well-formed, its tasks refer to what exists,
and the endpoint script answers outside CML (where `cml` does not exist)."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest
import yaml

from prod2vec.cli import main
from tests.synthetic import shopping_events, write_csv

ROOT = Path(__file__).resolve().parents[1]
METADATA = ROOT / ".project-metadata.yaml"
TASK_TYPES = {
    "create_job", "run_job", "run_session", "create_model", "build_model", "deploy_model",
    "start_application",
}  # fmt: skip
CREATES = {"create_job": "run_job", "create_model": "build_model"}


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load(METADATA.read_text())


def test_the_top_level_keys(spec: dict) -> None:
    for key in ("name", "description", "author", "specification_version", "prototype_version",
                "date", "runtimes", "tasks"):  # fmt: skip
        assert key in spec, key
    assert not {"api_version", "engine_images"} & set(spec)  # legacy keys
    assert spec["specification_version"] == 1.0
    assert isinstance(spec["date"], str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", spec["date"])
    (runtime,) = spec["runtimes"]
    assert runtime["editor"] == "JupyterLab" and runtime["edition"] == "Standard"
    version = re.fullmatch(r"Python (\d+)\.(\d+)", runtime["kernel"])
    assert version and (int(version[1]), int(version[2])) >= (3, 10)


def test_environment_defaults_are_quoted_strings(spec: dict) -> None:
    raw = METADATA.read_text()
    for name, variable in spec["environment_variables"].items():
        assert isinstance(variable["default"], str), name  # an unquoted true/false fails launch
        assert variable["description"]
    assert not re.search(r"default:\s*(true|false|yes|no|on|off)\s*$", raw, re.I | re.M)


def test_tasks_refer_to_what_exists_and_was_created_before(spec: dict) -> None:
    created: dict[str, str] = {}
    for task in spec["tasks"]:
        kind = task["type"]
        assert kind in TASK_TYPES, kind
        for key in ("script", "target_file_path"):
            if key in task:
                assert (ROOT / task[key]).is_file(), task[key]
        label = task.get("entity_label")
        if kind in CREATES:
            assert label and label not in created, label
            created[label] = kind
        elif kind in ("run_job", "build_model", "deploy_model"):
            assert created.get(label) == ("create_job" if kind == "run_job" else "create_model")
    kinds = [task["type"] for task in spec["tasks"]]
    assert kinds.index("build_model") < kinds.index("deploy_model")
    runs = [task["entity_label"] for task in spec["tasks"] if task["type"] == "run_job"]
    assert runs == ["install_project", "fetch_data", "run_pipeline"]  # the sweep is not run
    build = next(task for task in spec["tasks"] if task["type"] == "build_model")
    assert build["examples"][0]["request"]["items"]


def test_every_cml_script_compiles() -> None:
    for script in (ROOT / "cml").glob("*.py"):
        compile(script.read_text(), str(script), "exec")


def test_the_endpoint_script_serves_a_pipeline_run(spec: dict, tmp_path: Path, monkeypatch) -> None:
    events = write_csv(shopping_events(users=120), tmp_path / "events.csv")
    out = tmp_path / "run"
    assert main(["pipeline", "--input", str(events), "--out", str(out)]) == 0
    monkeypatch.setenv("PROD2VEC_MODEL_DIR", str(out))
    endpoint = runpy.run_path(str(ROOT / "cml" / "endpoint.py"))
    answer = endpoint["recommend"]({"items": ["t1-i2"], "k": 3})
    assert len(answer["recommendations"]) == 3
    # the metadata's example has the endpoint's shape
    build = next(task for task in spec["tasks"] if task["type"] == "build_model")
    example = build["examples"][0]["response"]
    assert set(example) == set(answer)
    assert len(example["recommendations"]) == build["examples"][0]["request"]["k"]
    for shown, served in zip(example["recommendations"], answer["recommendations"], strict=True):
        assert set(shown) == set(served)
    assert endpoint["recommend"]({"items": 42}) == {
        "error": "'items' must be a non-empty list of item ids"
    }
