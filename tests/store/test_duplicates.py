"""store.duplicates: a stored complaint points at the earlier one it repeats; groups decided at once, with a trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from models.similarity import Complaint
from store.complaints import ComplaintStore, Decision, NewComplaint
from store.schema import ComplaintBandRow

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
# Team-written complaints (no real data).
POTHOLE = "Jalan di depan SDN 3 Kenjeran berlubang besar, sudah dua motor jatuh minggu ini, mohon segera diperbaiki"
LAMP_A = "Lampu PJU di jalan Sidodadi gang 4 mati sejak tiga hari, gelap sekali kalau malam dan rawan"
# Besides the common PJU pairs ("lampu penerangan jalan umum"), the two share the street and its gang.
LAMP_B = "Warga takut lewat malam karena gelap gulita, tolong lampu PJU jalan Sidodadi gang 4 segera diperbaiki petugas"
OTHER = "Sampah di pasar Keputran tidak diangkut sudah seminggu, baunya sampai ke rumah warga"


def _new(
    cid: str, text: str, *, days: int = 0, kelurahan: str | None = "Kenjeran", opd: str = "Dinas PUPR"
) -> NewComplaint:
    return NewComplaint(
        id=cid,
        text=text,
        suggestion={"suggestions": [{"opd": opd, "score": 0.8}]},
        top_opd=opd,
        top_score=0.8,
        urgency="sedang",
        needs_review=False,
        model_version="v1",
        tanggal=T0 + timedelta(days=days),
        kelurahan=kelurahan,
    )


def test_a_resubmission_points_at_the_first_complaint(migrated: Engine) -> None:
    store = ComplaintStore(migrated)
    store.add([_new("A1", POTHOLE), _new("A2", OTHER)])
    store.add([_new("A3", "selamat pagi pak, " + POTHOLE.upper()), _new("A4", POTHOLE.replace("sudah", "udah"))])
    found = store.duplicates(["A1", "A2", "A3", "A4"])
    assert set(found) == {"A3", "A4"}
    assert {row.duplicate_of for row in found.values()} == {"A1"}
    assert all(row.duplicate_kind == "ulang" and 0.4 <= (row.duplicate_score or 0) <= 1 for row in found.values())
    assert store.group_sizes(["A1", "A2"]) == {"A1": 2}


def test_a_related_complaint_needs_the_same_place_and_opd(migrated: Engine) -> None:
    store = ComplaintStore(migrated)
    dishub = "Dinas Perhubungan"
    store.add([_new("B1", LAMP_A, kelurahan="Sidodadi", opd=dishub)])
    store.add([_new("B2", LAMP_B, days=3, kelurahan="Sidodadi", opd=dishub)])
    store.add([_new("B3", LAMP_B, days=3, kelurahan="Kapasari", opd=dishub)])  # another kelurahan
    found = store.duplicates(["B2", "B3"])
    assert list(found) == ["B2"]
    assert (found["B2"].duplicate_of, found["B2"].duplicate_kind) == ("B1", "terkait")


def test_every_complaint_identical_is_one_group(migrated: Engine) -> None:
    store = ComplaintStore(migrated)
    store.add([_new(f"S{i}", POTHOLE) for i in range(6)])
    assert store.group_sizes(["S0"]) == {"S0": 5}
    with migrated.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(ComplaintBandRow)) > 0


def test_a_text_without_words_is_stored_and_matches_nothing(migrated: Engine) -> None:
    store = ComplaintStore(migrated)
    assert store.add([_new("E1", "!!!"), _new("E2", "!!!")]) == [True, True]
    assert store.duplicates(["E1", "E2"]) == {}


def test_a_group_is_decided_in_one_step_with_a_trail_row_each(migrated: Engine) -> None:
    store = ComplaintStore(migrated)
    store.add([_new("G1", POTHOLE), _new("G2", POTHOLE.upper()), _new("G3", POTHOLE + " tolong"), _new("G4", OTHER)])
    store.decide("G3", Decision(decided_by="budi", opd="Dinas PUPR"))  # already decided: left as it is
    decided = store.decide_group("G2", Decision(decided_by="sari", opd="Dinas SDA"))
    assert [row.id for row in decided] == ["G2", "G1"]
    assert {store.get(i).decided_opd for i in ("G1", "G2")} == {"Dinas SDA"}
    assert store.get("G3").decided_opd == "Dinas PUPR" and store.get("G4").status == "baru"
    assert [t.opd for t in store.trail("G1")] == ["Dinas SDA"]
    assert [t.decided_by for t in store.trail("G2")] == ["sari"]


def test_most_similar_ranks_stored_complaints(migrated: Engine) -> None:
    store = ComplaintStore(migrated)
    store.add([_new("M1", POTHOLE), _new("M2", OTHER), _new("M3", POTHOLE + " Sudah lapor tapi belum ada tanggapan.")])
    similar = store.similar(Complaint("baru", POTHOLE.lower(), kelurahan="Kenjeran", opd="Dinas PUPR"), 5)
    assert [s.id for s in similar][:2] == ["M1", "M3"]
    assert similar[0].score == 1.0 and similar[0].kind == "ulang"
    assert "M2" not in [s.id for s in similar]
    assert store.similar(Complaint("kosong", ""), 5) == []
