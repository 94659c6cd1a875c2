"""A migrated decisions store for the retrain tests: an SQLite file, and PostgreSQL where a server is given."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from store.migrate import upgrade
from tests.conftest import drop_store
from tests.serving.conftest import service_or_skip


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'feedback.db'}"
    else:
        url = service_or_skip("DISPOSISI_TEST_POSTGRES_URL", "a PostgreSQL server")
    engine = create_engine(url)
    drop_store(engine)
    upgrade(engine)
    engine.dispose()
    yield url
    if request.param != "sqlite":
        engine = create_engine(url)
        drop_store(engine)
        engine.dispose()
