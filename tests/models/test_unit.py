"""The unit resolver (models/unit.py) on the team's fictional data/samples/units.csv."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from models.router import ComplaintRouter
from models.unit import Gazetteer, Place, UnitResolver, level_of, normalise_place
from training.data import Dataset, load_dataset

UNITS_CSV = Path(__file__).resolve().parents[2] / "data" / "samples" / "units.csv"
TERRITORIAL = "Kecamatan/Kelurahan"


@pytest.fixture(scope="module")
def units_data() -> Dataset:
    return load_dataset([UNITS_CSV], unit_column="instansi")


@pytest.fixture(scope="module")
def unit_router(units_data: Dataset) -> ComplaintRouter:
    return ComplaintRouter(calibration_cv=3).fit(
        units_data.texts, units_data.opd, units=units_data.units, places=units_data.places
    )


@pytest.fixture(scope="module")
def gazetteer(units_data: Dataset) -> Gazetteer:
    assert units_data.places is not None and units_data.units is not None
    return Gazetteer.build(
        [p.kecamatan for p in units_data.places], [p.kelurahan for p in units_data.places], units_data.units
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Kel. Pucang-Sewu ", "pucang sewu"),
        ("KECAMATAN  Gubeng", "gubeng"),
        ("kec.tambaksari", "tambaksari"),
        ("Kelurahan", ""),
        ("  ", ""),
        (None, ""),
        ("Désa Sukamaju", "sukamaju"),
    ],
)
def test_normalise_place(name: str | None, expected: str) -> None:
    assert normalise_place(name) == expected


@pytest.mark.parametrize(
    ("unit", "level"),
    [
        ("Kelurahan Pakis", "kelurahan"),
        ("Kecamatan Sukamaju", "kecamatan"),
        ("Dinas Sosial", None),
        ("Kelurahan", None),
    ],
)
def test_level_of(unit: str, level: str | None) -> None:
    assert level_of(unit) == level


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Jalan rusak di Kelurahan Mekarsari sudah lama", [("kelurahan", "mekarsari")]),
        ("warga wonoasri, kec. tanjungsari", [("kelurahan", "wonoasri"), ("kecamatan", "tanjungsari")]),
        # "pakis" is a common word (a fern): only a place right after a cue
        ("tanaman pakis di taman layu", []),
        ("rumah saya di kel. Pakis belum dapat air", [("kelurahan", "pakis")]),
        ("KARANGREJO!!! sampah menumpuk", [("kelurahan", "karangrejo")]),
        ("tidak menyebut tempat apa pun", []),
        ("", []),
    ],
)
def test_gazetteer_finds_place_names(gazetteer: Gazetteer, text: str, found: list[tuple[str, str]]) -> None:
    assert gazetteer.find(text) == found


def test_gazetteer_matches_multi_word_names_longest_first() -> None:
    places = Gazetteer.build(["Tanah Merah", "Tanah Merah"], ["Tanah Merah Utara", "Sidodadi"], [])
    assert places.find("banjir di tanah merah utara") == [("kelurahan", "tanah merah utara")]
    assert places.resolve(None, "banjir di tanah merah utara") == ("tanah merah utara", "tanah merah")


def test_gazetteer_resolve_prefers_known_fields_and_ignores_unknown_ones(gazetteer: Gazetteer) -> None:
    assert gazetteer.resolve(Place("Sukamaju", "Mekarsari"), "di kelurahan wonoasri") == ("mekarsari", "sukamaju")
    # an unknown kelurahan is not trusted: the text names the place instead
    assert gazetteer.resolve(Place(None, "Atlantis"), "di kelurahan wonoasri") == ("wonoasri", "tanjungsari")
    assert gazetteer.resolve(Place(None, "Atlantis"), "tanpa tempat") == ("", "")


def test_resolver_learns_which_labels_are_territorial_and_pooled(unit_router: ComplaintRouter) -> None:
    resolver = unit_router.unit_
    assert resolver.territorial_ == [TERRITORIAL]
    assert list(resolver.pooled_) == ["Lainnya"]
    assert resolver.unit_of_label_["Dinas Perhubungan"] == "Dinas Perhubungan"


@pytest.mark.parametrize(
    ("text", "place", "unit"),
    [
        (
            "Surat pengantar RT untuk kartu keluarga belum ditandatangani pak lurah",
            Place("Sukamaju", "Mekarsari"),
            "Kelurahan Mekarsari",
        ),
        (
            "Izin keramaian di kantor kecamatan belum keluar, legalisir juga ditolak",
            Place("Sukamaju", "Mekarsari"),
            "Kecamatan Sukamaju",
        ),
        # kelurahan only: its kecamatan comes from the gazetteer
        (
            "Izin keramaian di kantor kecamatan belum keluar, legalisir juga ditolak",
            Place(None, "Wonoasri"),
            "Kecamatan Tanjungsari",
        ),
        # no location fields: the place names in the text
        ("Surat pengantar RT dari kelurahan Wonoasri belum ditandatangani", None, "Kelurahan Wonoasri"),
        ("di kel. pakis surat pengantar RT belum ditandatangani", Place(None, None), "Kelurahan Pakis"),
    ],
)
def test_territorial_unit_from_fields_or_text(
    unit_router: ComplaintRouter, text: str, place: Place | None, unit: str
) -> None:
    assert unit_router.units_for([text], [TERRITORIAL], places=[place]).tolist() == [unit]


def test_territorial_unit_without_any_place_is_the_label(unit_router: ComplaintRouter) -> None:
    text = "Surat pengantar RT untuk kartu keluarga belum ditandatangani, rumah saya di dekat pakis besar"
    assert unit_router.units_for([text], [TERRITORIAL]).tolist() == [TERRITORIAL]


def test_pooled_unit_named_when_sure_else_the_pooled_label(unit_router: ComplaintRouter) -> None:
    sure = unit_router.units_for(["Hidran mati dan tidak ada pemadam kebakaran"], ["Lainnya"]).tolist()
    assert sure == ["Dinas Pemadam Kebakaran"]
    unsure = clone(unit_router.unit_).set_params(pooled_min_score=1.0)
    data = load_dataset([UNITS_CSV], unit_column="instansi")
    Z = unit_router.features_.transform(data.texts)
    unsure.fit(Z, data.opd, data.units, data.texts, data.places)
    Zq = unit_router.features_.transform(["Hidran mati dan tidak ada pemadam kebakaran"])
    assert unsure.predict(Zq, ["Lainnya"], ["Hidran mati"]).tolist() == ["Lainnya"]


def test_route_gives_the_unit_of_the_top_opd(unit_router: ComplaintRouter) -> None:
    texts = ["Lampu lalu lintas di perempatan mati", "Surat pengantar RT untuk kartu keluarga belum ditandatangani"]
    routing = unit_router.route(texts, places=[Place("Tanjungsari", "Wonoasri"), Place("Tanjungsari", "Wonoasri")])
    assert routing.unit is not None
    top = routing.classes[routing.top[:, 0]].tolist()
    assert top[0] == "Dinas Perhubungan" and routing.unit[0] == "Dinas Perhubungan"
    assert top[1] == TERRITORIAL and routing.unit[1] == "Kelurahan Wonoasri"
    suggestion = unit_router.suggest(texts[1:], places=[Place("Tanjungsari", "Wonoasri")])[0]
    assert suggestion.unit == "Kelurahan Wonoasri"


def test_router_without_units_answers_the_opd(sample_router: ComplaintRouter) -> None:
    routing = sample_router.route(["Lampu lalu lintas mati", "Sampah menumpuk"], places=[Place("X", "Y"), None])
    assert routing.unit is not None
    assert routing.unit.tolist() == routing.classes[routing.top[:, 0]].tolist()
    text = ["Lampu lalu lintas mati"]
    assert [s.unit for s in sample_router.suggest(text)] == [sample_router.predict(text)[0]]


def test_places_must_match_texts(unit_router: ComplaintRouter) -> None:
    with pytest.raises(ValueError, match="places has 1 entries for 2 texts"):
        unit_router.route(["a", "b"], places=[None])


def test_resolver_needs_some_units(units_data: Dataset, unit_router: ComplaintRouter) -> None:
    Z = np.zeros((2, 3))
    with pytest.raises(ValueError, match="units is empty on every row"):
        UnitResolver().fit(Z, ["A", "B"], ["", None], ["x", "y"])


def test_resolver_rejects_bad_pooled_min_score() -> None:
    with pytest.raises(ValueError, match="pooled_min_score must be in"):
        UnitResolver(pooled_min_score=1.5).fit(np.zeros((1, 1)), ["A"], ["A"], ["x"])


def test_unit_router_pickles_and_refits_alike(unit_router: ComplaintRouter, units_data: Dataset) -> None:
    texts = ["Izin keramaian di kecamatan belum keluar", "Hidran mati", "di kel. pakis surat RT belum jadi"]
    labels = [TERRITORIAL, "Lainnya", TERRITORIAL]
    places = [Place("Sukamaju", None), None, None]
    expected = unit_router.units_for(texts, labels, places=places).tolist()
    copy = pickle.loads(pickle.dumps(unit_router))
    assert copy.units_for(texts, labels, places=places).tolist() == expected
    again = clone(unit_router).fit(units_data.texts, units_data.opd, units=units_data.units, places=units_data.places)
    assert again.units_for(texts, labels, places=places).tolist() == expected
    assert clone(unit_router.unit_).get_params() == unit_router.unit_.get_params()


def test_place_units_are_the_two_units_the_level_chooses_from(unit_router: ComplaintRouter) -> None:
    resolver = unit_router.unit_
    pairs = resolver.place_units(
        ["apa saja", "surat dari kelurahan Wonoasri", "tanpa tempat"],
        [Place("Sukamaju", "Mekarsari"), None, Place(None, None)],
    )
    assert pairs == [
        ("Kelurahan Mekarsari", "Kecamatan Sukamaju"),
        ("Kelurahan Wonoasri", "Kecamatan Tanjungsari"),
        ("", ""),
    ]
    with pytest.raises(ValueError, match="places has 1 entries for 2 texts"):
        resolver.place_units(["a", "b"], [None])
