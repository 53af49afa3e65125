"""A Ray cluster on Cloudera Machine Learning workers, for a sweep bigger than one session.

Inside a CML session, :func:`ray_on_cml_workers` starts a Ray head and Ray worker nodes as CML
workers (``cml.workers_v1``), waits for them, yields the address to give
``python -m prod2vec tune --address ...`` or :func:`prod2vec.tune.sweep.run_sweep`, and always
stops every worker it started, also when something fails. The session is not a Ray node, so
the address is Ray Client's, ``ray://<head>:10001``; the Tune loop then runs on the head and
writes the sweep's records in ``--storage``, which the head sees at the same path as the
session (the project's folder, shared by the session and its workers)::

    from prod2vec.tune.cml_cluster import ray_on_cml_workers
    from prod2vec.tune.sweep import run_sweep

    with ray_on_cml_workers(n_workers=4, cpu=4, memory=8) as address:
        results = run_sweep(train, validation, settings, name="big", storage="ray_results",
                            address=address)

``cml`` exists only inside CML (the PyPI package of that name is unrelated and must never be
installed for this): it is imported when the helper is called, and tests pass a stand-in
module with the same four functions.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from prod2vec.errors import ClusterError

RAY_PORT = 6379
#: the head's Ray Client server: how a session that is not a node reaches the cluster
RAY_CLIENT_PORT = 10001


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


def _started(workers: ModuleType, launched: list[dict[str, Any]], what: str, timeout: int):
    ready = workers.await_workers(launched, wait_for_completion=False, timeout_seconds=timeout)
    failures = ready.get("failures", [])
    if failures or len(ready.get("workers", [])) < len(launched):
        raise CMLWorkersError(
            f"{len(failures) or len(launched) - len(ready.get('workers', []))} of "
            f"{len(launched)} {what} did not start within {timeout} s: check the workers' logs "
            "in CML, and the project's CPU and memory quota."
        )
    return ready["workers"]


@contextmanager
def ray_on_cml_workers(
    n_workers: int = 2,
    cpu: int = 2,
    memory: int = 4,
    timeout: int = 600,
    workers: ModuleType | None = None,
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
    """
    if n_workers < 0 or cpu < 1 or memory < 1 or timeout < 1:
        raise ValueError("Need n_workers >= 0 and cpu, memory and timeout >= 1.")
    workers = workers or cml_workers_module()
    started: list[dict[str, Any]] = []
    try:
        head = workers.launch_workers(
            n=1, cpu=cpu, memory=memory,
            code=f"!ray start --head --port={RAY_PORT} --ray-client-server-port="
            f"{RAY_CLIENT_PORT} --num-cpus={cpu} --disable-usage-stats --block",
        )  # fmt: skip
        started += head
        _started(workers, head, "Ray head", timeout)
        head_id = head[0]["id"]
        head_ip = next(
            worker["ip_address"] for worker in workers.list_workers() if worker["id"] == head_id
        )
        address = f"{head_ip}:{RAY_PORT}"
        if n_workers:
            nodes = workers.launch_workers(
                n=n_workers, cpu=cpu, memory=memory,
                code=f"!ray start --address={address} --num-cpus={cpu} --disable-usage-stats "
                "--block",
            )  # fmt: skip
            started += nodes
            _started(workers, nodes, "Ray worker nodes", timeout)
        yield f"ray://{head_ip}:{RAY_CLIENT_PORT}"
    finally:
        if started:
            workers.stop_workers(*[worker["id"] for worker in started])
