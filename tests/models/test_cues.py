from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.cues import candidate_cues, find_cues, load_cues
from models.text import analyse

FIRING = [
    ("Pohon besar di depan SD sudah miring ke kabel listrik", "pohon_bahaya"),
    ("Banjir masuk rumah warga setinggi lutut", "banjir_permukiman"),
    ("ada kebakaran di gudang dekat kampung", "kebakaran"),
    ("preman memukul pedagang di pasar", "kekerasan"),
    ("terjadi pengeroyokan di gang sebelah", "kekerasan"),
    ("air dari got meluber ke rumah warga", "limbah_rumah"),
    ("lampu lalu lintas di perempatan mati sejak pagi", "lampu_lalin_mati"),
    ("tercium bau gas dari pipa", "gas_bocor"),
    ("kabel listrik putus menjuntai ke jalan", "kabel_bahaya"),
    ("tetangga kami KDRT tiap malam, anaknya dipukul", "kekerasan"),
    ("traffic light di perempatan mati total", "lampu_lalin_mati"),
    ("anak saya hilang sejak kemarin sore", "orang_hilang"),
    ("air gak ngalir 4 hari satu RT", "air_mati_massal"),
]
NOT_FIRING = [
    "mohon pohon di depan rumah dirantingi karena sudah rimbun",
    "minta informasi cara membuat KTP baru",
    "terima kasih atas pelayanan kelurahan yang cepat",
    "petugas gas elpiji tetapi sapi lewat",  # trigger words inside other words
]


@pytest.mark.parametrize(("text", "cue"), FIRING)
def test_danger_cue_fires(text: str, cue: str) -> None:
    names = [name for name, _ in find_cues(analyse(text).expanded)]
    assert cue in names


@pytest.mark.parametrize("text", NOT_FIRING)
def test_no_danger_cue_in_routine_requests(text: str) -> None:
    assert find_cues(analyse(text).expanded) == []


def test_trigger_prefilter_never_hides_a_match(samples_csv: Path) -> None:
    """Over every sample complaint and every cue example above, the prefilter changes nothing."""
    with open(samples_csv, encoding="utf-8", newline="") as fh:
        texts = [row["teks"] for row in csv.DictReader(fh)]
    texts += [text for text, _ in FIRING] + NOT_FIRING
    fired = 0
    for text in texts:
        expanded = analyse(text).expanded
        unguarded_names = set()
        for cue in load_cues():
            unguarded = cue.pattern.search(expanded) is not None
            assert (cue.search(expanded) is not None) == unguarded, (cue.name, text[:40])
            fired += unguarded
            if unguarded:
                unguarded_names.add(cue.name)
        assert {name for name, _ in find_cues(expanded)} == unguarded_names, text[:40]
    assert fired > 50


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("abdegiklmnoprstuy"), max_size=20))
def test_candidate_cues_are_the_cues_whose_trigger_words_occur(token: str) -> None:
    expected = frozenset(
        index
        for index, cue in enumerate(load_cues())
        if any(max(trigger.split(" "), key=len) in token for trigger in cue.triggers)
    )
    assert candidate_cues(token) == expected


@pytest.mark.parametrize(
    "token", ["kebakaran", "pengeroyokan", "memukul", "tetapi", "petugas", "lukaluka", "banjir", "dilayani", "tidak"]
)
def test_candidate_cues_of_real_words(token: str) -> None:
    cues = load_cues()
    expected = {i for i, cue in enumerate(cues) if any(max(t.split(" "), key=len) in token for t in cue.triggers)}
    assert candidate_cues(token) == expected
