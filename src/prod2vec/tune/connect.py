"""Connect a sweep's driver to Ray: a Ray of its own, a cluster's address, or Ray Client.

Three ways in, chosen by the address (``--address``, else ``RAY_ADDRESS``):

- none: a Ray of this machine's own, started for the sweep;
- ``host:port``, the head's GCS port (6379 by default): only from a machine that is itself a
  node of that cluster (Ray finds the node's raylet among the local processes);
- ``ray://host:port``, Ray Client (the head's client server, 10001 by default): from anywhere
  that reaches the port, a laptop or a CML session that is not a node. The Tune loop then runs
  on the head, which writes the sweep's records: ``--storage`` must be a folder that the
  driver and the head both see (checked as the run starts: see
  :class:`~prod2vec.tune.trainable.TrialRecorder`).

Before Ray's own connection, which retries for a minute or more and then fails with a cause
far from the problem, :func:`connect` checks in a few seconds that something listens at the
address, that token authentication (on when the head has a token, as Ray 2.60's ``ray start``
does when ``~/.ray/auth_token`` exists) is set up on the driver, and that a ``host:port``
driver is a node. Each failure is one :class:`~prod2vec.errors.ClusterError` naming the
address, the cause and the fix. On a cluster the package itself is shipped to every node
(``runtime_env`` ``py_modules``), so a node without it still runs trials.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ray

import prod2vec
from prod2vec.errors import ClusterError

#: seconds each check may take (a TCP connection, one request)
PROBE_TIMEOUT_S = 5.0
#: seconds to wait for enough free CPUs before saying there are too few
FREE_CPU_WAIT_S = 3.0
#: seconds a run may go with trials waiting and none running before it is stopped
PENDING_TIMEOUT_S = 180.0
_CLIENT_PREFIX = "ray://"
_DEFAULT_PORTS = {True: 10001, False: 6379}
_AUTH_FIX = (
    "set RAY_AUTH_MODE=token and the cluster's token on this machine (RAY_AUTH_TOKEN, or the "
    "head's ~/.ray/auth_token copied here; `ray get-auth-token` on the head prints it)"
)


def ray_address(address: str | None = None) -> str | None:
    """The address to connect to: ``address``, else ``RAY_ADDRESS``; None for a local Ray."""
    return address or os.environ.get("RAY_ADDRESS") or None


def is_client_address(address: str | None) -> bool:
    """Whether ``address`` is Ray Client's (``ray://host:port``)."""
    return bool(address) and str(address).startswith(_CLIENT_PREFIX)


def package_runtime_env() -> dict[str, Any]:
    """The runtime environment that ships this package to every node of a cluster.

    Trials import :mod:`prod2vec` on whichever node runs them; ``py_modules`` uploads the
    driver's copy, so nodes need only its dependencies (Gensim, pandas, Ray), and every node
    runs the driver's version. Ray Tune's legacy output engine is chosen for the job's
    processes too: with Ray Client the Tune loop runs on the head, and only that engine takes
    the project's progress reporter.
    """
    return {
        "py_modules": [str(Path(prod2vec.__file__).resolve().parent)],
        "excludes": ["__pycache__", "*.pyc"],
        "env_vars": {"RAY_AIR_NEW_OUTPUT": "0"},
    }


def _host_port(address: str) -> tuple[str, int]:
    client = is_client_address(address)
    rest = address[len(_CLIENT_PREFIX) :] if client else address
    host, _, port = rest.rpartition(":") if ":" in rest else (rest, "", "")
    try:
        return host or "127.0.0.1", int(port) if port else _DEFAULT_PORTS[client]
    except ValueError:
        raise ClusterError(
            f"{address!r} is not a Ray address: give host:port (a node of the cluster) or "
            "ray://host:port (Ray Client, from anywhere)."
        ) from None


def check_listening(address: str) -> None:
    """Refuse, in seconds, an address where nothing answers.

    Raises
    ------
    ClusterError
        The connection was refused, timed out, or the host name does not resolve.
    """
    host, port = _host_port(address)
    what = "the Ray Client server" if is_client_address(address) else "the Ray head (GCS)"
    try:
        socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S).close()
    except OSError as error:
        cause = {
            ConnectionRefusedError: "connection refused, nothing listens there",
            TimeoutError: f"no answer within {PROBE_TIMEOUT_S:.0f} s",
            socket.timeout: f"no answer within {PROBE_TIMEOUT_S:.0f} s",
        }.get(type(error), str(error) or type(error).__name__)
        raise ClusterError(
            f"Cannot reach {what} at {address}: {cause}. Check the address and port (ray start "
            "--head prints them), that the head runs, and that no firewall is in the way."
        ) from None


def _token_mode() -> bool:
    return os.environ.get("RAY_AUTH_MODE", "").lower() == "token"


def _check_client_server(address: str) -> None:
    """Ray Client's handshake would time out after 30 s on a token it lacks: ask first."""
    try:
        import grpc
        from ray.core.generated import ray_client_pb2, ray_client_pb2_grpc
    except ImportError:
        raise ClusterError(
            f"Connecting to {address} needs Ray Client: pip install 'ray[client]' (grpcio)."
        ) from None
    host, port = _host_port(address)
    with grpc.insecure_channel(f"{host}:{port}") as channel:
        ping = ray_client_pb2.ClusterInfoRequest(type=ray_client_pb2.ClusterInfoType.PING)
        try:
            ray_client_pb2_grpc.RayletDriverStub(channel).ClusterInfo(ping, timeout=PROBE_TIMEOUT_S)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.UNAUTHENTICATED:
                if not _token_mode():
                    raise ClusterError(
                        f"The Ray cluster at {address} requires token authentication: {_AUTH_FIX}."
                    ) from None
            else:
                raise ClusterError(
                    f"{address} does not answer as a Ray Client server "
                    f"({error.code().name}: {error.details()}): is it the head's "
                    "--ray-client-server-port (10001 by default)?"
                ) from None


@contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Ray's C++ client logs a refused token on stderr, besides raising: the error says it."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _check_node(address: str) -> None:
    """A ``host:port`` driver must be a node: Ray looks for a local raylet for 60 s."""
    from ray._private.services import find_node_ids
    from ray._raylet import GcsClient
    from ray.exceptions import AuthenticationError

    try:
        with _native_stderr_silenced():
            nodes = GcsClient(address=address).get_all_node_info(timeout=PROBE_TIMEOUT_S)
    except AuthenticationError:
        fix = "the token given here is not the cluster's" if _token_mode() else _AUTH_FIX
        raise ClusterError(
            f"The Ray cluster at {address} refused this driver's authentication: {fix}."
        ) from None
    except Exception as error:  # noqa: BLE001 - Ray's client raises its RPC errors untyped
        raise ClusterError(
            f"{address} does not answer as a Ray head ({type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else ''}): is it the head's --port?"
        ) from None
    alive = {node.hex() for node, info in nodes.items() if info.state == 0}  # 0: ALIVE
    if not alive & set(find_node_ids()):
        host, _ = _host_port(address)
        raise ClusterError(
            f"This machine is not a node of the Ray cluster at {address}, and a host:port "
            f"address works only from a node: connect with Ray Client instead, --address "
            f"ray://{host}:10001 (the head's --ray-client-server-port), or run on a node."
        )


def connect(address: str | None = None) -> None:
    """Start a local Ray, or connect to the cluster at ``address`` (default ``RAY_ADDRESS``).

    Does nothing when Ray is already initialised (a notebook's, a test's). On a cluster the
    package is shipped to every node (:func:`package_runtime_env`).

    Parameters
    ----------
    address : str, optional
        ``host:port`` of the head from a node of the cluster, ``ray://host:port`` (Ray Client)
        from anywhere, ``auto`` (the cluster this machine is a node of) or ``local`` (a new
        local Ray).

    Raises
    ------
    ClusterError
        Nothing listens at the address, the cluster wants an authentication token this driver
        lacks, a ``host:port`` driver is not a node, or Ray's own connection failed; the
        message names the address, the cause and the fix.
    """
    if ray.is_initialized():
        return
    target = ray_address(address)
    quiet = {"log_to_driver": False, "logging_level": logging.ERROR}
    if target is None:
        ray.init(include_dashboard=False, configure_logging=True, **quiet)
        return
    if target not in ("auto", "local"):
        check_listening(target)
        if is_client_address(target):
            _check_client_server(target)
        else:
            _check_node(target)
    options: dict[str, Any] = {"runtime_env": package_runtime_env(), **quiet}
    if not is_client_address(target):
        options.update(include_dashboard=False, configure_logging=True)
    try:
        ray.init(address=target, **options)
    except Exception as error:  # noqa: BLE001 - Ray's connection errors have no common type
        lines = str(error).strip().splitlines() or [type(error).__name__]
        raise ClusterError(
            f"Could not connect to the Ray cluster at {target}: {lines[-1][:300]} (run with "
            "--debug for Ray's own messages)."
        ) from error


def disconnect() -> None:
    """Leave the cluster, if connected: before a cluster is stopped, or Ray Client retries."""
    if ray.is_initialized():
        ray.shutdown()


def check_cpus(cpus_per_trial: int, address: str | None = None) -> dict[str, float]:
    """Refuse a cluster on which no trial could ever start; say when its CPUs are busy.

    Waits up to :data:`FREE_CPU_WAIT_S` for CPUs a previous run still holds; if fewer than a
    trial needs are free then, says so on stderr (the trials wait for them, and
    :class:`~prod2vec.tune.sweep.PendingWatchdog` stops a run in which none can start).

    Parameters
    ----------
    cpus_per_trial : int
        CPUs a trial needs.
    address : str, optional
        The cluster's address, for the messages.

    Returns
    -------
    dict of str to float
        The cluster's CPUs: ``total`` and ``free``.

    Raises
    ------
    ClusterError
        The cluster has fewer CPUs in all than a trial needs.
    """
    where = f"the Ray cluster at {address}" if address else "the local Ray"
    deadline = time.monotonic() + FREE_CPU_WAIT_S
    while True:
        total = float(ray.cluster_resources().get("CPU", 0.0))
        free = float(ray.available_resources().get("CPU", 0.0))
        if total < cpus_per_trial:
            raise ClusterError(
                f"{where} has {total:g} CPUs and a trial needs {cpus_per_trial} "
                "(--cpus-per-trial): add nodes with CPUs (ray start --num-cpus N) or lower "
                "--cpus-per-trial."
            )
        if free >= cpus_per_trial or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if free < cpus_per_trial:
        print(
            f"note: {where} has {free:g} of its {total:g} CPUs free and a trial needs "
            f"{cpus_per_trial} (--cpus-per-trial): other jobs hold them (`ray status` lists "
            "them); trials wait for them, and the sweep stops if none can start within "
            f"{PENDING_TIMEOUT_S:.0f} s.",
            file=sys.stderr,
        )
    return {"total": total, "free": free}
