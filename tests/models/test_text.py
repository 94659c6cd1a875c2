from __future__ import annotations

import pytest

from models.stem import stem_word
from models.text import analyse, mask_personal_data, normalise, repair, tokenize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("NIK saya 3578012345678901 mohon dicek", "NIK saya [NIK] mohon dicek"),
        ("no KK 3578 0123 4567 8901 salah", "no KK [NIK] salah"),
        ("hubungi 0812-3456-7890 ya", "hubungi [TELEPON] ya"),
        ("WA +62 813 1234 5678 min", "WA [TELEPON] min"),
        ("telp kantor (031) 567 8901", "telp kantor [TELEPON]"),
        ("email warga.rt05@example.com", "email [EMAIL]"),
        ("lihat https://contoh.go.id/lapor?id=5", "lihat [URL]"),
        ("jalan rusak sejak 2022 di RT 05", "jalan rusak sejak 2022 di RT 05"),
    ],
)
def test_mask_personal_data(raw: str, expected: str) -> None:
    assert mask_personal_data(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("caf\u00c3\u00a9", "café"),
        ("\u00e2\u20ac\u0153banjir\u00e2\u20ac\u009d", "“banjir”"),
        ("don\u00e2\u20ac\u2122t", "don’t"),
        ("a\u200bb\ufeffc", "abc"),
        ("ｆｕｌｌwidth", "fullwidth"),
        ("biasa saja", "biasa saja"),
    ],
)
def test_repair_undoes_mojibake_and_width(raw: str, expected: str) -> None:
    assert repair(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jln rusak yg di gg 5", ["jalan", "rusak", "yang", "di", "gang"]),
        ("air gak ngalir sdh 3 hr", ["air", "tidak", "ngalir", "sudah", "hari"]),
        ("tolooong bangeeet", ["tolong", "banget"]),
        ("anak2 sekolah", ["anak", "sekolah"]),
        ("mhn dgn hormat krn blm ada", ["mohon", "dengan", "hormat", "karena", "belum", "ada"]),
        ("NIK 3578012345678901", ["nik", "_nik_"]),
    ],
)
def test_tokenize_expands_slang(raw: str, expected: list[str]) -> None:
    assert tokenize(normalise(raw)) == expected


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("pengaduan", "pengaduan"),
        ("kecamatan", "kecamatan"),
        ("bekasi", "bekasi"),
        ("perbaikan", "perbaikan"),
        ("berlubang", "lubang"),
        ("diperbaiki", "baik"),
        ("menyebabkan", "sebab"),
        ("sampah", "sampah"),
        ("rt", "rt"),
        ("_nik_", "_nik_"),
    ],
)
def test_stem_word(word: str, stem: str) -> None:
    assert stem_word(word) == stem


def test_stem_cache_is_bounded() -> None:
    info = stem_word.cache_info()
    assert info.maxsize is not None and info.maxsize > 0


def test_analyse_keeps_negations_and_urgency_cues() -> None:
    result = analyse("Mohon SEGERA, air tidak mengalir dan belum ada petugas")
    assert "tidak" in result.tokens
    assert "belum" in result.tokens
    assert "segera" in result.tokens
    assert "mohon" in result.tokens
    assert "dan" not in result.tokens
    assert len(result.tokens) == len(result.stems)


def test_analyse_never_exposes_raw_personal_data() -> None:
    result = analyse("NIK 3578012345678901 hp 081234567890 a@b.co.id")
    joined = " ".join(result.tokens) + result.expanded
    for secret in ("3578012345678901", "081234567890", "a@b.co.id"):
        assert secret not in joined


@pytest.mark.parametrize("raw", ["", "   ", "123 456", "!!!", "\x00\x01"])
def test_analyse_degenerate_text_gives_no_tokens(raw: str) -> None:
    assert analyse(raw).tokens == ()
