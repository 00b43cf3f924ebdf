"""One suite, every engine: the ``backend`` fixture opens the same fixture project on DuckDB and on Spark."""

from __future__ import annotations

import importlib.util
import os

import pytest

from leadlight.storage import Project
from leadlight.storage.engine import open_engine, spark_session
from tests.unit.signals import fixtures

HAS_SPARK = importlib.util.find_spec("pyspark") is not None


@pytest.fixture(scope="session")
def spark():
    if not HAS_SPARK:
        message = "pyspark is not installed: pip install 'leadlight[spark]' (needs Java 17)"
        if os.environ.get("CI"):  # CI installs the spark extra: a missing engine there is a failure, not a skip
            pytest.fail(message)
        pytest.skip(message)
    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def fixture_project(tmp_path_factory) -> Project:
    project, con = fixtures.fresh_project(tmp_path_factory.mktemp("backend-project"))
    fixtures.load(con)
    con.close()
    return project


@pytest.fixture(
    params=[
        "duckdb",
        pytest.param("spark", marks=[pytest.mark.slow, pytest.mark.spark]),
    ]
)
def backend(request, fixture_project, monkeypatch):
    """An open engine over the fixture project, on each engine in turn."""
    if request.param == "spark":
        request.getfixturevalue("spark")
    monkeypatch.setenv("LEADLIGHT_ENGINE", request.param)
    engine = open_engine(fixture_project)
    assert engine.name == request.param
    yield engine
    engine.close()
