"""Schema migrations on real databases: a new one is built, an old one is upgraded in place, and the
migrations build exactly what ``store.schema`` describes (SQLite, and PostgreSQL where a server is given)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, insert, inspect, select, text

from store.migrate import current_revision, head_revision, upgrade
from store.schema import Base, FeedbackRow


# SQLAlchemy cannot reflect an index on an expression (the desk order's ``due_at IS NULL``); it says so and skips it.
def SKIPS_DESK_ORDER_INDEX(test: Any) -> Any:  # noqa: N802 - used as a mark
    for message in (
        "ignore:Skipped unsupported reflection of expression-based index ix_complaints_desk_order",
        "ignore:autogenerate skipping metadata-specified expression-based index 'ix_complaints_desk_order'",
    ):
        test = pytest.mark.filterwarnings(message)(test)
    return test


def _made_before_migrations(engine: Engine, revision: str) -> None:
    """The tables as an old disposisi made them with create_all (the columns of that time, no alembic_version).
    Today's metadata would make columns that later migrations add (feedback.unit), which such a table lacks."""
    upgrade(engine, revision)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))


def test_a_new_database_gets_every_table_at_the_newest_revision(engine: Engine) -> None:
    assert upgrade(engine) == head_revision()
    assert {"feedback", "admin_sessions", "alembic_version"} <= set(inspect(engine).get_table_names())
    assert current_revision(engine) == head_revision()
    assert upgrade(engine) == head_revision()  # a second run changes nothing


@SKIPS_DESK_ORDER_INDEX
def test_the_migrations_build_what_the_schema_describes(engine: Engine) -> None:
    upgrade(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


@SKIPS_DESK_ORDER_INDEX
def test_a_database_made_before_migrations_is_upgraded_in_place(engine: Engine) -> None:
    """disposisi 0.1 made the feedback table with create_all and no alembic_version: its rows survive."""
    _made_before_migrations(engine, "0001_feedback")
    with engine.begin() as connection:
        connection.execute(
            insert(FeedbackRow.__table__).values(
                complaint_id="lama-1", text="jalan rusak", opd="Dinas PUPR", created_at=datetime.now(UTC)
            )
        )
    assert upgrade(engine) == head_revision()
    with engine.connect() as connection:
        assert connection.execute(select(FeedbackRow.__table__.c.complaint_id)).scalars().all() == ["lama-1"]
    assert "admin_sessions" in inspect(engine).get_table_names()


@SKIPS_DESK_ORDER_INDEX
def test_a_database_with_both_old_tables_is_stamped_at_the_sessions_revision(engine: Engine) -> None:
    # feedback and admin_sessions, as create_all made them before migrations
    _made_before_migrations(engine, "0002_admin_sessions")
    assert upgrade(engine) == head_revision()
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def _columns(engine: Engine, table: str) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns(table)}


def _downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    from store.migrate import alembic_config

    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def test_the_decision_unit_and_feedback_place_migrations_go_up_and_down_keeping_rows(engine: Engine) -> None:
    """0008 (complaints.decided_unit, decisions.unit) and 0009 (feedback.kecamatan, kelurahan) on a store with
    rows: added as unknown, dropped again on downgrade, rows kept both ways."""
    upgrade(engine, "0007_feedback_unit")
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(FeedbackRow.__table__).values(
                complaint_id="lama-1", text="jalan rusak", opd="Dinas PUPR", unit="Dinas PUPR", created_at=now
            )
        )
        connection.execute(
            text(
                "INSERT INTO decisions (complaint_id, status, opd, decided_by, decided_at) "
                "VALUES ('lama-1', 'didisposisikan', 'Dinas PUPR', 'sari', :now)"
            ),
            {"now": now},
        )
    assert upgrade(engine) == head_revision()
    assert "decided_unit" in _columns(engine, "complaints")
    assert "unit" in _columns(engine, "decisions")
    assert {"kecamatan", "kelurahan"} <= _columns(engine, "feedback")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT complaint_id, kecamatan, kelurahan FROM feedback")).all() == [
            ("lama-1", None, None)
        ]
        assert connection.execute(text("SELECT opd, unit FROM decisions")).all() == [("Dinas PUPR", None)]
    _downgrade(engine, "0008_decision_unit")
    assert current_revision(engine) == "0008_decision_unit"
    assert not {"kecamatan", "kelurahan"} & _columns(engine, "feedback")
    _downgrade(engine, "0007_feedback_unit")
    assert "decided_unit" not in _columns(engine, "complaints")
    assert "unit" not in _columns(engine, "decisions")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT complaint_id, unit FROM feedback")).all() == [("lama-1", "Dinas PUPR")]
        assert connection.execute(text("SELECT count(*) FROM decisions")).scalar() == 1
    assert _has_desk_order_index(engine)  # the expression index of 0005 outlives 0008 both ways
    assert upgrade(engine) == head_revision()  # and up again


def test_the_duplicates_migration_goes_down_keeping_the_desk_order_index(engine: Engine) -> None:
    """0006 (duplicate_of, score, kind and the band table) dropped again: its columns go, the complaints stay, and
    the expression index of 0005 survives (a batch rebuild of the table on SQLite would drop it)."""
    upgrade(engine, "0006_duplicates")
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO complaints (id, text, status, received_at, suggestion, urgency_rank, needs_review, "
                "duplicate_of, duplicate_kind) "
                "VALUES ('b', 'jalan rusak lagi', 'baru', :now, '{}', 0, :no, 'a', 'ulang')"
            ),
            {"now": now, "no": False},
        )
    _downgrade(engine, "0005_desk_order_index")
    assert not {"duplicate_of", "duplicate_score", "duplicate_kind"} & _columns(engine, "complaints")
    assert "complaint_bands" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id, status FROM complaints")).all() == [("b", "baru")]
    assert _has_desk_order_index(engine)
    assert upgrade(engine) == head_revision()


def _has_desk_order_index(engine: Engine) -> bool:
    """Asked of the catalogue directly: SQLAlchemy's inspector cannot reflect an expression index."""
    query = (
        "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = :name"
        if engine.dialect.name == "sqlite"
        else "SELECT count(*) FROM pg_indexes WHERE indexname = :name"
    )
    with engine.connect() as connection:
        return connection.execute(text(query), {"name": "ix_complaints_desk_order"}).scalar() == 1
