"""Pytest configuration shared by tests/ and the notebooks (checked with ``--nbval``)."""

pytest_plugins = ["tests.notebook_plugin"]
