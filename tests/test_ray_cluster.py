"""A real two-node Ray cluster on 127.0.0.1, as `ray start` makes one, and drivers as users run.

One cluster for the module: a head and a worker node, one CPU each, ports of their own and token
authentication on (a token file of the test's own; HOME is a temporary folder, so nothing of
the machine's ``~/.ray`` is read). Drivers are ``python -m prod2vec tune`` in subprocesses on a
small corpus: one on a node through ``--address host:port``, interrupted with Ctrl-C, and its
resume through Ray Client given as ``RAY_ADDRESS=ray://...`` from a process in a PID namespace
of its own, which sees no Ray process and so is not a node. Connecting without a token, to a
port where nothing listens and as a driver that is not a node must each fail in seconds. The
test kills only the processes it started: each ``ray start --block`` runs in a session of its
own, and every process of those sessions is stopped at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("ray")  # the tune extra
psutil = pytest.importorskip("psutil")  # a dependency of Ray
pytest.importorskip("grpc", reason="Ray Client needs grpcio: pip install 'ray[client]'")

#: the ray command of the environment running the tests (not whatever PATH finds first)
RAY = Path(sys.executable).parent / "ray"

from tests.interrupting import sigint_as_in_a_terminal  # noqa: E402
from tests.ports import free_port_block  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "0123456789abcdef" * 4
#: a driver: `python -m prod2vec tune ...` on the slow corpus of test_tune, from this checkout
DRIVER = f"""
import sys, types
sys.path.insert(0, {str(ROOT)!r})
sys.path.insert(0, {str(ROOT / "src")!r})
from prod2vec.online_retail import reference_protocol
def prepare_sessions():
    from tests.test_tune import slow_corpus
    train, pairs = slow_corpus()
    return types.SimpleNamespace(split=types.SimpleNamespace(train=train[:300], validation=pairs))
reference_protocol.prepare_sessions = prepare_sessions
from prod2vec.cli import main
sys.exit(main(["tune", *sys.argv[1:]]))
"""
SWEEP = ["--samples", "2", "--max-epochs", "5", "--no-asha", "--concurrency", "2", "--seed", "4"]


def _in_session(session: int) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter():
        try:
            if os.getsid(process.pid) == session:
                found.append(process)
        except (OSError, psutil.Error):
            continue
    return found


def _stop(processes: list[psutil.Process]) -> None:
    """SIGTERM, then SIGKILL after 3 s; a process may end on its own meanwhile."""
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.terminate()
    _, alive = psutil.wait_procs(processes, timeout=3)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()


@dataclass
class Cluster:
    """A running cluster: its addresses, and the environment its drivers need."""

    folder: Path
    address: str
    client: str
    environment: dict[str, str]
    sessions: list[subprocess.Popen]
    #: a head alone without token authentication: its GCS and Ray Client addresses
    plain: tuple[str, str]

    def tune(
        self, *arguments: str, environment: dict[str, str] | None = None, own_pids: bool = False
    ) -> subprocess.Popen:
        """Start a driver; ``own_pids``: in a PID namespace of its own (not a node)."""
        command = [sys.executable, "-c", DRIVER, *arguments]
        if own_pids:
            command = ["unshare", "--pid", "--fork", "--mount-proc", *command]
        return subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment or self.environment,
            preexec_fn=sigint_as_in_a_terminal,
        )


def _start_node(arguments: list[str], log: Path, environment: dict[str, str]) -> subprocess.Popen:
    """``ray start --block ...`` in a session of its own."""
    with log.open("w") as output:
        return subprocess.Popen(
            [str(RAY), "start", "--block", *arguments],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environment,
            start_new_session=True,
        )


def _wait_until(ready: Callable[[], bool], process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while not ready():
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare (util-linux) for a driver that is not a node")
    folder = Path(tempfile.mkdtemp(prefix="p2vray", dir="/tmp"))  # short: Ray's socket paths
    (folder / "home").mkdir()
    (folder / "token").write_text(TOKEN)
    environment = {
        **os.environ,
        "PATH": os.pathsep.join([str(RAY.parent), os.environ.get("PATH", "")]),
        "HOME": str(folder / "home"),
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN_PATH": str(folder / "token"),
        "RAY_USAGE_STATS_ENABLED": "0",
    }
    environment.pop("RAY_ADDRESS", None)
    base = free_port_block(240)
    common = ["--num-cpus", "1", "--disable-usage-stats", "--node-ip-address", "127.0.0.1",
              "--object-store-memory", "100000000"]  # fmt: skip

    def ports(first: int) -> list[str]:
        return ["--node-manager-port", str(first), "--object-manager-port", str(first + 1),
                "--dashboard-agent-listen-port", str(first + 2),
                "--dashboard-agent-grpc-port", str(first + 3),
                "--metrics-export-port", str(first + 4),
                "--runtime-env-agent-port", str(first + 5),
                "--min-worker-port", str(first + 10),
                "--max-worker-port", str(first + 60)]  # fmt: skip

    address, client = f"127.0.0.1:{base}", f"ray://127.0.0.1:{base + 1}"
    sessions: list[subprocess.Popen] = []
    try:
        head = ["--head", "--port", str(base), "--ray-client-server-port", str(base + 1),
                "--include-dashboard", "false", "--temp-dir", str(folder / "ray"),
                *ports(base + 2)]  # fmt: skip
        sessions.append(_start_node([*head, *common], folder / "head.log", environment))
        plain = ["--head", "--port", str(base + 160), "--ray-client-server-port", str(base + 161),
                 "--include-dashboard", "false", "--temp-dir", str(folder / "plain"),
                 *ports(base + 162)]  # fmt: skip
        no_token = {**environment, "RAY_AUTH_MODE": "disabled"}
        sessions.append(_start_node([*plain, *common], folder / "plain.log", no_token))
        _wait_until(lambda: _listening(base), sessions[0], folder / "head.log")
        node = ["--address", address, *ports(base + 80)]  # joins as soon as the GCS answers
        sessions.append(_start_node([*node, *common], folder / "node.log", environment))
        for process, name in zip(sessions, ("head.log", "plain.log", "node.log"), strict=True):
            log = folder / name
            _wait_until(lambda log=log: "Ray runtime started" in log.read_text(), process, log)
        plain_addresses = (f"127.0.0.1:{base + 160}", f"ray://127.0.0.1:{base + 161}")
        yield Cluster(folder, address, client, environment, sessions, plain_addresses)
    finally:
        _stop([process for session in sessions for process in _in_session(session.pid)])
        for session in sessions:
            session.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def test_connecting_fails_fast_with_the_cause(
    cluster: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each in seconds, one line naming the address, the cause and the fix."""
    import ray

    from prod2vec.errors import ClusterError
    from prod2vec.tune.connect import connect

    # a driver without a token (a local ray.init of an earlier test turned token mode on), and
    # connect() as in a fresh process: it must refuse before ever calling ray.init
    monkeypatch.delenv("RAY_AUTH_MODE", raising=False)
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", lambda **options: pytest.fail("ray.init was called"))
    cases = [
        (f"127.0.0.1:{free_port_block(1)}", "connection refused, nothing listens there"),
        (cluster.address, "refused this driver's authentication: set RAY_AUTH_MODE=token"),
        (cluster.client, "requires token authentication: set RAY_AUTH_MODE=token"),
    ]
    for address, phrase in cases:
        started = time.monotonic()
        with pytest.raises(ClusterError) as refused:
            connect(address)
        assert time.monotonic() - started < 10
        assert address in str(refused.value) and phrase in str(refused.value)
        assert "\n" not in str(refused.value)

    # the command, from a process that is not a node: exit 1, one line, nothing written
    storage = ["--storage", str(tmp_path), "--name", "refused", "--output", str(tmp_path / "out")]
    started = time.monotonic()
    driver = cluster.tune("--address", cluster.address, *SWEEP, *storage, own_pids=True)
    _, stderr = driver.communicate(timeout=60)
    assert driver.returncode == 1 and time.monotonic() - started < 30, stderr
    assert len(stderr.strip().splitlines()) == 1 and stderr.startswith(
        f"error: This machine is not a node of the Ray cluster at {cluster.address}"
    )
    assert "--address ray://127.0.0.1:10001" in stderr
    assert "Traceback" not in stderr and not (tmp_path / "refused").exists()


def test_without_token_authentication_the_checks_let_the_driver_in(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A head without token authentication: both ways in pass the checks and reach ray.init,
    with the package shipped to the nodes."""
    import ray

    from prod2vec.tune.connect import connect

    calls: list[dict] = []
    monkeypatch.delenv("RAY_AUTH_MODE", raising=False)
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", lambda **options: calls.append(options))
    for address in cluster.plain:  # host:port: this machine runs the head, so it is a node
        connect(address)
    assert [call["address"] for call in calls] == list(cluster.plain)
    assert all(
        Path(call["runtime_env"]["py_modules"][0]) == ROOT / "src" / "prod2vec" for call in calls
    )


def _records(sweep: Path) -> dict[str, list[dict]]:
    return {
        path.name: [json.loads(line) for line in path.read_text().splitlines()]
        for path in sorted((sweep / "prod2vec_trials").glob("*.jsonl"))
    }


def test_interrupted_through_the_address_resumed_through_ray_client_from_outside(
    cluster: Cluster, tmp_path: Path
) -> None:
    """Ctrl-C to a driver on a node (--address host:port); the resume from a process that is
    not a node, through Ray Client given as RAY_ADDRESS: exact tables, progress shown."""
    out = tmp_path / "out"
    arguments = [*SWEEP, "--storage", str(tmp_path), "--name", "cut", "--output", str(out)]
    driver = cluster.tune("--address", cluster.address, *arguments)
    sweep = tmp_path / "cut"
    deadline = time.monotonic() + 90
    while not any(len(lines) > 1 for lines in _records(sweep).values()):
        assert driver.poll() is None and time.monotonic() < deadline, driver.communicate()
        time.sleep(0.2)
    driver.send_signal(signal.SIGINT)
    stdout, stderr = driver.communicate(timeout=60)
    assert driver.returncode == 130, stderr
    assert "interrupted: The sweep cut did not finish" in stderr
    assert "--resume --name cut" in stderr and not out.exists()
    assert "trials ended" in stdout  # progress lines
    cut = {name: lines[-1] for name, lines in _records(sweep).items()}
    assert cut and all(line.get("reason") != "stopped by the scheduler" for line in cut.values())

    resumed = cluster.tune(
        "--resume", "--name", "cut", "--storage", str(tmp_path), "--output", str(out),
        environment={**cluster.environment, "RAY_ADDRESS": cluster.client}, own_pids=True,
    )  # fmt: skip
    stdout, stderr = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, stderr
    assert "trials ended" in stdout and "best of 2 trials" in stdout  # Ray Client's too
    trials = pd.read_csv(out / "trials.csv")
    epochs = pd.read_csv(out / "epochs.csv")
    assert len(trials) == 2 and (trials["epochs_run"] == trials["epochs_planned"]).all()
    assert (trials["ended"] == "finished").all()
    assert not epochs.duplicated(["trial_id", "epoch"]).any()
    assert len(epochs) == trials["epochs_planned"].sum()
    for name, lines in _records(sweep).items():  # finished trials were never run again
        if cut.get(name, {}).get("reason") == "finished":
            assert lines[-1] == cut[name]
    shipped = "ray/session_*/runtime_resources/py_modules_files/*/prod2vec/__init__.py"
    assert list(cluster.folder.glob(shipped))  # the driver's package, as the trials ran it
