"""Single complaints that arrive together are routed in one chunk, each with its own answer."""

from __future__ import annotations

import asyncio
import csv
import pickle
import random
from pathlib import Path

import pytest

from models.artifact import load_model
from models.router import ComplaintRouter, Suggestion
from models.unit import Place
from serving.coalesce import MAX_CHUNK, SuggestQueue
from serving.errors import InvalidInputError
from serving.settings import Settings
from tests.serving.conftest import make_settings

SETTINGS = make_settings()


def _texts(samples_csv: Path) -> list[str]:
    with open(samples_csv, encoding="utf-8", newline="") as fh:
        return [row["teks"] for row in csv.DictReader(fh)]


def _recording(router: ComplaintRouter, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make ``router.suggest`` record the size of each chunk it is called with."""
    sizes: list[int] = []
    suggest = router.suggest

    def recorded(texts: list[str], *, explain: bool = True, places: object = None) -> list[Suggestion]:
        sizes.append(len(texts))
        return suggest(texts, explain=explain, places=places)  # type: ignore[arg-type]

    monkeypatch.setattr(router, "suggest", recorded)
    return sizes


async def _all(
    queue: SuggestQueue, pairs: list[tuple[ComplaintRouter, str]], settings: Settings = SETTINGS
) -> list[BaseException | Suggestion]:
    calls = (queue.suggest(router, text, settings) for router, text in pairs)
    return list(await asyncio.gather(*calls, return_exceptions=True))


def test_concurrent_complaints_are_routed_in_chunks_with_their_own_answers(
    sample_router: ComplaintRouter, samples_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [t[:40] for t in _texts(samples_csv)]  # short: every chunk is routed on the event loop
    texts = (texts * (MAX_CHUNK * 2 // len(texts) + 1))[: MAX_CHUNK * 2 + 5]
    alone = [sample_router.suggest([t], explain=True)[0] for t in texts]
    sizes = _recording(sample_router, monkeypatch)
    together = asyncio.run(_all(SuggestQueue(), [(sample_router, t) for t in texts]))
    assert sizes == [MAX_CHUNK, MAX_CHUNK, 5]
    assert together == alone


def test_long_chunks_and_two_models_in_one_chunk(
    sample_router: ComplaintRouter, samples_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = pickle.loads(pickle.dumps(sample_router))  # as after a reload: another router object
    texts = _texts(samples_csv)[:20]
    texts[3] = texts[3] * 200  # over INLINE_CHARS: this chunk goes to the thread pool
    pairs = [(sample_router if i % 2 else other, t) for i, t in enumerate(texts)]
    alone = [router.suggest([t], explain=True)[0] for router, t in pairs]
    sizes, other_sizes = _recording(sample_router, monkeypatch), _recording(other, monkeypatch)
    together = asyncio.run(_all(SuggestQueue(), pairs))
    assert together == alone
    assert (sizes, other_sizes) == ([10], [10])  # one chunk, one call per router


def test_an_error_reaches_every_waiting_request(
    sample_router: ComplaintRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(texts: list[str], *, explain: bool = True, places: object = None) -> list[Suggestion]:
        raise RuntimeError(f"cannot route {len(texts)} texts")

    monkeypatch.setattr(sample_router, "suggest", broken)

    async def main() -> list[BaseException | Suggestion]:
        return await _all(SuggestQueue(), [(sample_router, t) for t in ("jalan rusak", "banjir")])

    results = asyncio.run(main())
    assert [str(r) for r in results] == ["cannot route 2 texts", "cannot route 2 texts"]


def test_only_the_text_over_the_cpu_budget_is_refused(sample_router: ComplaintRouter) -> None:
    rng = random.Random(0)
    invented = " ".join(
        "".join(rng.choice("bcdfghjklmnprstuvw") + rng.choice("aiueo") for _ in range(5)) for _ in range(1_600)
    )
    texts = ["jalan rusak berlubang", invented, "banjir masuk rumah warga"]
    alone = [sample_router.suggest([t], explain=True)[0] for t in (texts[0], texts[2])]
    results = asyncio.run(
        _all(SuggestQueue(), [(sample_router, t) for t in texts], make_settings(max_analysis_seconds=0.01))
    )
    assert [results[0], results[2]] == alone
    assert isinstance(results[1], InvalidInputError)
    assert "more than 0.01 s of CPU time" in str(results[1])


def test_each_waiting_complaint_keeps_its_own_place(unit_model_dir: Path) -> None:
    router, _ = load_model(unit_model_dir)
    text = "Surat pengantar RT untuk kartu keluarga belum ditandatangani pak lurah"
    places = [Place("Sukamaju", "Mekarsari"), Place("Tanjungsari", "Wonoasri"), None]

    async def routed() -> list[Suggestion]:
        queue = SuggestQueue()
        return list(await asyncio.gather(*(queue.suggest(router, text, SETTINGS, p) for p in places)))

    units = [s.unit for s in asyncio.run(routed())]
    assert units == ["Kelurahan Mekarsari", "Kelurahan Wonoasri", "Kecamatan/Kelurahan"]
