"""batch.files: the CSV delimiter is detected from the header (Excel's ';', ',', tab), never guessed from the text."""

from __future__ import annotations

import pytest

from batch.files import sniff_delimiter


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"id;teks;opd\nA1;Jalan rusak, berlubang, mohon diperbaiki;Dinas PU\n", ";"),
        (b'id,teks\nA1,"Sampah; menumpuk; di pasar"\n', ","),
        (b"id\tteks\nA1\tLampu jalan mati, gelap sekali\n", "\t"),
        (b'"id;x";teks\nA1;Banjir\n', ";"),  # a delimiter inside a quoted header name does not count
        (b"teks\nJalan rusak, berlubang\nSampah, bau\n", ","),  # one column: nothing to tell, a comma
        (b"\xef\xbb\xbfid;teks\nA1;Pohon tumbang\n", ";"),  # Excel's UTF-8 byte-order mark
    ],
)
def test_sniff_delimiter_reads_the_header(head: bytes, expected: str) -> None:
    assert sniff_delimiter(head, "utf-8") == expected


def test_sniff_delimiter_decides_between_several_in_the_header_from_the_rows() -> None:
    head = b"id;nama, lengkap;teks\nA1;Budi;Jalan rusak\nA2;Sari;Banjir\nA3;Ani;Lampu mati\n"
    assert sniff_delimiter(head, "utf-8") == ";"
