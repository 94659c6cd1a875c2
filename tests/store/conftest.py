"""A migrated store on SQLite (a file under tmp_path) and, where a server is given, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from store.migrate import upgrade
from tests.conftest import drop_store
from tests.serving.conftest import service_or_skip


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database (not migrated)."""
    if request.param == "sqlite":
        made = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    else:
        made = create_engine(service_or_skip("DISPOSISI_TEST_POSTGRES_URL", "a PostgreSQL server"))
        drop_store(made)
    yield made
    if request.param != "sqlite":
        drop_store(made)
    made.dispose()


@pytest.fixture
def migrated(engine: Engine) -> Engine:
    upgrade(engine)
    return engine
