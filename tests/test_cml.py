"""The CML prototype: `.project-metadata.yaml` is well-formed, its tasks refer to what exists,
and the endpoint script answers outside CML (where `cml` does not exist)."""

from __future__ import annotations

import ast
import re
import runpy
from pathlib import Path

import pytest
import yaml

from prod2vec import cml_jobs
from prod2vec.cli import main
from prod2vec.cml_jobs import finish, sweep_job
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


def test_job_scripts_end_without_system_exit_on_success() -> None:
    # CML runs job scripts under IPython, where SystemExit, even 0, is reported as an exception
    for script in (ROOT / "cml").glob("*.py"):
        for node in ast.walk(ast.parse(script.read_text())):
            if isinstance(node, ast.Call):
                called = ast.unparse(node.func)
                assert called not in ("sys.exit", "exit", "quit", "SystemExit"), script.name
    assert finish(0) is None
    with pytest.raises(SystemExit) as raised:
        finish(130)
    assert raised.value.code == 130


@pytest.fixture
def launched(tmp_path: Path, monkeypatch) -> list[list[str]]:
    """A project folder of its own, and the commands the sweep job runs (recorded, not run)."""
    monkeypatch.setenv("PROD2VEC_PROJECT_DIR", str(tmp_path))
    commands: list[list[str]] = []
    monkeypatch.setattr(cml_jobs, "main", lambda argv: commands.append(argv) or 0)
    return commands


def test_the_sweep_job_starts_a_sweep_then_resumes_it(launched, tmp_path: Path) -> None:
    extra = {"PROD2VEC_SWEEP_ARGS": "--samples 8 --seed 3"}
    assert sweep_job(extra) == 0
    storage = str(tmp_path / "ray_results")
    output = str(tmp_path / "data" / "hpo" / "cml_sweep")
    assert launched[-1] == ["tune", "--max-epochs", "50", "--samples", "8", "--seed", "3",
                            "--name", "cml_sweep", "--storage", storage,
                            "--output", output]  # fmt: skip
    (tmp_path / "ray_results" / "cml_sweep").mkdir(parents=True)
    (tmp_path / "ray_results" / "cml_sweep" / "prod2vec_sweep.json").write_text("{}")
    assert sweep_job({**extra, "RAY_ADDRESS": "ray://head:10001"}) == 0
    assert launched[-1] == ["tune", "--resume", "--name", "cml_sweep", "--storage", storage,
                            "--output", output, "--address", "ray://head:10001"]  # fmt: skip


def test_the_sweep_job_starts_its_cluster_and_always_stops_it(launched, monkeypatch) -> None:
    from tests.test_cml_cluster import StandIn

    stand_in = StandIn()
    environ = {"PROD2VEC_RAY_NODES": "3", "PROD2VEC_RAY_CPU": "2", "PROD2VEC_RAY_MEMORY": "4"}
    assert sweep_job(environ, workers=stand_in) == 0
    assert launched[-1][1:7] == ["--samples", "120", "--max-epochs", "50", "--concurrency", "6"]
    assert launched[-1][-2:] == ["--address", "ray://10.0.0.0:10001"]
    assert [call[1] for call in stand_in.calls if call[0] == "launch"] == [1, 2]
    assert stand_in.calls[-1] == ("stop", "w0", "w1", "w2")
    monkeypatch.setattr(cml_jobs, "main", lambda argv: 1)  # a failed sweep stops it too
    stand_in = StandIn()
    assert sweep_job(environ, workers=stand_in) == 1
    assert stand_in.calls[-1] == ("stop", "w0", "w1", "w2")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"PROD2VEC_RAY_NODES": "two"}, "PROD2VEC_RAY_NODES='two' is not a whole number from 0"),
        ({"PROD2VEC_RAY_NODES": "2", "PROD2VEC_RAY_CPU": "0"}, "PROD2VEC_RAY_CPU='0'"),
        ({"PROD2VEC_SWEEP_ARGS": "--name 'unclosed"}, "No closing quotation"),
        ({"PROD2VEC_RAY_NODES": "2"}, "only available inside a Cloudera Machine Learning"),
    ],
)
def test_the_sweep_job_refuses_what_it_cannot_use_in_one_line(
    launched, capsys, environ: dict, message: str
) -> None:
    assert sweep_job(environ) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: ") and message in error and error.count("\n") == 1
    assert launched == []


def test_flags_that_make_no_sweep_are_refused_before_any_worker_starts(launched, capsys) -> None:
    from tests.test_cml_cluster import StandIn

    stand_in = StandIn()
    environ = {"PROD2VEC_RAY_NODES": "2", "PROD2VEC_SWEEP_ARGS": "--max-epochs 2"}
    assert sweep_job(environ, workers=stand_in) == 2
    assert "max_epochs must be at least 5" in capsys.readouterr().err
    assert stand_in.calls == [] and launched == []
