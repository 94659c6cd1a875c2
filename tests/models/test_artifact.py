from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.artifact import (
    FORMAT_VERSION,
    META_FILE,
    MODEL_FILE,
    ArtifactError,
    load_metadata,
    load_model,
    save_model,
)
from models.router import ComplaintRouter

TEXTS = ["jalan rusak berlubang", "aspal jalan rusak", "sampah menumpuk bau", "sampah belum diangkut"]
OPD = ["PUPR", "PUPR", "DLH", "DLH"]


@pytest.fixture(scope="module")
def router() -> ComplaintRouter:
    return ComplaintRouter(min_df=1, calibration_cv=2).fit(TEXTS, OPD)


def test_round_trip_keeps_predictions_and_metadata(router: ComplaintRouter, tmp_path: Path) -> None:
    meta = save_model(router, tmp_path / "m", data={"rows": 4}, metrics={"opd_macro_f1": 1.0})
    loaded, loaded_meta = load_model(tmp_path / "m")
    assert list(loaded.predict(["sampah bau"])) == list(router.predict(["sampah bau"]))
    assert loaded_meta.opd_labels == ["DLH", "PUPR"]
    assert loaded_meta.model_sha256 == meta.model_sha256
    assert loaded_meta.versions["scikit-learn"]
    assert loaded_meta.metrics == {"opd_macro_f1": 1.0}
    assert loaded_meta.version.endswith(meta.model_sha256[:8])
    raw = json.loads((tmp_path / "m" / META_FILE).read_text())
    assert {
        "opd_labels",
        "urgency_labels",
        "data",
        "versions",
        "metrics",
        "review_threshold",
        "created_at",
        "model_sha256",
    } <= set(raw)


def test_tampered_model_file_is_refused(router: ComplaintRouter, tmp_path: Path) -> None:
    save_model(router, tmp_path)
    with open(tmp_path / MODEL_FILE, "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ArtifactError, match="does not match"):
        load_model(tmp_path)


def test_other_library_version_is_refused(router: ComplaintRouter, tmp_path: Path) -> None:
    save_model(router, tmp_path)
    raw = json.loads((tmp_path / META_FILE).read_text())
    raw["versions"]["scikit-learn"] = "0.0.1"
    (tmp_path / META_FILE).write_text(json.dumps(raw))
    with pytest.raises(ArtifactError, match=r"other library versions: scikit-learn 0\.0\.1"):
        load_model(tmp_path)


def test_missing_directory_says_train_first(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="train a model there first"):
        load_model(tmp_path / "nothing")


def test_corrupt_metadata_is_one_line_error(tmp_path: Path) -> None:
    (tmp_path / META_FILE).write_text("{not json")
    with pytest.raises(ArtifactError, match="not valid model metadata"):
        load_metadata(tmp_path)


def test_save_leaves_no_temporary_files(router: ComplaintRouter, tmp_path: Path) -> None:
    save_model(router, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([META_FILE, MODEL_FILE])


def test_older_artifact_format_is_refused_before_unpickling(router: ComplaintRouter, tmp_path: Path) -> None:
    save_model(router, tmp_path)
    raw = json.loads((tmp_path / META_FILE).read_text())
    raw["format_version"] = 1
    (tmp_path / META_FILE).write_text(json.dumps(raw))
    (tmp_path / MODEL_FILE).write_bytes(b"not a pickle")
    with pytest.raises(
        ArtifactError, match=f"artifact format 1, this disposisi reads format {FORMAT_VERSION}: retrain it"
    ):
        load_model(tmp_path)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("opd_labels", "Dinas PUPR", "opd_labels must be a list of strings"),
        ("opd_labels", ["Dinas PUPR", 3], "opd_labels must be a list of strings"),
        ("review_threshold", "0.5", "review_threshold must be a number"),
        ("review_threshold", True, "review_threshold must be a number"),
        ("versions", ["numpy"], "versions must be an object"),
        ("model_sha256", None, "model_sha256 must be a string"),
        ("format_version", "4", "format_version must be an integer"),
    ],
)
def test_metadata_fields_of_the_wrong_type_are_refused(
    router: ComplaintRouter, tmp_path: Path, field: str, value: object, message: str
) -> None:
    save_model(router, tmp_path)
    raw = json.loads((tmp_path / META_FILE).read_text())
    raw[field] = value
    (tmp_path / META_FILE).write_text(json.dumps(raw))
    with pytest.raises(ArtifactError, match=f"not valid model metadata: {message}"):
        load_model(tmp_path)


def test_model_file_linked_to_outside_its_folder_is_refused(router: ComplaintRouter, tmp_path: Path) -> None:
    """A trusted folder holding a link to a pickle elsewhere must not unpickle that file, checksum or not."""
    save_model(router, tmp_path / "elsewhere")
    trusted = tmp_path / "trusted"
    trusted.mkdir()
    (trusted / META_FILE).write_bytes((tmp_path / "elsewhere" / META_FILE).read_bytes())
    (trusted / MODEL_FILE).symlink_to(tmp_path / "elsewhere" / MODEL_FILE)
    with pytest.raises(ArtifactError, match=r"model\.joblib in model directory .* links to a file outside it"):
        load_model(trusted)


def test_metadata_linked_to_outside_its_folder_is_refused(router: ComplaintRouter, tmp_path: Path) -> None:
    save_model(router, tmp_path / "m")
    (tmp_path / "outside.json").write_bytes((tmp_path / "m" / META_FILE).read_bytes())
    (tmp_path / "m" / META_FILE).unlink()
    (tmp_path / "m" / META_FILE).symlink_to(tmp_path / "outside.json")
    with pytest.raises(ArtifactError, match=r"model\.json in model directory .* links to a file outside it"):
        load_model(tmp_path / "m")


def test_a_linked_model_directory_is_followed_as_a_whole(router: ComplaintRouter, tmp_path: Path) -> None:
    """Linking the whole folder (a "current" link to the newest model) is fine: its files are inside it."""
    save_model(router, tmp_path / "v2")
    (tmp_path / "current").symlink_to(tmp_path / "v2", target_is_directory=True)
    loaded, _ = load_model(tmp_path / "current")
    assert list(loaded.predict(["sampah bau"])) == list(router.predict(["sampah bau"]))


@pytest.mark.parametrize("bad", ["", "   ", "model\x00dir", "model\ndir"])
def test_a_model_dir_that_is_not_a_clean_path_is_refused(bad: str) -> None:
    with pytest.raises(ArtifactError, match="is not a valid path"):
        load_model(bad)
