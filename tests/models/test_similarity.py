"""models.similarity: re-submissions and related complaints, places, bounded memory."""

from __future__ import annotations

import pytest

from models.minhash import content_hashes, pair_hash, word_hash
from models.similarity import (
    KIND_RELATED,
    KIND_RESUBMISSION,
    Complaint,
    SimilarityConfig,
    SimilarityIndex,
    load_common_pairs,
    place_of,
)

# Team-written complaints (no real data).
ORIGINAL = (
    "Selamat pagi pak, jalan di depan SDN 3 Kenjeran berlubang besar sejak hujan deras minggu lalu. "
    "Sudah dua motor jatuh di sana, mohon segera diperbaiki sebelum ada korban."
)
OTHER = "Sampah di pasar Keputran tidak diangkut sudah seminggu, baunya sampai ke rumah warga dan banyak lalat."


@pytest.mark.parametrize(
    "copy",
    [
        ORIGINAL.upper(),  # case
        ORIGINAL.replace(" ", "  ").replace(", ", ","),  # spacing
        ORIGINAL.replace("Selamat pagi pak, ", ""),  # greeting dropped
        ORIGINAL + " Sudah lapor sebelumnya tapi belum ada tanggapan.",  # a sentence added
        ORIGINAL.split(". ")[0] + ".",  # a sentence cut
        ORIGINAL.replace("Sudah", "udah").replace("tidak", "gak").replace("sudah", "sdh"),  # slang
        ORIGINAL.replace("berlubang", "berlubnag").replace("diperbaiki", "diperbaikii"),  # typos
    ],
)
def test_a_reworded_copy_is_a_resubmission_of_the_original(copy: str) -> None:
    index = SimilarityIndex()
    first, second = index.add([Complaint("A1", ORIGINAL), Complaint("A2", copy)])
    assert first is None
    assert second is not None
    assert (second.key, second.kind) == ("A1", KIND_RESUBMISSION)
    assert 0.4 <= second.score <= 1.0


def test_distinct_complaints_do_not_match() -> None:
    assert SimilarityIndex().add([Complaint("A1", ORIGINAL), Complaint("A2", OTHER)]) == [None, None]


def test_a_match_is_always_an_earlier_complaint_across_calls() -> None:
    index = SimilarityIndex()
    assert index.add([Complaint("A1", ORIGINAL)]) == [None]
    (match,) = index.add([Complaint("A2", ORIGINAL)])
    assert match is not None and match.key == "A1" and match.score == 1.0


def test_every_copy_of_a_group_points_at_its_first_member() -> None:
    answers = SimilarityIndex().add([Complaint(f"A{i}", ORIGINAL) for i in range(5)])
    assert answers[0] is None
    assert {m.key for m in answers[1:] if m is not None} == {"A0"}


@pytest.mark.parametrize("text", ["", "   ", "yang dan di ke"])  # empty, or only stopwords
def test_text_without_content_words_matches_nothing_and_is_not_remembered(text: str) -> None:
    index = SimilarityIndex()
    assert index.add([Complaint("A1", text), Complaint("A2", text)]) == [None, None]
    assert len(index) == 0


def test_different_kelurahan_fields_are_never_a_resubmission() -> None:
    short = "jalan berlubang dan berbahaya"
    answers = SimilarityIndex().add(
        [Complaint("A1", short, kelurahan="Kenjeran"), Complaint("A2", short, kelurahan="Sidodadi")]
    )
    assert answers == [None, None]


# What they share besides common pairs ("lampu penerangan jalan umum"): the street and the mosque it is near.
RELATED_A = (
    "Sudah tiga hari lampu PJU di jalan Kenjeran dekat masjid padam, jamaah subuh jalan dalam gelap dan rawan begal."
)
RELATED_B = "Tolong lampu PJU mati di jalan Kenjeran dekat masjid, malam gelap, warga takut lewat."


def test_same_place_opd_and_topic_within_the_window_is_related() -> None:
    complaints = [
        Complaint("B1", RELATED_A, kelurahan="Tambak Wedi", opd="Dinas Perhubungan", day=100),
        Complaint("B2", RELATED_B, kelurahan="tambak  wedi", opd="Dinas Perhubungan", day=105),
    ]
    _, match = SimilarityIndex().add(complaints)
    assert match is not None and (match.key, match.kind) == ("B1", KIND_RELATED)


@pytest.mark.parametrize(
    ("kelurahan", "opd", "day"),
    [
        ("Sidodadi", "Dinas Perhubungan", 105),  # another place
        ("Tambak Wedi", "Dinas Kesehatan", 105),  # another OPD
        ("Tambak Wedi", "Dinas Perhubungan", 130),  # outside the 14 days
    ],
)
def test_related_needs_the_same_place_opd_and_window(kelurahan: str, opd: str, day: int) -> None:
    complaints = [
        Complaint("B1", RELATED_A, kelurahan="Tambak Wedi", opd="Dinas Perhubungan", day=100),
        Complaint("B2", RELATED_B, kelurahan=kelurahan, opd=opd, day=day),
    ]
    assert SimilarityIndex().add(complaints) == [None, None]


def test_a_street_named_in_the_text_places_a_complaint_without_location_fields() -> None:
    complaints = [
        Complaint("B1", RELATED_A, opd="Dinas Perhubungan"),
        Complaint("B2", RELATED_B, opd="Dinas Perhubungan"),
    ]
    _, match = SimilarityIndex().add(complaints)
    assert match is not None and match.kind == KIND_RELATED


@pytest.mark.parametrize(
    ("kelurahan", "kecamatan", "text", "place"),
    [
        ("Tambak  Wedi", "Kenjeran", "", "kel:tambak wedi"),
        (None, "Kenjeran", "", "kec:kenjeran"),
        ("nan", None, "lampu jalan kenjeran mati", "street"),
        (None, None, "lampu jl. Kenjeran mati total", "street"),
        (None, None, "lampu mati", None),
    ],
)
def test_place_of(kelurahan: str | None, kecamatan: str | None, text: str, place: str | None) -> None:
    found = place_of(kelurahan, kecamatan, content_hashes(text))
    if place == "street":  # a street is named by the hashes of its words: the same for jalan, jl.
        assert found is not None and found == place_of(hashes=content_hashes("di jalan kenjeran"))
    else:
        assert found == place


def test_prepared_elsewhere_gives_the_same_answers() -> None:
    texts = [ORIGINAL, OTHER, ORIGINAL.upper(), RELATED_A, RELATED_B]
    complaints = [Complaint(f"P{i}", t, opd="Dinas Perhubungan") for i, t in enumerate(texts)]
    direct = SimilarityIndex().add(complaints)
    index = SimilarityIndex()
    assert index.add(complaints, index.prepare(texts)) == direct
    assert direct[2] is not None and direct[2].key == "P0"


def test_prepared_for_other_texts_is_refused() -> None:
    index = SimilarityIndex()
    with pytest.raises(ValueError, match="prepared holds 1 texts for 2 complaints"):
        index.add([Complaint("A", ORIGINAL), Complaint("B", OTHER)], index.prepare([ORIGINAL]))


def test_memory_is_bounded_by_max_rows() -> None:
    index = SimilarityIndex(SimilarityConfig(max_rows=3))
    words = ("banjir", "sampah", "lampu", "pohon", "parkir", "pasar", "sekolah", "taman")
    texts = [f"{w} {w}nya {w}an ter{w}" for w in words]  # no two share a word
    index.add([Complaint(f"C{i}", text) for i, text in enumerate(texts)])
    assert len(index) == 3
    # the first complaints are forgotten, the last three remembered
    forgotten, remembered = index.add([Complaint("D0", texts[0]), Complaint("D7", texts[7])])
    assert forgotten is None
    assert remembered is not None and remembered.key == "C7"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("resubmission_threshold", 0.0, "resubmission_threshold must be in"),
        ("bands", 0, "bands must be at least 1"),
        ("window_days", -1, "window_days must be at least 0"),
    ],
)
def test_bad_config_is_a_clear_error(field: str, value: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SimilarityConfig(**{field: value})


# Team-written: two street lights out on two different streets of one kelurahan. What they share is the name
# of the fault (PJU: "penerangan jalan umum") and a polite formula, all common pairs.
LIGHTS_A = "Mohon bantuan, lampu PJU mati di gang Melati, gelap gulita sejak kemarin"
LIGHTS_B = "Mohon bantuan PJU mati depan musholla Al Ikhlas, perumahan Griya Asri blok C"


@pytest.mark.parametrize(("skip", "related"), [(False, True), (True, False)])
def test_common_pairs_are_no_evidence_of_the_same_problem(skip: bool, related: bool) -> None:
    common = load_common_pairs()
    assert {
        pair_hash(word_hash("penerangan"), word_hash("jalan")),
        pair_hash(word_hash("mohon"), word_hash("bantuan")),
    } <= common
    complaints = [
        Complaint("L1", LIGHTS_A, kelurahan="Tambak Wedi", opd="Dinas Perhubungan", day=100),
        Complaint("L2", LIGHTS_B, kelurahan="Tambak Wedi", opd="Dinas Perhubungan", day=101),
    ]
    config = SimilarityConfig(related_skip_common=skip, related_threshold=0.25)
    _, match = SimilarityIndex(config).add(complaints)
    assert (match is not None and match.kind == KIND_RELATED) is related


# Team-written: the same fault (a street light near a mosque) in one kelurahan, the street named in each text.
SPOT_A = (
    "Sudah tiga hari lampu PJU di jalan {street} dekat masjid Al Falah padam, jamaah subuh dalam gelap dan rawan begal."
)
SPOT_B = "Tolong diperbaiki, PJU mati di jalan {street} dekat masjid Al Falah, malam hari warga takut lewat."


def _spot_pair(first: str, second: str, config: SimilarityConfig | None = None) -> bool:
    """Whether the second of two such texts (same kelurahan field, OPD, week) is related to the first."""
    complaints = [
        Complaint("S1", first, kelurahan="Tambak Wedi", opd="Dinas Perhubungan", day=100),
        Complaint("S2", second, kelurahan="Tambak Wedi", opd="Dinas Perhubungan", day=103),
    ]
    _, match = SimilarityIndex(config).add(complaints)
    return match is not None and match.kind == KIND_RELATED


@pytest.mark.parametrize(
    ("street_a", "street_b", "related"),
    [
        ("Kenjeran", "Kenjeran", True),  # the same street
        ("raya Kenjeran", "Kenjeran", True),  # a title before the name does not make another street
        ("Kenjeran", "Mulyosari", False),  # another street of the same kelurahan: another spot
        ("Sidotopo Lor", "Sidotopo Kidul", False),  # a direction after the name makes another street
        ("Sidotopo Lor", "Sidotopo Lor", True),
    ],
)
def test_texts_naming_different_streets_are_not_related(street_a: str, street_b: str, related: bool) -> None:
    first, second = SPOT_A.format(street=street_a), SPOT_B.format(street=street_b)
    assert _spot_pair(first, second) is related
    assert _spot_pair(first, second, SimilarityConfig(related_spot_veto=False))  # the veto alone decides


def test_a_text_naming_no_street_is_not_vetoed() -> None:
    unnamed = "Tolong diperbaiki, PJU mati dekat masjid Al Falah, malam hari warga takut lewat."
    assert _spot_pair(SPOT_A.format(street="Kenjeran"), unnamed)
    assert _spot_pair(unnamed, SPOT_A.format(street="Mulyosari"))


def test_a_common_fault_after_jalan_names_no_street() -> None:
    # "penerangan jalan umum" and "jalan rusak" are common pairs: the word after jalan is no street name there
    assert _spot_pair(SPOT_A.format(street="Kenjeran"), SPOT_B.format(street="umum"))
    assert _spot_pair(SPOT_A.format(street="Kenjeran"), SPOT_B.format(street="rusak"))


# Team-written: one sender's lists of rubbish to pick up on one street, other house numbers.
LIST_A = (
    "Mohon bantuan pengangkutan sampah liar di gang Kenanga no {number}, sampah menumpuk sudah seminggu dan berbau."
)
LIST_B = "Sampah belum diangkut petugas di gang Kenanga No.{number}, tolong segera diangkut, baunya menyengat."


@pytest.mark.parametrize(
    ("number_a", "number_b", "related"),
    [("12", "12", True), ("12", "27", False), ("12", "012", True), ("12", "12A", True)],
)
def test_texts_naming_different_house_numbers_are_not_related(number_a: str, number_b: str, related: bool) -> None:
    first, second = LIST_A.format(number=number_a), LIST_B.format(number=number_b)
    assert _spot_pair(first, second) is related
    assert _spot_pair(first, second, SimilarityConfig(related_spot_veto=False))


def test_a_long_number_after_no_is_no_house_number() -> None:
    # a phone number ("no 0812...") says nothing of the spot
    assert _spot_pair(LIST_A.format(number="081234567890"), LIST_B.format(number="12"))
