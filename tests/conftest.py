"""Shared fixtures: a green workspace built once per session, copied for each test to break."""

import shutil

import pytest

from preflight.demo.iac_corpus import generate_documents
from workspaces import DOCS_PER_SHARD, N_SHARDS, Workspace, build_workspace


@pytest.fixture(scope="session")
def corpus() -> list:
    return generate_documents(N_SHARDS * DOCS_PER_SHARD, seed=7)


@pytest.fixture(scope="session")
def green_template(tmp_path_factory, corpus) -> Workspace:
    return build_workspace(tmp_path_factory.mktemp("green"), corpus)


@pytest.fixture
def workspace(tmp_path, green_template) -> Workspace:
    """A fresh copy of a green workspace, for a test to break."""
    shutil.copytree(green_template.root, tmp_path / "ws")
    return Workspace(tmp_path / "ws")
