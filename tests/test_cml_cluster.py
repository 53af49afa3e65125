"""Ray on CML workers, tested against a stand-in for ``cml.workers_v1`` that records calls."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

pytest.importorskip("ray")  # the tune extra
psutil = pytest.importorskip("psutil")  # a dependency of Ray

ROOT = Path(__file__).resolve().parents[1]

from prod2vec.tune.cml_cluster import (  # noqa: E402
    CMLWorkersError,
    cml_workers_module,
    ray_on_cml_workers,
)
from tests.ports import free_port_block  # noqa: E402


class StandIn(SimpleNamespace):
    """Records every call; ``fail`` names launches whose workers do not start, or are refused."""

    def __init__(self, fail: str = "") -> None:
        super().__init__(calls=[], launched=[], fail=fail)

    def launch_workers(self, n, cpu, memory, code):
        self.calls.append(("launch", n, cpu, memory, code))
        head = "--head" in code
        first = len(self.launched)
        batch = [{"id": f"w{first + i}", "ip_address": f"10.0.0.{first + i}"} for i in range(n)]
        if self.fail == ("refused head" if head else "refused nodes"):
            # as CML answers a launch over quota: no "id", sometimes the engine it made
            batch[-1] = {"message": "Insufficient CPU quota", "engineId": f"e{first + n - 1}"}
            if n > 1:
                batch[0] = {"message": "Insufficient memory quota"}
        self.launched += batch
        return batch

    def await_workers(self, workers, wait_for_completion, timeout_seconds):
        self.calls.append(("await", len(workers), wait_for_completion, timeout_seconds))
        head = "--head" in self.calls[-2][4]
        if self.fail == ("head" if head else "nodes"):
            return {"workers": workers[1:], "failures": workers[:1]}
        if self.fail == "timeout" and not head:
            return {"workers": [], "failures": []}
        if self.fail == "no ip" and head:
            return {"workers": [{"id": workers[0]["id"]}], "failures": []}
        return {"workers": workers, "failures": []}

    def stop_workers(self, *ids):
        self.calls.append(("stop", *ids))


def ray_start(*options: str) -> str:
    python = shlex.quote(sys.executable)
    return (
        f"!{python} -m ray.scripts.scripts start {' '.join(options)} --object-store-memory="
        f"{int(8 * 1024**3 * 0.2)} --plasma-directory=/tmp --disable-usage-stats --block"
    )


def test_head_then_nodes_then_everything_stopped() -> None:
    stand_in = StandIn()
    with ray_on_cml_workers(n_workers=2, cpu=4, memory=8, timeout=30, workers=stand_in) as address:
        assert address == "ray://10.0.0.0:10001"  # Ray Client: the session is not a node
        head = ray_start("--head", "--port=6379", "--ray-client-server-port=10001", "--num-cpus=4")
        assert stand_in.calls[0] == ("launch", 1, 4, 8, head)
        assert stand_in.calls[1] == ("await", 1, False, 30)
        nodes = ray_start("--address=10.0.0.0:6379", "--num-cpus=4")
        assert stand_in.calls[2] == ("launch", 2, 4, 8, nodes)
        assert not any(call[0] == "stop" for call in stand_in.calls)
    assert stand_in.calls[-1] == ("stop", "w0", "w1", "w2")


def test_the_ports_can_be_chosen() -> None:
    stand_in = StandIn()
    with ray_on_cml_workers(n_workers=0, workers=stand_in, ports=(7000, 7001)) as address:
        assert address == "ray://10.0.0.0:7001"
        assert "--port=7000 --ray-client-server-port=7001" in stand_in.calls[0][4]
    assert stand_in.calls[-1] == ("stop", "w0")


@pytest.mark.parametrize("fail", ["head", "nodes", "timeout"])
def test_workers_that_do_not_start_are_reported_and_stopped(fail: str) -> None:
    stand_in = StandIn(fail=fail)
    with (
        pytest.raises(CMLWorkersError, match="did not start within 30 s"),
        ray_on_cml_workers(n_workers=2, timeout=30, workers=stand_in),
    ):
        pytest.fail("must not yield")
    stopped = stand_in.calls[-1]
    assert stopped[0] == "stop" and set(stopped[1:]) == {w["id"] for w in stand_in.launched}


@pytest.mark.parametrize("fail", ["refused head", "refused nodes"])
def test_launches_refused_without_an_id_name_why_and_leak_nothing(fail: str) -> None:
    stand_in = StandIn(fail=fail)
    with (
        pytest.raises(CMLWorkersError, match="Insufficient CPU quota") as raised,
        ray_on_cml_workers(n_workers=3, timeout=30, workers=stand_in),
    ):
        pytest.fail("must not yield")
    assert "check the project's CPU and memory quota" in str(raised.value)
    made = {w.get("id") or w.get("engineId") for w in stand_in.launched} - {None}
    stopped = stand_in.calls[-1]
    assert stopped[0] == "stop" and set(stopped[1:]) == made
    assert ("await" not in [call[0] for call in stand_in.calls]) == (fail == "refused head")


def test_a_head_without_an_ip_address_is_an_error_not_a_stop_iteration() -> None:
    stand_in = StandIn(fail="no ip")
    with (
        pytest.raises(CMLWorkersError, match="IP address"),
        ray_on_cml_workers(n_workers=1, workers=stand_in),
    ):
        pytest.fail("must not yield")
    assert stand_in.calls[-1] == ("stop", "w0")


def test_workers_are_stopped_when_the_sweep_fails() -> None:
    stand_in = StandIn()
    with pytest.raises(KeyError), ray_on_cml_workers(n_workers=1, workers=stand_in):
        raise KeyError("the sweep broke")
    assert stand_in.calls[-1] == ("stop", "w0", "w1")


def test_outside_cml_the_error_names_the_way_out() -> None:
    with pytest.raises(CMLWorkersError, match="--address"):
        cml_workers_module()


class WorkersOnThisMachine:
    """``cml.workers_v1`` on 127.0.0.1: a launched worker runs its code, a ``!`` shell line.

    Each worker is the process the line starts, in a session of its own (stopping a worker
    stops every process of its session, and nothing else). What a CML worker has of its own,
    a machine, becomes options added to ``ray start``: its own ports (from ``first_port``), IP
    address, temporary folder; and no dashboard.
    """

    def __init__(self, folder: Path, first_port: int) -> None:
        self.folder, self.next_port = folder, first_port
        self.sessions: dict[str, subprocess.Popen] = {}

    def _machine(self, name: str) -> list[str]:
        first, self.next_port = self.next_port, self.next_port + 70
        return ["--node-ip-address=127.0.0.1", "--include-dashboard=false",
                f"--temp-dir={self.folder / name}",
                f"--node-manager-port={first}", f"--object-manager-port={first + 1}",
                f"--dashboard-agent-listen-port={first + 2}",
                f"--dashboard-agent-grpc-port={first + 3}", f"--metrics-export-port={first + 4}",
                f"--runtime-env-agent-port={first + 5}", f"--min-worker-port={first + 10}",
                f"--max-worker-port={first + 60}"]  # fmt: skip

    def launch_workers(self, n, cpu, memory, code):
        assert code.startswith("!") and code.endswith(" --block")
        launched = []
        for _ in range(n):
            name = f"w{len(self.sessions)}"
            command = [*shlex.split(code[1:]), *self._machine(name)]
            with (self.folder / f"{name}.log").open("w") as log:
                self.sessions[name] = subprocess.Popen(
                    command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            launched.append({"id": name})
        return launched

    def await_workers(self, workers, wait_for_completion, timeout_seconds):
        deadline = time.monotonic() + timeout_seconds
        running, failures = [], []
        for worker in workers:
            log = self.folder / f"{worker['id']}.log"
            while "Ray runtime started" not in log.read_text():
                if self.sessions[worker["id"]].poll() is not None or time.monotonic() > deadline:
                    failures.append(worker)
                    break
                time.sleep(0.2)
            else:
                running.append({**worker, "ip_address": "127.0.0.1"})
        return {"workers": running, "failures": failures}

    def stop_workers(self, *ids):
        for name in ids:
            session = self.sessions[name]
            processes = [p for p in psutil.process_iter() if _session_of(p) == session.pid]
            for process in processes:
                with contextlib.suppress(psutil.Error):
                    process.terminate()
            _, alive = psutil.wait_procs(processes, timeout=2)
            for process in alive:
                with contextlib.suppress(psutil.Error):
                    process.kill()
            session.wait(timeout=10)


def _session_of(process: psutil.Process) -> int | None:
    with contextlib.suppress(OSError, psutil.Error):
        return os.getsid(process.pid)
    return None


#: the sweep job as CML runs it, with the workers above and a small corpus for the trials
SWEEP_JOB = f"""
import os, sys, types
from pathlib import Path
sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / "src")!r}]
from prod2vec.online_retail import reference_protocol
def prepare_sessions():
    from tests.test_tune import slow_corpus
    train, pairs = slow_corpus()
    return types.SimpleNamespace(split=types.SimpleNamespace(train=train[:200], validation=pairs))
reference_protocol.prepare_sessions = prepare_sessions
from prod2vec.cml_jobs import finish, sweep_job
from tests.test_cml_cluster import WorkersOnThisMachine
first = int(sys.argv[1])
workers = WorkersOnThisMachine(Path(sys.argv[2]), first + 2)
finish(sweep_job(os.environ, workers=workers, ports=(first, first + 1)))
"""


def test_the_sweep_job_runs_on_the_ray_cluster_it_starts_and_stops_it(tmp_path: Path) -> None:
    """The job's own Ray head, started by the helper's command line, reached through Ray
    Client; every process of it gone at the end."""
    pytest.importorskip("grpc", reason="Ray Client needs grpcio: pip install 'ray[client]'")
    folder = Path(tempfile.mkdtemp(prefix="p2vcml", dir="/tmp"))  # short: Ray's socket paths
    (folder / "home").mkdir()
    first = free_port_block(80)
    environment = {
        **os.environ,
        "HOME": str(folder / "home"),
        "PROD2VEC_PROJECT_DIR": str(tmp_path),
        "PROD2VEC_RAY_NODES": "1",
        "PROD2VEC_RAY_CPU": "2",
        "PROD2VEC_RAY_MEMORY": "1",
        "PROD2VEC_SWEEP_ARGS": "--samples 2 --max-epochs 5 --no-asha --seed 4",
        "RAY_USAGE_STATS_ENABLED": "0",
    }
    environment.pop("RAY_ADDRESS", None)
    try:
        job = subprocess.run(
            [sys.executable, "-c", SWEEP_JOB, str(first), str(folder)],
            env=environment, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert job.returncode == 0, job.stderr[-3000:]
        assert "best of 2 trials" in job.stdout
        trials = pd.read_csv(tmp_path / "data" / "hpo" / "cml_sweep" / "trials.csv")
        assert len(trials) == 2 and (trials["ended"] == "finished").all()
        best = json.loads((tmp_path / "data" / "hpo" / "cml_sweep" / "best.json").read_text())
        assert "--concurrency 2 --samples 2" in best["command"]
        assert f"--address ray://127.0.0.1:{first + 1}" in best["command"]
        left = [p for p in psutil.process_iter() if str(folder) in " ".join(_command_line(p))]
        assert left == []  # the head and everything it started are gone
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _command_line(process: psutil.Process) -> list[str]:
    with contextlib.suppress(psutil.Error):
        return process.cmdline()
    return []
