"""Re-worded copies of complaints, as citizens re-send them (``benchmarks/duplicates.py`` makes its inputs
with these): slang swaps, typos, a greeting dropped or added, a sentence added or cut, other spacing or case.
Nothing here is written into the repository: copies are made at run time, seeded, from the real corpus."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.text import load_slang

__all__ = ["resubmit", "speed_input"]

GREETINGS = (
    "selamat pagi pak",
    "assalamualaikum wr wb",
    "mohon maaf mengganggu",
    "permisi admin",
    "selamat siang bapak ibu",
)
CLOSINGS = (
    "sudah lapor sebelumnya tapi belum ada tanggapan.",
    "mohon segera ditindaklanjuti, terima kasih.",
    "tolong dibantu ya min.",
    "ini laporan kedua saya.",
)
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
_GREETING_RE = re.compile(
    r"\s*(?:selamat (?:pagi|siang|sore|malam)|ass?alamu'?\s?alaikum(?: wr\.? ?wb\.?)?|mohon maaf|permisi|"
    r"halo|hai|yth\.?)[\s,.!]*(?:(?:bapak|ibu|pak|bu|admin|min)\b[\s,./]*)*",
    re.I,
)


@lru_cache(maxsize=1)
def _slang_forms() -> dict[str, list[str]]:
    """Standard word -> informal forms that the slang table maps to it alone."""
    forms: dict[str, list[str]] = {}
    for informal, standard in load_slang().items():
        if len(standard) == 1:
            forms.setdefault(standard[0], []).append(informal)
    return forms


def _typo(word: str, rng: np.random.Generator) -> str:
    if len(word) < 4:
        return word
    i = int(rng.integers(1, len(word) - 1))
    change = int(rng.integers(0, 3))
    if change == 0:  # swap two letters
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    if change == 1:  # drop one
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]  # double one


def _change_words(text: str, rng: np.random.Generator, share: float, how: Any) -> str:
    words = text.split(" ")
    for i in np.flatnonzero(rng.random(len(words)) < share):
        words[i] = how(words[i])
    return " ".join(words)


def resubmit(text: str, rng: np.random.Generator, changes: int | None = None) -> str:
    """``text`` sent again: one to three (or ``changes``) changes of the kinds citizens make."""
    slang = _slang_forms()
    kinds = ["slang", "typo", "greeting", "sentence", "spacing", "case"]
    for kind in rng.choice(kinds, size=changes or int(rng.integers(1, 4)), replace=False):
        if kind == "slang":
            text = _change_words(
                text, rng, 0.5, lambda w: str(rng.choice(slang[w.lower()])) if w.lower() in slang else w
            )
        elif kind == "typo":
            text = _change_words(text, rng, 0.08, lambda w: _typo(w, rng))
        elif kind == "greeting":  # the greeting the text opens with dropped, or one added
            greeting = _GREETING_RE.match(text)
            text = text[greeting.end() :] if greeting else f"{rng.choice(GREETINGS)}, {text}"
        elif kind == "sentence":  # a sentence cut (not the longest: that is the complaint), or one added
            sentences = _SENTENCE_RE.split(text.strip())
            if rng.random() < 0.5 and len(sentences) > 2:
                longest = max(range(len(sentences)), key=lambda i: len(sentences[i]))
                del sentences[int(rng.choice([i for i in range(len(sentences)) if i != longest]))]
                text = " ".join(sentences)
            else:
                text = f"{text} {rng.choice(CLOSINGS)}"
        elif kind == "spacing":
            text = re.sub(r"\s+", lambda m: "  " if rng.random() < 0.3 else " ", text).replace(", ", ",")
        else:
            text = text.upper() if rng.random() < 0.5 else text.lower()
    return text


def speed_input(frame: pd.DataFrame, rows: int, path: Path, seed: int, originals_share: float = 0.1) -> Path:
    """``rows`` rows: the corpus complaints spread over the first rows (``originals_share`` of them), the
    rest re-worded copies of an earlier original; written in slices, ids ``o<n>`` and ``c<n>``."""
    rng = np.random.default_rng(seed)
    source = frame[["teks", "kelurahan", "kecamatan", "tanggal"]].to_dict("records")
    step, written, next_original = 50_000, 0, 0
    while written < rows:
        batch: list[dict[str, Any]] = []
        for n in range(written, min(rows, written + step)):
            if next_original < len(source) and (next_original == 0 or rng.random() < originals_share):
                batch.append({"id": f"o{next_original}", **source[next_original]})
                next_original += 1
            else:
                row = source[int(rng.integers(0, next_original))]
                batch.append({"id": f"c{n}", **row, "teks": resubmit(str(row["teks"]), rng)})
        pd.DataFrame(batch).to_csv(path, mode="w" if written == 0 else "a", header=written == 0, index=False)
        written += len(batch)
    return path
