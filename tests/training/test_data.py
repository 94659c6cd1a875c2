from __future__ import annotations

from pathlib import Path

import pytest

from training.data import DataError, load_dataset, read_table

HEADER = "id,teks,opd,urgensi\n"


def write(path: Path, body: str | bytes) -> Path:
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(body, encoding="utf-8")
    return path


def test_loads_rows_and_partial_urgency(tmp_path: Path) -> None:
    csv = write(
        tmp_path / "d.csv",
        HEADER + "1,jalan rusak,PUPR,sedang\n2,jalan berlubang,PUPR,\n3,sampah,DLH,rendah\n4,sampah bau,DLH,\n",
    )
    data = load_dataset([csv])
    assert data.texts == ["jalan rusak", "jalan berlubang", "sampah", "sampah bau"]
    assert data.urgency == ["sedang", "", "rendah", ""]
    assert data.n_urgency == 2
    assert len(data.sha256) == 64


def test_no_urgency_column_means_no_urgency(tmp_path: Path) -> None:
    csv = write(tmp_path / "d.csv", "teks,opd\na,X\nb,X\nc,Y\nd,Y\n")
    assert load_dataset([csv]).urgency is None


def test_urgency_labels_are_joined_on_id(tmp_path: Path) -> None:
    csv = write(tmp_path / "d.csv", "id,teks,instansi\n1,a,X\n2,b,X\n3,c,Y\n4,d,Y\n")
    labels = write(tmp_path / "u.csv", "id,urgensi,yakin\n1,tinggi,1\n4,rendah,0\n")
    data = load_dataset([csv], opd_column="instansi", urgency_files=[labels])
    assert data.urgency == ["tinggi", "", "", "rendah"]


def test_only_urgency_files_that_join_are_sources(tmp_path: Path) -> None:
    """train and eval get the same ``--urgency-labels`` files: each split lists (and hashes) only its own."""
    train = write(tmp_path / "train.csv", "id,teks,instansi\n1,a,X\n2,b,X\n3,c,Y\n4,d,Y\n")
    dev = write(tmp_path / "dev.csv", "id,teks,instansi\n7,e,X\n8,f,Y\n")
    train_labels = write(tmp_path / "u_train.csv", "id,urgensi\n1,tinggi\n")
    dev_labels = write(tmp_path / "u_dev.csv", "id,urgensi\n8,sedang\n")
    files = [train_labels, dev_labels]
    trained = load_dataset([train], opd_column="instansi", urgency_files=files)
    evaluated = load_dataset([dev], opd_column="instansi", urgency_files=files, min_examples=1)
    assert [Path(s).name for s in trained.sources] == ["train.csv", "u_train.csv"]
    assert [Path(s).name for s in evaluated.sources] == ["dev.csv", "u_dev.csv"]
    assert (trained.urgency, evaluated.urgency) == (["tinggi", "", "", ""], ["", "sedang"])
    alone = load_dataset([train], opd_column="instansi", urgency_files=[train_labels])
    assert trained.sha256 == alone.sha256  # the dev file that joined nothing is not in train's hash


@pytest.mark.parametrize(
    ("body", "kwargs", "message"),
    [
        ("isi,opd\na,X\n", {}, r'text column "teks" not in d.csv columns: isi, opd'),
        ("teks,unit\na,X\n", {}, r'OPD column "opd" not in d.csv columns: teks, unit'),
        ("teks,opd\na,X\n", {"urgency_column": "level"}, r'urgency column "level" not in'),
        ("", {}, "is empty"),
        ("teks,opd\n", {}, "no usable rows"),
        ("teks,opd\n ,X\n\t,Y\n", {}, "no usable rows"),
        ("teks,opd,urgensi\na,X,darurat\nb,Y,\n", {}, r"values \['darurat'\]"),
        ("teks,opd\na,X\nb,X\nc,Y\n", {}, "at least 2 different labels"),
    ],
)
def test_bad_input_is_a_one_line_error(tmp_path: Path, body: str, kwargs: dict[str, str], message: str) -> None:
    csv = write(tmp_path / "d.csv", body)
    with pytest.raises(DataError, match=message) as info:
        load_dataset([csv], **kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


def test_non_utf8_bytes_are_named(tmp_path: Path) -> None:
    csv = write(tmp_path / "d.csv", b"teks,opd\njalan rusak,PUPR\nkali kotor,DLH\n" + b"caf\xe9,DLH\n")
    with pytest.raises(DataError, match=r"not valid utf-8 \(byte 0xe9 at offset \d+\).*--encoding"):
        load_dataset([csv])


def test_other_encoding_can_be_named(tmp_path: Path) -> None:
    body = "teks,opd\njalan rusak,PUPR\njalan berlubang,PUPR\ncafé kotor,DLH\nsampah,DLH\n".encode("latin-1")
    csv = write(tmp_path / "d.csv", body)
    assert load_dataset([csv], encoding="latin-1").texts[2] == "café kotor"


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        read_table(tmp_path / "absent.csv")


def test_empty_texts_missing_labels_and_singletons_are_skipped_and_counted(tmp_path: Path) -> None:
    csv = write(tmp_path / "d.csv", "teks,opd\njalan,PUPR\naspal,PUPR\n,PUPR\nsampah,DLH\nbau,DLH\nx,\nlangka,SATU\n")
    data = load_dataset([csv])
    assert data.skipped == {"empty_text": 1, "missing_opd": 1, "rare_label_rows": 1}
    assert sorted(set(data.opd)) == ["DLH", "PUPR"]
    assert len(data) == 4


def test_several_files_are_concatenated(tmp_path: Path) -> None:
    a = write(tmp_path / "a.csv", "teks,opd\njalan,PUPR\nsampah,DLH\n")
    b = write(tmp_path / "b.csv", "teks,opd\naspal,PUPR\nbau,DLH\n")
    data = load_dataset([a, b])
    assert len(data) == 4
    assert data.sha256 != load_dataset([b, a]).sha256


def test_unit_location_and_date_columns_are_read(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text(
        "teks,opd,instansi,kec,kelurahan,tanggal\n"
        "jalan rusak,A,Kelurahan Satu,Kec Satu,Satu,2022-01-02\n"
        "jalan rusak lagi,A,Kecamatan Dua, ,,2022-01-03\n"
        "sampah,B,B,Kec Satu,Satu,2022-01-04\n"
        "sampah lagi,B,B,,,\n",
        encoding="utf-8",
    )
    data = load_dataset([path], unit_column="instansi", kecamatan_column="kec")
    assert data.units == ["Kelurahan Satu", "Kecamatan Dua", "B", "B"]
    assert data.places is not None
    assert [(p.kecamatan, p.kelurahan) for p in data.places] == [
        ("Kec Satu", "Satu"),
        (None, None),
        ("Kec Satu", "Satu"),
        (None, None),
    ]
    assert data.dates == ["2022-01-02", "2022-01-03", "2022-01-04", ""]
    plain = load_dataset([path], kecamatan_column="nope", kelurahan_column="nope", date_column="nope")
    assert (plain.units, plain.places, plain.dates) == (None, None, None)


def test_a_missing_unit_column_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("teks,opd\na,A\nb,B\n", encoding="utf-8")
    with pytest.raises(DataError, match=r'unit column "instansi" not in u\.csv columns: teks, opd'):
        load_dataset([path], unit_column="instansi")
