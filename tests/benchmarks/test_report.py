"""The BENCHMARKS.md writer: section replacement, figures, the issue-11 targets, checked by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.report import (
    TARGETS,
    CorpusResult,
    SystemResult,
    Target,
    corpus_table,
    format_value,
    quality_section,
    replace_section,
    target_met,
    targets_for,
    write_section,
)

OTHERS = "# Benchmarks\n\n## API latency\n\np50 12 ms\n\n## Batch throughput\n\n1,000 rows/s\n"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("", "# Benchmarks\n\n## Quality\n\nnew\n"),
        ("# Benchmarks\n", "# Benchmarks\n\n## Quality\n\nnew\n"),
        (OTHERS, OTHERS + "\n## Quality\n\nnew\n"),
        (
            "# B\n\n## API latency\n\nx\n\n## Quality\n\nold\n| a |\n\n### sub\n\nold\n\n## Batch throughput\n\ny\n",
            "# B\n\n## API latency\n\nx\n\n## Quality\n\nnew\n\n## Batch throughput\n\ny\n",
        ),
        ("# B\n\n## Quality\n\nold\n", "# B\n\n## Quality\n\nnew\n"),
        ("# B\n\n## Quality", "# B\n\n## Quality\n\nnew\n"),
        ("# B\n\n## Quality  \nold\n## Next\nz\n", "# B\n\n## Quality\n\nnew\n\n## Next\nz\n"),
        # a section whose heading only starts with the same words is someone else's
        (
            "# B\n\n## Quality notes\n\nwhat was tried\n",
            "# B\n\n## Quality notes\n\nwhat was tried\n\n## Quality\n\nnew\n",
        ),
    ],
)
def test_replace_section(document: str, expected: str) -> None:
    assert replace_section(document, "## Quality", "new\n") == expected


def test_replace_section_keeps_other_sections_byte_for_byte() -> None:
    document = OTHERS.replace("## Batch", "## Quality\n\nold figures\n\n## Batch")
    updated = replace_section(document, "## Quality", "| figure | R1 |\n|---|---:|")
    assert updated.startswith("# Benchmarks\n\n## API latency\n\np50 12 ms\n\n## Quality\n\n| figure | R1 |\n")
    assert updated.endswith("|---|---:|\n\n## Batch throughput\n\n1,000 rows/s\n")
    assert "old figures" not in updated
    assert replace_section(updated, "## Quality", "| figure | R1 |\n|---|---:|") == updated


def test_replace_section_wants_a_level_two_heading() -> None:
    with pytest.raises(ValueError, match=r'heading must be a level-2 markdown heading \("## \.\.\."\), got .Quality'):
        replace_section(OTHERS, "Quality", "x")


def test_write_section_creates_then_updates_the_file(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    write_section(path, "## Quality", "first")
    assert path.read_text(encoding="utf-8") == "# Benchmarks\n\n## Quality\n\nfirst\n"
    path.write_text(path.read_text(encoding="utf-8") + "\n## API latency\n\nkept\n", encoding="utf-8")
    write_section(path, "## Quality", "second")
    assert path.read_text(encoding="utf-8") == "# Benchmarks\n\n## Quality\n\nsecond\n\n## API latency\n\nkept\n"
    assert [p.name for p in tmp_path.iterdir()] == ["BENCHMARKS.md"]  # no temporary file left behind


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (0.66049, "ratio", "0.660"),
        (1, "ratio", "1.000"),
        (12.34, "seconds", "12.3"),
        (27_450_000, "bytes", "27.4"),
        (float("nan"), "ratio", "n/a"),
        (None, "seconds", "n/a"),
        (True, "ratio", "n/a"),
    ],
)
def test_format_value(value: object, kind: str, expected: str) -> None:
    assert format_value(value, kind) == expected


def test_format_value_rejects_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match=r"kind must be .* got 'percent'"):
        format_value(0.5, "percent")


@pytest.mark.parametrize(
    ("value", "met"),
    [(0.66, True), (0.7, True), (0.6599, False), (float("nan"), False), (None, False), (float("inf"), False)],
)
def test_target_met(value: float | None, met: bool) -> None:
    assert target_met(value, Target("surabaya", "opd_macro_f1", 0.66)) is met


def test_issue_11_targets() -> None:
    surabaya = targets_for("surabaya")
    assert {k: t.minimum for k, t in surabaya.items()} == {
        "opd_macro_f1": 0.64,
        "opd_accuracy": 0.80,
        "opd_top3_accuracy": 0.94,
        "opd_coverage": 0.50,
        "opd_auto_accuracy": 0.95,
        "opd_auto_accuracy_worst_month": 0.95,
        "unit_accuracy_territorial_given_opd": 0.88,
        "urgency_macro_f1": 0.70,
        "urgency_tinggi_recall": 0.80,
    }
    assert {k: t.minimum for k, t in targets_for("lapor_nasional").items()} == {"opd_macro_f1": 0.955}
    assert len(TARGETS) == 10


def _result(name: str, *, urgency: bool) -> CorpusResult:
    def figures(f1: float, coverage: float) -> dict[str, object]:
        figures: dict[str, object] = {
            "opd_macro_f1": f1,
            "opd_accuracy": 0.79,
            "opd_top3_accuracy": 0.95,
            "opd_coverage": coverage,
            "opd_auto_accuracy": float("nan") if coverage == 0 else 0.96,
            "review_threshold": 0.5,
            "train_seconds": 61.25,
            "model_bytes": 3_200_000,
            "opd_per_class_f1": {"Dinas PUPR": 0.9},
        }
        if urgency:
            figures.update(urgency_macro_f1=0.5, urgency_tinggi_recall=0.25)
        if coverage:  # figures only disposisi has (the references have no months or units)
            figures.update(opd_auto_accuracy_worst_month=0.94, unit_accuracy_territorial_given_opd=0.9)
        return figures

    return CorpusResult(
        name,
        train_rows=8216,
        dev_rows=2084,
        train_urgency_rows=3000 if urgency else 0,
        dev_urgency_rows=600 if urgency else 0,
        n_labels=22,
        systems=[
            SystemResult("r1", "R1", figures(0.56, 0.0)),
            SystemResult("disposisi", "disposisi", figures(0.70, 0.6)),
        ],
    )


def test_corpus_table_puts_the_targets_beside_disposisi() -> None:
    lines = corpus_table(_result("surabaya", urgency=True)).splitlines()
    assert lines[0] == "| figure | R1 | disposisi | issue-11 target | met |"
    assert lines[1] == "|---|---:|---:|---:|---|"
    assert "| OPD macro-F1 | 0.560 | 0.700 | ≥ 0.64 | met |" in lines
    assert "| OPD accuracy | 0.790 | 0.790 | ≥ 0.80 | **not met** |" in lines
    assert "| OPD top-3 accuracy | 0.950 | 0.950 | ≥ 0.94 | met |" in lines
    assert "| coverage (share not flagged for review) | 0.000 | 0.600 | ≥ 0.50 | met |" in lines
    assert "| accuracy among the not flagged, worst month of dev | n/a | 0.940 | ≥ 0.95 | **not met** |" in lines
    assert "| unit accuracy on territorial rows, given the true OPD | n/a | 0.900 | ≥ 0.88 | met |" in lines
    assert "| accuracy among the not flagged | n/a | 0.960 | ≥ 0.95 | met |" in lines
    assert "| urgency `tinggi` recall | 0.250 | 0.250 | ≥ 0.80 | **not met** |" in lines
    assert "| training time (s) | 61.2 | 61.2 |  |  |" in lines
    assert "| model size on disk (MB) | 3.2 | 3.2 |  |  |" in lines
    assert len(lines) == 2 + 12


def test_corpus_table_leaves_out_figures_no_system_has() -> None:
    table = corpus_table(_result("lapor_nasional", urgency=False))
    assert "urgency" not in table
    assert "| OPD macro-F1 | 0.560 | 0.700 | ≥ 0.955 | **not met** |" in table.splitlines()
    assert "| OPD accuracy | 0.790 | 0.790 |  |  |" in table.splitlines()


def test_quality_section_counts_the_targets_met() -> None:
    body = quality_section(
        [_result("surabaya", urgency=True), _result("lapor_nasional", urgency=False)],
        command="python benchmarks/quality.py --no-tracking",
        run_line="Run today.",
        notes=["first note", "second note"],
    )
    # surabaya: macro-F1, top-3, coverage, auto-accuracy, territorial unit met; accuracy, worst month, urgency F1,
    # tinggi recall not; lapor: not
    assert "Issue-11 targets met by disposisi in this run: **5 of 10**." in body
    assert body.startswith("`python benchmarks/quality.py --no-tracking`\n\nRun today.\n\n### surabaya\n\n")
    assert "train 8,216 rows (3,000 with an urgency label), dev 2,084 rows (600 with an urgency label)" in body
    assert body.index("### surabaya") < body.index("### lapor_nasional") < body.index("Notes:")
    assert body.endswith("- first note\n- second note\n")
    assert "\n## " not in body  # the body never opens a section of its own


def test_corpus_result_names_a_missing_system() -> None:
    with pytest.raises(KeyError, match="no system 'r2' in the surabaya results"):
        _result("surabaya", urgency=True).system("r2")
