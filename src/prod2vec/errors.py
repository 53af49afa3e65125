"""One error family for everything a user can fix.

Each error's message names the problem and the fix. The command line catches exactly this
family (and the operating system's file errors) and prints one line; anything else is a bug in
the project and shows its traceback.
"""

from __future__ import annotations


class Prod2VecError(Exception):
    """A problem with what the user gave: data, settings, files or saved models."""


class InputDataError(Prod2VecError, ValueError):
    """Interaction data that cannot be used as given (a table, sessions, item ids)."""


class ConfigurationError(Prod2VecError, ValueError):
    """Settings that cannot be used: a configuration file, Word2Vec or pipeline settings."""


class ProjectFileError(Prod2VecError, OSError):
    """A file or folder the project reads or writes is missing, foreign or not writable."""


class ModelFileError(Prod2VecError, ValueError):
    """A saved model (vectors, a run folder) is not what the project wrote."""


class ClusterError(Prod2VecError, ConnectionError):
    """A Ray cluster that cannot be reached or used: the address, the cause and the fix."""


class SweepIncompleteError(Prod2VecError):
    """A sweep ended before every trial completed; the message says how to finish it.

    Parameters
    ----------
    message : str
        How many trials finished, failed and were interrupted, and the command that resumes.
    interrupted : bool
        No trial failed: the sweep was stopped (Ctrl-C, a lost driver) rather than broken.
    """

    def __init__(self, message: str, interrupted: bool) -> None:
        super().__init__(message)
        self.interrupted = interrupted
