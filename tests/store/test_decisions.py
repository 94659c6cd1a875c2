"""The decisions as training data: the latest per complaint, with its unit when one was recorded (migration 0007
adds the column to a store that has decisions already; those stay without a unit)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert

from store.decisions import latest_decisions
from store.migrate import head_revision, upgrade
from store.schema import FeedbackRow

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _add(engine: Engine, complaint_id: str, opd: str, minute: int, **values: object) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(FeedbackRow.__table__).values(
                complaint_id=complaint_id,
                text="balai RW rusak",
                opd=opd,
                created_at=T0 + timedelta(minutes=minute),
                **values,
            )
        )


def test_the_latest_decision_carries_its_unit_and_none_where_none_was_given(migrated: Engine) -> None:
    _add(migrated, "K1", "Kecamatan/Kelurahan", 0, unit="Kelurahan Pakis")
    _add(migrated, "K1", "Kecamatan/Kelurahan", 1, unit="Kelurahan Wonoasri")  # a second word on K1 wins
    _add(migrated, "K2", "Dinas Perhubungan", 2)
    _add(migrated, "K3", "Lainnya", 3, unit="   ")  # blank, as an older writer might leave it: unknown
    found = [(d.complaint_id, d.unit) for d in latest_decisions(migrated)]
    assert found == [("K1", "Kelurahan Wonoasri"), ("K2", None), ("K3", None)]


def test_a_store_with_decisions_gains_the_unit_column_and_keeps_its_rows(engine: Engine) -> None:
    assert upgrade(engine, "0006_duplicates") == "0006_duplicates"
    _add(engine, "lama-1", "Dinas PUPR", 0)  # the table as 0006 made it: no unit column
    assert upgrade(engine) == head_revision()
    [decision] = latest_decisions(engine)
    assert (decision.complaint_id, decision.opd, decision.unit) == ("lama-1", "Dinas PUPR", None)


def test_the_latest_decision_carries_the_place_of_its_complaint(migrated: Engine) -> None:
    _add(migrated, "P1", "Kecamatan/Kelurahan", 0, kecamatan="Sukamaju", kelurahan="Mekarsari")
    _add(migrated, "P2", "Dinas Perhubungan", 1, kecamatan="  ")  # blank, as an older writer might leave it
    found = [(d.complaint_id, d.kecamatan, d.kelurahan) for d in latest_decisions(migrated)]
    assert found == [("P1", "Sukamaju", "Mekarsari"), ("P2", None, None)]
