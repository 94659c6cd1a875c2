"""Danger cues: described hazards that make a complaint urgent (``resources/danger_cues.tsv``).

A cue is a named regular expression, guarded by trigger words, matched against the slang-expanded,
masked, lower-case text (:attr:`models.text.AnalysedText.expanded`). The urgency head reads cue hits
as features next to the words, and a prediction lists the cues that fired as the reason for its level.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from models.caches import CACHE_SIZE

__all__ = ["Cue", "candidate_cues", "cues_to_try", "find_cues", "load_cues"]

_MAX_SNIPPET = 80


@dataclass(frozen=True)
class Cue:
    name: str
    triggers: tuple[str, ...]
    pattern: re.Pattern[str]

    def search(self, text: str) -> re.Match[str] | None:
        """The first match, looked for only when a trigger word occurs (a cheap prefilter: plain
        substring tests are several times faster than Python's regex engine on an alternation)."""
        for trigger in self.triggers:
            if trigger in text:
                return self.pattern.search(text)
        return None

    def find(self, text: str) -> str | None:
        """The phrase of the first match (cut to 80 characters, as explanations show it), or None."""
        match = self.search(text)
        return None if match is None else match.group(0)[:_MAX_SNIPPET]


@lru_cache(maxsize=1)
def load_cues() -> tuple[Cue, ...]:
    """The team's danger cues, compiled once per process."""
    body = resources.files("models.resources").joinpath("danger_cues.tsv").read_text(encoding="utf-8")
    cues = []
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t", 2)
        if len(fields) != 3 or not fields[1].strip():
            raise ValueError(f"danger_cues.tsv line {number}: expected 'name<TAB>triggers<TAB>regex', got {line!r}")
        name, triggers, pattern = fields
        words = tuple(t.strip() for t in triggers.split(",") if t.strip())
        cues.append(Cue(name.strip(), words, re.compile(pattern.strip())))
    return tuple(cues)


def _key_word(trigger: str) -> str:
    """The longest word of a trigger: a trigger found in the space-joined tokens has each of its
    words inside one token, and the longest is the rarest one to look for."""
    return max(trigger.split(" "), key=len)


@lru_cache(maxsize=1)
def _trigger_index() -> tuple[re.Pattern[str], dict[str, frozenset[int]]]:
    """One pattern that finds, at every position of a token, the longest trigger key word starting
    there, and per such word the cues of every key word it contains (so shorter key words hidden
    inside a longer match are not lost)."""
    words: dict[str, set[int]] = {}
    for index, cue in enumerate(load_cues()):
        for trigger in cue.triggers:
            words.setdefault(_key_word(trigger), set()).add(index)
    covering = {
        word: frozenset(index for other, cues in words.items() if other in word for index in cues) for word in words
    }
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))
    return re.compile(f"(?=({alternatives}))"), covering


@lru_cache(maxsize=CACHE_SIZE)
def candidate_cues(token: str) -> frozenset[int]:
    """Cues with a trigger whose key word (:func:`_key_word`) occurs in this token.

    The union over a text's tokens is a superset of the cues whose triggers occur in it: a
    prefilter that costs one cached lookup per distinct token instead of a substring test per trigger.
    """
    pattern, covering = _trigger_index()
    found: set[int] = set()
    for word in pattern.findall(token):
        found |= covering[word]
    return frozenset(found)


def cues_to_try(expanded: str) -> list[int]:
    """Indices of the cues whose regex must run on one expanded text (the trigger prefilter)."""
    candidates: set[int] = set()
    for cues in map(candidate_cues, set(expanded.split())):
        candidates |= cues
    return sorted(candidates)


def find_cues(expanded: str) -> list[tuple[str, str]]:
    """(cue name, matched phrase) for every cue that fires in one expanded text."""
    cues = load_cues()
    found = []
    for index in cues_to_try(expanded):
        phrase = cues[index].find(expanded)
        if phrase is not None:
            found.append((cues[index].name, phrase))
    return found


def cue_names() -> Sequence[str]:
    return [cue.name for cue in load_cues()]
