"""The complaint store on real databases: stored once, listed in desk order, decided with a trail, undone."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, inspect, select

from store.complaints import (
    DESK_ORDER,
    URGENCY_RANK,
    ComplaintStore,
    Decision,
    NewComplaint,
    UnknownComplaintError,
)
from store.migrate import upgrade
from store.schema import ComplaintRow
from store.trail import suggestion_of

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _complaint(number: int, **overrides: object) -> NewComplaint:
    values: dict[str, object] = {
        "id": f"c{number:03d}",
        "text": f"jalan rusak di gang {number}",
        "suggestion": {"suggestions": [{"opd": "Dinas PUPR", "score": 0.8}]},
        "top_opd": "Dinas PUPR",
        "top_score": 0.8,
        "urgency": "sedang",
        "needs_review": False,
        "model_version": "v1",
        "due_at": T0 + timedelta(days=number),
    }
    values.update(overrides)
    return NewComplaint(**values)  # type: ignore[arg-type]


def test_an_id_is_stored_once_even_when_sent_again(migrated: Engine) -> None:
    store = ComplaintStore(migrated)
    assert store.add([_complaint(1), _complaint(2), _complaint(1)]) == [True, True, False]
    assert store.add([_complaint(2), _complaint(3)]) == [False, True]
    assert store.count() == 3
    assert store.known_ids(["c001", "c009", "c003", "c001"]) == {"c001", "c003"}
    assert suggestion_of(store.get("c002"))["suggestions"][0]["opd"] == "Dinas PUPR"


def test_two_writers_sending_the_same_ids_store_each_once(migrated: Engine) -> None:
    store = ComplaintStore(migrated)
    batch = [_complaint(n) for n in range(40)]
    results: list[list[bool]] = []

    def send() -> None:
        results.append(store.add(batch))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.count() == 40
    assert sum(sum(r) for r in results) == 40


def test_the_desk_order_is_urgency_then_due_date(migrated: Engine) -> None:
    store = ComplaintStore(migrated)
    store.add(
        [
            _complaint(1, urgency="rendah"),
            _complaint(2, urgency="tinggi"),
            _complaint(3, urgency="sedang", due_at=None),
            _complaint(4, urgency="sedang"),
            _complaint(5, urgency=None),
            _complaint(6, urgency="tinggi", due_at=T0),
        ]
    )
    page = store.page()
    assert [row.id for row in page.items] == ["c006", "c002", "c004", "c003", "c001", "c005"]
    assert page.total == 6
    assert page.counts == {"baru": 6, "didisposisikan": 0, "otomatis": 0, "di_luar_kewenangan": 0}


def test_filters_search_and_paging(migrated: Engine) -> None:
    store = ComplaintStore(migrated)
    store.add([_complaint(n, needs_review=n % 2 == 0) for n in range(1, 11)])
    store.add([_complaint(50, text="sampah 100% menumpuk_di TPS", top_opd="DLH", urgency="tinggi")])
    assert store.page(opd="DLH").total == 1
    assert store.page(urgency="tinggi").items[0].id == "c050"
    assert store.page(needs_review=True).total == 5
    assert store.page(q="100%").total == 1
    assert store.page(q="menumpuk_di").total == 1
    assert store.page(q="_").total == 1  # a literal underscore, not a wildcard
    assert store.page(q="GANG 3").total == 1
    second = store.page(limit=4, offset=4)
    assert second.total == 11
    assert len(second.items) == 4


def test_a_decision_is_recorded_overwritten_and_undone_with_a_trail(migrated: Engine) -> None:
    store = ComplaintStore(migrated)
    store.add([_complaint(1)])
    first = store.decide("c001", Decision(decided_by="budi", opd="Dinas PUPR"), now=T0)
    assert (first.status, first.decided_opd, first.decided_urgency) == ("didisposisikan", "Dinas PUPR", "sedang")
    second = store.decide("c001", Decision(decided_by="sari", outside_authority="PLN", note="kabel PLN"))
    assert (second.status, second.outside_authority, second.decided_opd) == ("di_luar_kewenangan", "PLN", None)
    undone = store.undo("c001", decided_by="sari")
    assert (undone.status, undone.decided_opd, undone.decided_by) == ("didisposisikan", "Dinas PUPR", "budi")
    assert store.undo("c001", decided_by="sari").status == "di_luar_kewenangan"  # an undo of the undo
    trail = store.trail("c001")
    assert [(d.status, d.decided_by) for d in trail] == [
        ("didisposisikan", "budi"),
        ("di_luar_kewenangan", "sari"),
        ("didisposisikan", "sari"),
        ("di_luar_kewenangan", "sari"),
    ]
    assert store.page(status="di_luar_kewenangan").total == 1


def test_undo_of_a_first_decision_returns_to_the_arrival_state(migrated: Engine) -> None:
    store = ComplaintStore(migrated)
    store.add([_complaint(1), _complaint(2, status="otomatis")])
    store.decide("c001", Decision(decided_by="budi", opd="DLH"))
    assert store.undo("c001", decided_by="budi").status == "baru"
    automatic = store.get("c002")
    assert (automatic.status, automatic.decided_opd, automatic.decided_by) == ("otomatis", "Dinas PUPR", "otomatis")
    store.decide("c002", Decision(decided_by="budi", opd="DLH"))
    reverted = store.undo("c002", decided_by="budi")
    assert (reverted.status, reverted.decided_opd) == ("otomatis", "Dinas PUPR")


def test_unknown_ids_and_empty_trails_are_named(migrated: Engine) -> None:
    store = ComplaintStore(migrated)
    store.add([_complaint(1)])
    with pytest.raises(UnknownComplaintError, match='no complaint with id "nope"'):
        store.decide("nope", Decision(decided_by="budi", opd="DLH"))
    with pytest.raises(UnknownComplaintError, match='"c001" has no decision to undo'):
        store.undo("c001", decided_by="budi")
    with pytest.raises(ValueError, match="status must be one of"):
        store.add([_complaint(9, status="selesai")])


def test_routed_lists_decided_complaints_in_decision_order(migrated: Engine) -> None:
    store = ComplaintStore(migrated)
    store.add([_complaint(n) for n in range(1, 5)])
    store.decide("c003", Decision(decided_by="budi", opd="DLH"), now=T0)
    store.decide("c001", Decision(decided_by="budi", outside_authority="Polri"), now=T0 + timedelta(hours=1))
    assert [row.id for row in store.routed()] == ["c003", "c001"]
    assert [row.id for row in store.routed(status="didisposisikan")] == ["c003"]


def test_stats_count_per_day_the_automatic_share_and_accepted_top_suggestions(migrated: Engine) -> None:
    store = ComplaintStore(migrated)
    day1, day2 = T0, T0 + timedelta(days=1)
    store.add(
        [
            _complaint(1, tanggal=day1),
            _complaint(2, tanggal=day1),
            _complaint(3, tanggal=day2, status="otomatis"),
            _complaint(4, tanggal=day2, top_opd="Dinas Kesehatan"),
            _complaint(5, tanggal=day2),
            _complaint(6, tanggal=T0 - timedelta(days=40)),  # outside the window
        ],
        now=day2,
    )
    store.decide("c001", Decision(decided_by="budi", opd="Dinas PUPR"), now=day2)  # kept the top suggestion
    store.decide("c002", Decision(decided_by="budi", opd="Dinas Perhubungan"), now=day2)  # corrected it
    store.decide("c004", Decision(decided_by="budi", outside_authority="PLN"), now=day2)
    stats = store.stats(days=30, now=day2 + timedelta(hours=2))
    assert stats.per_day == [(day1.date(), 2), (day2.date(), 3)]
    assert (stats.total, stats.automatic, stats.decided, stats.accepted) == (5, 1, 2, 1)
    assert (stats.outside_authority, stats.waiting) == (1, 1)
    assert stats.automatic_share == pytest.approx(1 / 5)
    assert stats.accepted_share == pytest.approx(1 / 2)
    by_opd = {row.opd: row for row in stats.per_opd}
    assert (by_opd["Dinas PUPR"].total, by_opd["Dinas PUPR"].accepted, by_opd["Dinas PUPR"].automatic) == (3, 1, 1)
    assert by_opd["Dinas Perhubungan"].decided == 1
    assert by_opd["Dinas Perhubungan"].accepted_share == 0.0
    assert by_opd["Dinas Kesehatan"].accepted_share is None


def test_stats_of_an_empty_desk_have_no_shares(migrated: Engine) -> None:
    stats = ComplaintStore(migrated).stats(days=7)
    assert (stats.total, stats.per_day, stats.per_opd) == (0, [], [])
    assert stats.automatic_share is None and stats.accepted_share is None
    with pytest.raises(ValueError, match="days must be at least 1"):
        ComplaintStore(migrated).stats(days=0)


def test_pages_at_any_offset_join_into_the_desk_order_without_gaps_or_repeats(migrated: Engine) -> None:
    store = ComplaintStore(migrated)
    levels = ("tinggi", "sedang", "rendah", None)
    store.add(
        [
            _complaint(n, urgency=levels[n % 4], due_at=None if n % 9 == 0 else T0 + timedelta(hours=n % 5))
            for n in range(1, 41)
        ]
    )
    whole = [row.id for row in store.page(limit=40).items]
    paged = [row.id for offset in range(0, 40, 7) for row in store.page(limit=7, offset=offset).items]
    assert paged == whole and len(set(whole)) == 40
    ranks = [URGENCY_RANK.get(store.get(i).urgency or "", 3) for i in whole]
    assert ranks == sorted(ranks)
    assert [row.id for row in store.page(limit=5, offset=38).items] == whole[38:]
    filtered = [row.id for row in store.page(urgency="tinggi", needs_review=False, limit=40).items]
    assert filtered == [i for i in whole if store.get(i).urgency == "tinggi"]


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index ix_complaints_desk_order")
def test_the_desk_indexes_are_migrated(migrated: Engine) -> None:
    indexes = {index["name"]: index["column_names"] for index in inspect(migrated).get_indexes("complaints")}
    assert indexes["ix_complaints_order"] == ["urgency_rank", "due_at", "received_at", "id"]
    assert indexes["ix_complaints_stats"] == ["tanggal", "received_at", "status", "top_opd", "decided_opd"]


def test_a_page_of_one_status_is_read_in_desk_order_from_the_index_without_a_sort(tmp_path: Path) -> None:
    """SQLite's query plan (PostgreSQL chooses its plans by statistics, so there is nothing fixed to check)."""
    migrated = create_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    upgrade(migrated)
    store = ComplaintStore(migrated)
    store.add([_complaint(n, due_at=None if n == 3 else T0 + timedelta(days=n)) for n in range(1, 6)])
    query = select(ComplaintRow.id).where(ComplaintRow.status == "baru").order_by(*DESK_ORDER).limit(50)
    with migrated.connect() as connection:
        plan = " ".join(str(row) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {_sql(query)}"))
    assert "ix_complaints_desk_order" in plan
    assert "TEMP B-TREE" not in plan
    assert [row.id for row in store.page(status="baru").items] == ["c001", "c002", "c004", "c005", "c003"]
    migrated.dispose()


def _sql(query: Any) -> str:
    return str(query.compile(compile_kwargs={"literal_binds": True}))
