"""The feedback store and its endpoints: masking, acceptance, concurrency, export, and the round trip
feedback -> export -> train."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from serving.errors import FeedbackUnavailableError
from serving.feedback import EXPORT_COLUMNS, FeedbackRow, FeedbackStore, mask_text
from tests.serving.conftest import AUTH, MakeClient

# Team-written, fictional personal data (same kinds as data/samples): it must never be stored as is.
FAKE_NIK = "3578012304850001"
FAKE_PHONE = "0812-3456-7890"
FAKE_EMAIL = "budi.fiktif@example.com"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FeedbackStore]:
    s = FeedbackStore(f"sqlite:///{tmp_path / 'db' / 'feedback.db'}")
    yield s
    s.close()


def _export(store: FeedbackStore, **options: bool) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO("".join(store.export_csv(**options)))))


def test_store_masks_personal_data_before_it_is_written(store: FeedbackStore) -> None:
    text = f"Pohon tumbang menutup jalan. NIK {FAKE_NIK}, telp {FAKE_PHONE}, email {FAKE_EMAIL}"
    store.add(text=text, opd="BPBD")
    [row] = store.rows()
    assert FAKE_NIK not in row.text
    assert FAKE_PHONE not in row.text
    assert FAKE_EMAIL not in row.text
    assert row.text == "Pohon tumbang menutup jalan. NIK [NIK], telp [TELEPON], email [EMAIL]"


@pytest.mark.parametrize(
    ("opd", "suggested", "accepted"),
    [("BPBD", "BPBD", True), ("Dinas PUPR", "BPBD", False), ("BPBD", None, None)],
)
def test_store_records_whether_the_suggestion_was_kept(
    store: FeedbackStore, opd: str, suggested: str | None, accepted: bool | None
) -> None:
    stored = store.add(text="banjir masuk rumah", opd=opd, suggested_opd=suggested)
    assert stored.accepted is accepted
    assert store.rows()[0].accepted is accepted


def test_200_writes_from_20_threads_are_all_stored(store: FeedbackStore) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(20)

    def write(worker: int) -> None:
        start.wait()
        try:
            for n in range(10):
                store.add(text=f"lampu jalan mati {worker}-{n}", opd="Dinas Perhubungan", complaint_id=f"T{worker}-{n}")
        except BaseException as exc:  # noqa: BLE001 - collected and reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    rows = store.rows()
    assert len(rows) == 200
    assert len({r.id for r in rows}) == 200
    assert {r.complaint_id for r in rows} == {f"T{w}-{n}" for w in range(20) for n in range(10)}


def test_export_keeps_the_latest_decision_per_complaint(store: FeedbackStore) -> None:
    store.add(text="sampah menumpuk", opd="BPBD", complaint_id="K1", urgency="sedang")
    store.add(text="sampah menumpuk", opd="Dinas Lingkungan Hidup", complaint_id="K1", urgency="sedang")
    store.add(text="KTP hilang", opd="Disdukcapil")
    store.add(text="KTP rusak", opd="Disdukcapil")
    latest = _export(store)
    everything = _export(store, latest_only=False)
    assert list(latest[0]) == list(EXPORT_COLUMNS)
    assert [(r["id"], r["opd"], r["urgensi"]) for r in latest] == [
        ("K1", "Dinas Lingkungan Hidup", "sedang"),
        ("feedback-3", "Disdukcapil", ""),
        ("feedback-4", "Disdukcapil", ""),
    ]
    assert len(everything) == 4


def test_export_quotes_commas_quotes_and_newlines(store: FeedbackStore) -> None:
    text = 'Jalan "rusak", berlubang\nbaris kedua'
    store.add(text=text, opd="Dinas PUPR", complaint_id="Q1")
    frame = pd.read_csv(io.StringIO("".join(store.export_csv())), dtype=str, keep_default_na=False)
    assert frame.to_dict("records") == [{"id": "Q1", "teks": text, "opd": "Dinas PUPR", "urgensi": ""}]


@pytest.mark.parametrize(
    ("cell", "exported"),
    [
        ('=HYPERLINK("http://jahat.example","klik")', "'=HYPERLINK"),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd"),
        ("-2+3 jalan rusak", "'-2+3"),
        ("@SUM(1+1)", "'@SUM"),
        ("\tjalan rusak", "'\tjalan"),
        ("\rjalan rusak", "'\njalan"),
        ("Jalan = rusak", "Jalan = rusak"),  # only a leading sign is a formula
        ("jalan\rrusak", "jalan\nrusak"),  # a lone CR is written as a line break, not read as the end of the row
    ],
)
def test_export_neutralises_cells_a_spreadsheet_would_run(store: FeedbackStore, cell: str, exported: str) -> None:
    store.add(text=cell, opd=cell, complaint_id=cell)
    [row] = _export(store)
    assert row["teks"].startswith(exported)
    assert row["opd"].startswith(exported)
    assert row["id"].startswith(exported)
    assert row["teks"].removeprefix("'") == mask_text(cell).replace("\r", "\n")  # nothing else changed


def test_free_text_opd_names_are_masked_before_they_are_stored(store: FeedbackStore) -> None:
    store.add(
        text="banjir",
        opd=f"Dinas Sosial, hubungi {FAKE_PHONE}",
        suggested_opd=f"BPBD ({FAKE_EMAIL}) NIK {FAKE_NIK}",
        complaint_id="K-1",
    )
    [row] = store.rows()
    assert row.opd == "Dinas Sosial, hubungi [TELEPON]"
    assert row.suggested_opd == "BPBD ([EMAIL]) NIK [NIK]"
    shown = repr(store.stats()) + "".join(store.export_csv())
    for value in (FAKE_PHONE, FAKE_EMAIL, FAKE_NIK):
        assert value not in shown


def test_opd_names_stored_unmasked_by_an_older_version_are_masked_when_shown(store: FeedbackStore) -> None:
    for opd in (f"Dinas Sosial {FAKE_PHONE}", "Dinas Sosial 0813-9999-1111"):  # rows written before masking
        with store.engine.begin() as connection:
            connection.execute(
                FeedbackRow.__table__.insert().values(text="banjir", opd=opd, suggested_opd=opd, accepted=False)
            )
    stats = store.stats()
    assert stats["by_suggested_opd"] == {
        "Dinas Sosial [TELEPON]": {"suggested": 2, "accepted": 0, "acceptance_rate": 0.0}
    }
    assert {c["suggested"] for c in stats["top_corrections"]} == {"Dinas Sosial [TELEPON]"}
    assert {row["opd"] for row in _export(store)} == {"Dinas Sosial [TELEPON]"}
    assert FAKE_PHONE not in repr(stats)


def test_stats_count_decisions_and_acceptance(store: FeedbackStore) -> None:
    assert store.stats()["acceptance_rate"] is None
    store.add(text="a", opd="BPBD", suggested_opd="BPBD", urgency="tinggi")
    store.add(text="b", opd="BPBD", suggested_opd="BPBD", urgency="tinggi")
    store.add(text="c", opd="Dinas PUPR", suggested_opd="BPBD")
    store.add(text="d", opd="PDAM")
    stats = store.stats()
    assert stats["total"] == 4
    assert stats["with_suggestion"] == 3
    assert stats["accepted"] == 2
    assert stats["acceptance_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert stats["by_suggested_opd"] == {"BPBD": {"suggested": 3, "accepted": 2, "acceptance_rate": 0.6667}}
    assert stats["top_corrections"] == [{"suggested": "BPBD", "chosen": "Dinas PUPR", "count": 1}]
    assert stats["by_urgency"] == {"tinggi": 2, "none": 2}
    assert stats["first_at"] is not None


def test_a_malformed_url_is_a_value_error() -> None:
    with pytest.raises(ValueError, match='feedback_url "not a url" is not an SQLAlchemy URL'):
        FeedbackStore("not a url")


def test_an_unreachable_database_is_reported_without_its_password() -> None:
    url = "postgresql+psycopg2://pengguna:rahasia-sekali@127.0.0.1:1/tidak_ada"
    with pytest.raises(FeedbackUnavailableError, match=r"cannot open the feedback store .*127\.0\.0\.1:1") as info:
        FeedbackStore(url)
    assert "rahasia-sekali" not in info.value.message


# -- endpoints ------------------------------------------------------------------------------------


def test_feedback_endpoint_stores_the_decision(client: TestClient) -> None:
    payload = {"id": "L-9", "text": f"Banjir di gang 4, hubungi {FAKE_PHONE}", "opd": "BPBD", "urgency": "tinggi"}
    response = client.post("/v1/feedback", json={**payload, "suggested_opd": "BPBD"}, headers=AUTH)
    assert response.status_code == 201
    assert response.json() == {"feedback_id": 1, "id": "L-9", "accepted": True, "known_opd": True}
    export = client.get("/v1/feedback/export", headers=AUTH)
    assert export.status_code == 200
    assert export.headers["content-type"] == "text/csv; charset=utf-8"
    assert export.headers["content-disposition"].startswith('attachment; filename="feedback-')
    assert export.text == 'id,teks,opd,urgensi\nL-9,"Banjir di gang 4, hubungi [TELEPON]",BPBD,tinggi\n'


def test_feedback_for_an_opd_the_model_does_not_know_is_stored_and_flagged(client: TestClient) -> None:
    response = client.post("/v1/feedback", json={"text": "izin reklame", "opd": "Bapenda"}, headers=AUTH)
    assert response.status_code == 201
    assert response.json()["known_opd"] is False
    assert response.json()["accepted"] is None


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"text": "banjir", "opd": "BPBD", "urgency": "darurat"}, "urgency: Input should be 'tinggi', 'sedang' or"),
        ({"text": "banjir", "opd": "  "}, "opd: must not be empty or only whitespace"),
        ({"text": "banjir"}, "opd: is required"),
        ({"text": " ", "opd": "BPBD"}, "text: must not be empty or only whitespace"),
        ({"text": "banjir", "opd": 3}, "opd: must be a string, not a number"),
    ],
)
def test_feedback_rejects_bad_input(client: TestClient, payload: object, message: str) -> None:
    response = client.post("/v1/feedback", json=payload, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(message)


def test_feedback_urgency_is_case_and_blank_tolerant(client: TestClient) -> None:
    for urgency in ("Tinggi ", ""):
        payload = {"text": "banjir", "opd": "BPBD", "urgency": urgency}
        assert client.post("/v1/feedback", json=payload, headers=AUTH).status_code == 201
    rows = list(csv.DictReader(io.StringIO(client.get("/v1/feedback/export", headers=AUTH).text)))
    assert [r["urgensi"] for r in rows] == ["tinggi", ""]


def test_stats_endpoint_reports_acceptance(client: TestClient) -> None:
    for opd in ("BPBD", "BPBD", "PDAM"):
        body = {"text": "banjir", "opd": opd, "suggested_opd": "BPBD"}
        assert client.post("/v1/feedback", json=body, headers=AUTH).status_code == 201
    assert client.get("/v1/stats").status_code == 401  # it names OPDs that admins typed
    stats = client.get("/v1/stats", headers=AUTH).json()
    assert stats["model_version"]
    assert stats["feedback"]["total"] == 3
    assert stats["feedback"]["acceptance_rate"] == pytest.approx(0.6667)


def test_an_opd_typed_with_a_phone_number_is_never_shown_as_typed(client: TestClient) -> None:
    body = {"text": "banjir", "opd": f"Dinas Sosial {FAKE_PHONE}", "suggested_opd": f"BPBD {FAKE_EMAIL}"}
    assert client.post("/v1/feedback", json=body, headers=AUTH).status_code == 201
    stats = client.get("/v1/stats", headers=AUTH)
    export = client.get("/v1/feedback/export", headers=AUTH)
    assert stats.json()["feedback"]["top_corrections"] == [
        {"suggested": "BPBD [EMAIL]", "chosen": "Dinas Sosial [TELEPON]", "count": 1}
    ]
    for shown in (stats.text, export.text):
        assert FAKE_PHONE not in shown
        assert FAKE_EMAIL not in shown


def test_an_unreachable_feedback_store_is_503_while_routing_still_works(make_client: MakeClient) -> None:
    url = "postgresql+psycopg2://pengguna:rahasia-sekali@127.0.0.1:1/tidak_ada"
    with make_client(feedback_url=url) as client:
        feedback = client.post("/v1/feedback", json={"text": "banjir", "opd": "BPBD"}, headers=AUTH)
        export = client.get("/v1/feedback/export", headers=AUTH)
        routed = client.post("/v1/route", json={"text": "banjir"})
    assert feedback.status_code == 503
    assert feedback.json()["error"] == "feedback_unavailable"
    assert "rahasia-sekali" not in feedback.text
    assert export.status_code == 503
    assert routed.status_code == 200


def test_feedback_export_trains_a_model_as_is(client: TestClient, samples_csv: Path, tmp_path: Path) -> None:
    """Round trip: admins' decisions -> GET /v1/feedback/export -> training.workflow.train_model."""
    from models.artifact import load_model
    from training.workflow import train_model

    samples = pd.read_csv(samples_csv, dtype=str, keep_default_na=False)
    chosen = samples.groupby("opd", group_keys=False).head(6)
    for row in chosen.itertuples():
        routed = client.post("/v1/route", json={"id": row.id, "text": row.teks}).json()
        decision = {"id": row.id, "text": row.teks, "opd": row.opd, "urgency": row.urgensi}
        decision["suggested_opd"] = routed["suggestions"][0]["opd"]
        assert client.post("/v1/feedback", json=decision, headers=AUTH).status_code == 201
    formula = {"id": "F-1", "text": '=HYPERLINK("http://x.example") jalan rusak berlubang', "opd": chosen.iloc[0].opd}
    assert client.post("/v1/feedback", json=formula, headers=AUTH).status_code == 201
    export = tmp_path / "export.csv"
    export.write_bytes(client.get("/v1/feedback/export", headers=AUTH).content)
    exported = pd.read_csv(export, dtype=str, keep_default_na=False)
    assert exported.loc[exported["id"] == "F-1", "teks"].item().startswith("'=HYPERLINK")

    summary = train_model([export], tmp_path / "retrained", tracking=False)

    router, meta = load_model(tmp_path / "retrained")
    assert summary["train_rows"] == len(chosen) + 1
    assert sorted(meta.opd_labels) == sorted(chosen["opd"].unique())
    assert meta.urgency_labels == ["rendah", "sedang", "tinggi"]
    [suggestion] = router.suggest(["Banjir masuk rumah warga setinggi pinggang"])
    assert len(suggestion.opd) == 3
