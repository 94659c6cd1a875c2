"""The memory trace of the duplicates benchmark: rows read from the partial output, figures per row mark."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.memory_trace import Sample, Trace, _RowCounter, at_rows, table
from benchmarks.resubmit import resubmit


def _sample(rows: int, rss: float) -> Sample:
    return Sample(seconds=rows / 1000, rows=rows, writer_rss_mib=rss, worker_rss_mib=rss / 2, pss_sum_mib=rss * 2)


def test_at_rows_takes_the_highest_figure_of_each_window() -> None:
    trace = Trace(samples=[_sample(50, 100), _sample(90, 180), _sample(120, 150), _sample(160, 140), _sample(210, 130)])
    marks = at_rows(trace, 100)
    assert [rows for rows, _ in marks] == [100, 200]
    assert marks[0][1].writer_rss_mib == 180  # the peak at 90 rows, not the value at the mark
    assert marks[1][1].writer_rss_mib == 140
    assert marks[1][1].pss_sum_mib == 280


def test_at_rows_repeats_a_sample_that_jumps_over_several_marks() -> None:
    marks = at_rows(Trace(samples=[_sample(10, 100), _sample(350, 200)]), 100)
    assert [rows for rows, _ in marks] == [100, 200, 300]
    assert {s.writer_rss_mib for _, s in marks} == {200}
    assert len(table(Trace(samples=[_sample(10, 100), _sample(350, 200)]), 100)) == 2 + 3


def test_row_counter_reads_the_last_copy_id_of_the_partial_output(tmp_path: Path) -> None:
    output = tmp_path / "out.csv"
    counter = _RowCounter(output)
    assert counter.count() == 0  # nothing written yet
    partial = tmp_path / ".out.csv.abc.tmp"
    partial.write_bytes(b'"id","teks"\n"o0","a"\n"c1","b\nc999, inside a quoted text"\n')
    assert counter.count() == 1000  # a line inside a quoted text can look like a row: never low
    with partial.open("ab") as handle:
        handle.write(b'"c1204","d"\n')
    assert counter.count() == 1205


def test_resubmit_changes_the_text_and_is_seeded() -> None:
    text = "Selamat pagi pak. Jalan di depan rumah saya berlubang besar. Mohon segera diperbaiki."
    first = [resubmit(text, np.random.default_rng(seed)) for seed in range(20)]
    again = [resubmit(text, np.random.default_rng(seed)) for seed in range(20)]
    assert first == again
    assert sum(changed != text for changed in first) >= 18
