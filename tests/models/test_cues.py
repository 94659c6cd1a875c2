from __future__ import annotations

import pytest

from models.cues import cue_matrix, find_cues, load_cues
from models.text import analyse


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Pohon besar di depan SD sudah miring ke kabel listrik", "pohon_bahaya"),
        ("Banjir masuk rumah warga setinggi lutut", "banjir_permukiman"),
        ("ada kebakaran di gudang dekat kampung", "kebakaran"),
        ("kabel listrik putus menjuntai ke jalan", "kabel_bahaya"),
        ("tetangga kami KDRT tiap malam, anaknya dipukul", "kekerasan"),
        ("traffic light di perempatan mati total", "lampu_lalin_mati"),
        ("anak saya hilang sejak kemarin sore", "orang_hilang"),
        ("air gak ngalir 4 hari satu RT", "air_mati_massal"),
    ],
)
def test_danger_cue_fires(text: str, cue: str) -> None:
    names = [name for name, _ in find_cues(analyse(text).expanded)]
    assert cue in names


@pytest.mark.parametrize(
    "text",
    [
        "mohon pohon di depan rumah dirantingi karena sudah rimbun",
        "minta informasi cara membuat KTP baru",
        "terima kasih atas pelayanan kelurahan yang cepat",
    ],
)
def test_no_danger_cue_in_routine_requests(text: str) -> None:
    assert find_cues(analyse(text).expanded) == []


def test_cue_matrix_shape_and_values() -> None:
    texts = [analyse(t).expanded for t in ("banjir masuk rumah", "minta paving")]
    matrix = cue_matrix(texts)
    assert matrix.shape == (2, len(load_cues()))
    assert matrix[0].sum() >= 1
    assert matrix[1].sum() == 0
