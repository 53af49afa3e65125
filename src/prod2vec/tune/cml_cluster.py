"""A Ray cluster on Cloudera Machine Learning workers, for a sweep bigger than one session.

Inside a CML session or job, :func:`ray_on_cml_workers` starts a Ray head and Ray worker nodes
as CML workers (``cml.workers_v1``), waits for them, yields the address to give
``python -m prod2vec tune --address ...`` or :func:`prod2vec.tune.sweep.run_sweep`, and always
stops every worker it started, also when a launch, the wait or the sweep fails. The session is
not a Ray node, so the address is Ray Client's, ``ray://<head>:10001``; the Tune loop then runs
on the head and writes the sweep's records in ``--storage``, which the head sees at the same
path as the session (the project's folder, shared by the session and its workers)::

    from prod2vec.tune.cml_cluster import ray_on_cml_workers
    from prod2vec.tune.sweep import run_sweep

    with ray_on_cml_workers(n_workers=4, cpu=4, memory=8) as address:
        results = run_sweep(train, validation, settings, name="big", storage="ray_results",
                            address=address)

Every node runs ``ray start`` with the session's Python (the same runtime image on every
worker: no reliance on ``ray`` being on the workers' PATH), without usage statistics, and with
its object store in ``/tmp`` at a size set from the worker's memory: a CML container's
``/dev/shm`` is 64 MB, where Ray would fall back to ``/tmp`` anyway, with a warning, at a
size computed for a machine it does not see.

``cml`` exists only inside CML (the PyPI package of that name is unrelated and must never be
installed for this): it is imported when the helper is called, and tests pass a stand-in
module with the same functions.
"""

from __future__ import annotations

import importlib
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from prod2vec.errors import ClusterError

RAY_PORT = 6379
#: the head's Ray Client server: how a session that is not a node reaches the cluster
RAY_CLIENT_PORT = 10001
#: the share of a worker's memory given to Ray's object store (Tune passes small objects)
OBJECT_STORE_SHARE = 0.2
_GIB = 1024**3


class CMLWorkersError(ClusterError, RuntimeError):
    """CML workers did not start; the message names which and what to do."""


def cml_workers_module() -> ModuleType:
    """``cml.workers_v1``, or a clear error outside CML."""
    try:
        return importlib.import_module("cml.workers_v1")
    except ImportError:
        raise CMLWorkersError(
            "cml.workers_v1 is only available inside a Cloudera Machine Learning session: "
            "run this there, or start Ray yourself and pass its address (--address)."
        ) from None


def ray_start_code(options: list[str], cpu: int, memory: int) -> str:
    """The code a CML worker runs: ``ray start ... --block`` with the session's Python.

    Parameters
    ----------
    options : list of str
        What makes the node a head or joins it to one (``--head --port=...``, ``--address=...``).
    cpu, memory : int
        The worker's CPUs, and its memory in GB (the object store gets
        :data:`OBJECT_STORE_SHARE` of it).

    Returns
    -------
    str
        A shell line for ``launch_workers(code=...)`` (``!`` runs it as a shell command).
    """
    command = [
        sys.executable, "-m", "ray.scripts.scripts", "start", *options, f"--num-cpus={cpu}",
        f"--object-store-memory={int(memory * _GIB * OBJECT_STORE_SHARE)}",
        "--plasma-directory=/tmp", "--disable-usage-stats", "--block",
    ]  # fmt: skip
    return "!" + shlex.join(command)


class _Workers:
    """The workers of one cluster, alike, launched in turn and stopped together."""

    def __init__(self, module: ModuleType, cpu: int, memory: int, timeout: int) -> None:
        self.module, self.cpu, self.memory, self.timeout = module, cpu, memory, timeout
        self.ids: list[str] = []

    def launch(self, what: str, n: int, options: list[str]) -> list[dict[str, Any]]:
        """Start ``n`` Ray nodes, wait until they run; the workers (with their ``ip_address``)."""
        code = ray_start_code(options, self.cpu, self.memory)
        launched = self.module.launch_workers(n=n, cpu=self.cpu, memory=self.memory, code=code)
        # a launch CML refused comes back without "id", sometimes with the engine it made
        self.ids += [
            worker.get("id") or worker.get("engineId")
            for worker in launched
            if worker.get("id") or worker.get("engineId")
        ]
        refused = [worker for worker in launched if not worker.get("id")]
        if refused or len(launched) < n:
            reasons = sorted({str(worker.get("message", "no reason given")) for worker in refused})
            raise CMLWorkersError(
                f"CML launched {len(launched) - len(refused)} of {n} {what} "
                f"({'; '.join(reasons) or 'fewer than asked'}): check the project's CPU and "
                "memory quota, and the workers' logs in CML."
            )
        ready = self.module.await_workers(
            launched, wait_for_completion=False, timeout_seconds=self.timeout
        )
        running = ready.get("workers", [])
        if ready.get("failures") or len(running) < n:
            failed = len(ready.get("failures", [])) or n - len(running)
            raise CMLWorkersError(
                f"{failed} of {n} {what} did not start within {self.timeout} s: check the "
                "workers' logs in CML, and the project's CPU and memory quota."
            )
        return running

    def stop(self) -> None:
        if self.ids:
            self.module.stop_workers(*self.ids)


@contextmanager
def ray_on_cml_workers(
    n_workers: int = 2,
    cpu: int = 2,
    memory: int = 4,
    timeout: int = 600,
    workers: ModuleType | None = None,
    ports: tuple[int, int] = (RAY_PORT, RAY_CLIENT_PORT),
) -> Iterator[str]:
    """Start a Ray head and ``n_workers`` Ray nodes on CML workers; yield its Ray Client address.

    Parameters
    ----------
    n_workers : int
        Ray worker nodes besides the head.
    cpu, memory : int
        CPUs and GB of memory of every CML worker.
    timeout : int
        Seconds to wait for the workers to start.
    workers : module, optional
        ``cml.workers_v1`` (imported when not given).
    ports : tuple of (int, int)
        The head's Ray port and its Ray Client server's port.

    Yields
    ------
    str
        ``ray://<head ip>:<client port>``.

    Raises
    ------
    CMLWorkersError
        A worker was refused or did not start in time (everything launched is stopped first).
    """
    if n_workers < 0 or cpu < 1 or memory < 1 or timeout < 1:
        raise ValueError("Need n_workers >= 0 and cpu, memory and timeout >= 1.")
    ray_port, client_port = ports
    started = _Workers(workers or cml_workers_module(), cpu, memory, timeout)
    try:
        head_options = ["--head", f"--port={ray_port}", f"--ray-client-server-port={client_port}"]
        (head,) = started.launch("Ray head", 1, head_options)
        head_ip = head.get("ip_address")
        if not head_ip:
            raise CMLWorkersError(
                "CML did not report the Ray head's IP address: check the head worker's logs."
            )
        if n_workers:
            started.launch("Ray worker nodes", n_workers, [f"--address={head_ip}:{ray_port}"])
        yield f"ray://{head_ip}:{client_port}"
    finally:
        started.stop()
