"""What the CML prototype's job scripts run (``cml/*.py``), kept here to be tested.

CML runs a job's script under IPython, where ``SystemExit`` is reported as an exception even
with code 0: scripts end with :func:`finish`, which returns quietly when the command succeeded
and raises only when it failed, so that the job is marked failed, under the command's one line
on stderr.

The sweep job (:func:`sweep_job`) runs ``python -m prod2vec tune`` where its environment says:

* ``RAY_ADDRESS`` set: on that cluster (Ray Client, ``ray://<head>:10001``, from a session or
  job, which is not a Ray node);
* ``PROD2VEC_RAY_NODES`` above 0: on a Ray cluster of that many CML workers (a head and the
  rest worker nodes, ``PROD2VEC_RAY_CPU`` CPUs and ``PROD2VEC_RAY_MEMORY`` GB each) that the
  job starts with :func:`prod2vec.tune.cml_cluster.ray_on_cml_workers` and always stops;
* otherwise on the job's own cores.

Run again after an interruption or a failed trial, it resumes the sweep (finished trials are
kept). ``PROD2VEC_SWEEP_ARGS`` adds flags (``--concurrency 8``, say).
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping
from types import ModuleType

from prod2vec.cli import UsageError, build_parser, main, sweep_settings
from prod2vec.errors import ConfigurationError
from prod2vec.paths import hpo_dir, project_dir

SWEEP_NAME = "cml_sweep"
#: a new sweep's flags, unless PROD2VEC_SWEEP_ARGS gives them
SWEEP_SEARCH = {"--samples": "120", "--max-epochs": "50"}
#: the environment variables of the sweep job, and their defaults
SWEEP_ENVIRONMENT = {
    "RAY_ADDRESS": "",
    "PROD2VEC_RAY_NODES": "0",
    "PROD2VEC_RAY_CPU": "4",
    "PROD2VEC_RAY_MEMORY": "8",
    "PROD2VEC_SWEEP_ARGS": "",
}


def finish(code: int) -> None:
    """End a CML job with a command's exit code: quietly when it is 0.

    Parameters
    ----------
    code : int
        What ``prod2vec.cli.main`` (or :func:`sweep_job`) returned.

    Raises
    ------
    SystemExit
        With ``code``, only when it is not 0 (CML then marks the job failed).
    """
    if code:
        raise SystemExit(code)


def _whole_number(environ: Mapping[str, str], name: str, lowest: int) -> int:
    text = environ.get(name) or SWEEP_ENVIRONMENT[name]
    try:
        value = int(text)
    except ValueError:
        value = lowest - 1
    if value < lowest:
        raise ConfigurationError(
            f"{name}={text!r} is not a whole number from {lowest}: set it in the project's "
            "environment variables (Project Settings > Advanced) or the job's."
        )
    return value


def sweep_arguments(environ: Mapping[str, str], concurrency: int | None = None) -> list[str]:
    """The ``tune`` command of the sweep job: a new sweep, or the resume of the one begun.

    Parameters
    ----------
    environ : mapping of str to str
        The job's environment (``PROD2VEC_SWEEP_ARGS`` adds flags to a new sweep).
    concurrency : int, optional
        Trials at once in a new sweep (``PROD2VEC_SWEEP_ARGS`` may say otherwise).

    Returns
    -------
    list of str
        The command and its flags, without ``--address``.
    """
    storage = project_dir() / "ray_results"
    begun = (storage / SWEEP_NAME / "prod2vec_sweep.json").is_file()
    extra = shlex.split(environ.get("PROD2VEC_SWEEP_ARGS", ""))
    defaults = {**SWEEP_SEARCH, **({"--concurrency": str(concurrency)} if concurrency else {})}
    given = {token.split("=")[0] for token in extra if token.startswith("--")}
    chosen = [
        part for flag, value in defaults.items() if flag not in given for part in (flag, value)
    ]
    search = ["--resume"] if begun else [*chosen, *extra]
    return ["tune", *search, "--name", SWEEP_NAME, "--storage", str(storage),
            "--output", str(hpo_dir() / SWEEP_NAME)]  # fmt: skip


def sweep_job(
    environ: Mapping[str, str],
    workers: ModuleType | None = None,
    ports: tuple[int, int] | None = None,
) -> int:
    """Run the sweep where ``environ`` says (see the module's docstring); the exit code.

    Parameters
    ----------
    environ : mapping of str to str
        The job's environment.
    workers : module, optional
        ``cml.workers_v1`` (imported when a cluster is to be started).
    ports : tuple of (int, int), optional
        The started head's Ray and Ray Client ports (default 6379 and 10001).

    Returns
    -------
    int
        ``python -m prod2vec tune``'s exit code: 0 done, 1 failed (one line on stderr), 130
        interrupted; 1 also when the cluster could not be started.
    """
    try:
        nodes = _whole_number(environ, "PROD2VEC_RAY_NODES", 0)
        cpu = _whole_number(environ, "PROD2VEC_RAY_CPU", 1)
        memory = _whole_number(environ, "PROD2VEC_RAY_MEMORY", 1)
        command = sweep_arguments(environ, concurrency=nodes * cpu)
    except ValueError as error:  # ConfigurationError, or PROD2VEC_SWEEP_ARGS's quotes
        return _failed(error)
    if address := environ.get("RAY_ADDRESS"):
        return main([*command, "--address", address])
    if not nodes:
        return main(command)
    from prod2vec.tune.cml_cluster import RAY_CLIENT_PORT, RAY_PORT, ray_on_cml_workers
    from prod2vec.tune.connect import disconnect

    try:  # flags that make no sweep are refused before any worker starts
        sweep_settings(build_parser().parse_args(command))
    except UsageError as error:
        return _failed(error, code=2)

    try:
        with ray_on_cml_workers(
            n_workers=nodes - 1, cpu=cpu, memory=memory, workers=workers,
            ports=ports or (RAY_PORT, RAY_CLIENT_PORT),
        ) as address:  # fmt: skip
            try:
                return main([*command, "--address", address])
            finally:
                disconnect()
    except ConnectionError as error:  # the workers did not start (they are stopped by now)
        return _failed(error)


def _failed(error: Exception, code: int = 1) -> int:
    """One line on stderr and ``code``, as ``python -m prod2vec`` (traceback: $PROD2VEC_DEBUG)."""
    if os.environ.get("PROD2VEC_DEBUG"):
        raise error
    print(f"error: {error}", file=sys.stderr)
    return code
