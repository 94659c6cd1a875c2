"""Normalisation of informal Indonesian complaint text.

The path of one text is: repair (Unicode NFKC, cheap mojibake repair, zero-width characters) ->
mask personal data (URL, e-mail, phone, 16-digit NIK/KK) -> lower case -> tokens -> slang and
abbreviations expanded (``resources/slang.tsv``) -> stopwords removed (``resources/stopwords.txt``,
which keeps negations and urgency cues) -> stems (:mod:`models.stem`).

:func:`mask_personal_data` is the one function every log line, artifact and explanation goes through.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import chain, filterfalse

from models.caches import CACHE_SIZE
from models.stem import stem_word

__all__ = [
    "PLACEHOLDERS",
    "AnalysedText",
    "analyse",
    "load_slang",
    "load_stopwords",
    "mask_personal_data",
    "normalise",
    "repair",
    "standard_form",
    "token_runs",
    "tokenize",
    "words_of_run",
]

# Placeholders as they appear in masked text (shown to people) and as tokens (seen by features).
PLACEHOLDERS = {"url": "[URL]", "email": "[EMAIL]", "nik": "[NIK]", "phone": "[TELEPON]"}
_PLACEHOLDER_TOKENS = {f"[{v[1:-1].lower()}]": f"_{k}_" for k, v in PLACEHOLDERS.items()}

# Every pattern here runs on untrusted text of up to the API's length limit, so each must take time linear in
# the length of the text, whatever it holds. Python's backtracking engine is quadratic when a pattern can
# fail after a long scan from *every* position of a run ("a-a-a-...", "aaaa...@a"): the URL and e-mail
# patterns therefore start a match only where a run of their characters starts (a lookbehind, checked in
# constant time), and within one start the labels are split by a literal dot, so backtracking gives back each
# character at most once. The leftmost match of a run always starts at its start, so this finds what the
# unanchored patterns found (a domain glued to "_", as in "x_foo.com", is now masked too).
# tests/models/test_text_linear.py times each pattern on adversarial families and fails on super-linear growth.
_URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+"
    r"|(?<![a-z0-9-])(?<![a-z0-9-]\.)[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|id|net|org|go\.id|co\.id|ly)(?:/[^\s<>\"']*)?",
    re.I,
)
_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# The two patterns below open with a literal character and look behind it (``X(?<!\dX)`` rather than
# ``(?<!\d)X``): the same matches, but Python's regex engine can then skip ahead to the candidate
# characters instead of trying every position, 2-3x faster. Both match a bounded length from each start.
# 16 digits, optionally grouped by spaces, dots or dashes (NIK and KK numbers have 16 digits).
_NIK_RE = re.compile(r"\d(?<!\d\d)(?:[ .-]?\d){15}(?!\d)")
# Indonesian phone numbers: +62 / 62 / 0 then 8-13 digits, optionally grouped; also (031) 1234567.
_PHONE_RE = re.compile(
    r"(?:\+(?<![\w+]\+)62[ .-]?|6(?<![\w+]6)2[ .-]?|0(?<![\w+]0))(?:\(?\d{2,4}\)?[ .-]?)\d{3,4}[ .-]?\d{3,5}(?!\d)"
    r"|\(0\d{2,3}\)[ .-]?\d{3,4}[ .-]?\d{3,4}(?!\d)"
)
_URL_HINT_RE = re.compile(r"https?:|www\.|\.(?:com|id|net|org|ly)\b", re.I)
_URL_HINTS = ("http", "www.", ".com", ".id", ".net", ".org", ".ly")
_ZERO_WIDTH_RE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_MOJIBAKE_HINT_RE = re.compile("[\u00c2\u00c3][\u0080-\u00bf]|\u00e2\u20ac|\u00e2\u0080")
# Punctuation whose mojibake lost its last byte cannot be decoded; it is mapped by hand.
_MOJIBAKE_LEFTOVERS = (
    ("\u00e2\u20ac\u0153", '"'),
    ("\u00e2\u20ac\u2122", "'"),
    ("\u00e2\u20ac\u02dc", "'"),
    ("\u00e2\u20ac\u201c", "-"),
    ("\u00e2\u20ac\u201d", "-"),
    ("\u00e2\u20ac\u00a6", "..."),
    ("\u00e2\u20ac", '"'),
)
_REPEAT_RE = re.compile(r"([a-z])\1{2,}")
# Words joined by hyphens stay one token (``buku-buku``, ``memanggil-manggil``, ``kuasa-mu``, ``e-ktp``):
# Sastrawi stems the reduplicated and suffixed forms to one root, and slang such as ``e-ktp`` can match.
_TOKEN_RE = re.compile(r"_[a-z]+_|[a-z]+(?:-[a-z]+)+|[a-z]+[0-9]*[a-z]*|[0-9]+")
_NOT_TOKEN_CHARS = str.maketrans(
    {chr(c): " " for c in range(128) if not (chr(c).islower() or chr(c).isdigit() or chr(c) in "_-")}
)
_REDUP_RE = re.compile(r"^([a-z]{2,})2$")


def repair(text: str) -> str:
    """Unicode NFKC, mojibake undone where it is cheap and certain, zero-width marks dropped."""
    if text.isascii():  # most complaints: nothing to repair, already NFKC
        return text
    text = _ZERO_WIDTH_RE.sub("", text)
    if "\u00c2" in text or "\u00c3" in text or "\u00e2" in text:
        for _ in range(2):  # text encoded wrongly twice is common in forwarded messages
            if not _MOJIBAKE_HINT_RE.search(text):
                break
            text = " ".join(_unmojibake(word) for word in text.split(" "))
        for broken, fixed in _MOJIBAKE_LEFTOVERS:
            text = text.replace(broken, fixed)
    return unicodedata.normalize("NFKC", text)


def _unmojibake(word: str) -> str:
    """UTF-8 read as cp1252 or Latin-1 (``â€œ``, ``Ã©``) back to UTF-8; the word unchanged if not."""
    if not _MOJIBAKE_HINT_RE.search(word):
        return word
    raw = bytearray()
    for char in word:
        try:
            raw += char.encode("cp1252")
        except UnicodeEncodeError:
            if ord(char) > 0xFF:
                return word
            raw.append(ord(char))  # the five bytes cp1252 leaves undefined pass through as Latin-1
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return word


def mask_personal_data(text: str) -> str:
    """Replace URLs, e-mail addresses, NIK/KK numbers and phone numbers with placeholders.

    Order matters: e-mail before URL (an address contains a domain), NIK before phone (16 digits
    would otherwise read as a long phone number).
    """
    # Cheap guards first: most complaints have no "@", no domain and few digits. On ASCII text, plain
    # substring tests and digit counts (a NIK has 16 digits, a phone number at least 9) rule most texts
    # out before any regex runs; Python's regex engine costs ~0.1 us per character.
    if "@" in text:
        text = _EMAIL_RE.sub(PLACEHOLDERS["email"], text)
    ascii_text = text.isascii()
    if (not ascii_text or _may_hold_url(text.lower())) and _URL_HINT_RE.search(text):
        text = _URL_RE.sub(PLACEHOLDERS["url"], text)
    digits = sum(map(text.count, "0123456789")) if ascii_text else 16  # other scripts have digits too
    if digits >= 16:
        text = _NIK_RE.sub(PLACEHOLDERS["nik"], text)
    if digits >= 9:
        text = _PHONE_RE.sub(PLACEHOLDERS["phone"], text)
    return text


def _may_hold_url(lowered: str) -> bool:
    """False when no hint of ``_URL_HINT_RE`` can occur in this lower-case ASCII text."""
    return any(hint in lowered for hint in _URL_HINTS)


def normalise(text: str) -> str:
    """Repaired, masked and lower-cased text: what a person may see and what features start from."""
    return mask_personal_data(repair(text)).lower()


@lru_cache(maxsize=1)
def load_slang() -> dict[str, tuple[str, ...]]:
    """The team's slang and abbreviation table: informal form -> standard word(s)."""
    table: dict[str, tuple[str, ...]] = {}
    body = resources.files("models.resources").joinpath("slang.tsv").read_text(encoding="utf-8")
    for line in body.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        informal, standard = line.split("\t", 1)
        table[informal.strip()] = tuple(standard.split())
    return table


@lru_cache(maxsize=1)
def load_stopwords() -> frozenset[str]:
    """Function words to drop; negations and urgency cues are deliberately absent."""
    body = resources.files("models.resources").joinpath("stopwords.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in body.splitlines() if w.strip() and not w.startswith("#"))


def token_runs(text: str) -> list[str]:
    """Pieces of one raw text that hold all its tokens, in order: the first half of :func:`tokenize`,
    which a caller that caches per piece (:class:`models.tokentable.TokenTable`) uses with
    :func:`words_of_run`."""
    return _runs(normalise(text))


def _runs(normalised: str) -> list[str]:
    """On ASCII text (most complaints) the runs of ``[a-z0-9_-]`` (one ``str.translate`` and ``split``,
    several times faster than the token regex over the whole text); otherwise the raw tokens themselves.

    No token can span a character outside ``[a-z0-9_-]``, so :func:`words_of_run` of each run finds what
    the token regex finds over the whole text."""
    normalised = _placeholders_as_tokens(normalised)
    if normalised.isascii():
        return normalised.translate(_NOT_TOKEN_CHARS).split()
    return _TOKEN_RE.findall(normalised)


def words_of_run(run: str) -> tuple[str, ...]:
    """Standard words of one piece returned by :func:`token_runs`: the second half of :func:`tokenize`."""
    if run.isalpha():  # a run of letters is one token
        return standard_form(run)
    return tuple(chain.from_iterable(map(standard_form, _TOKEN_RE.findall(run))))


def tokenize(normalised: str) -> list[str]:
    """Word tokens of normalised text, with slang expanded, stretched letters and ``kata2`` undone: the one
    tokenizer (the model reads texts through its two halves, :func:`token_runs` and :func:`words_of_run`)."""
    return list(chain.from_iterable(map(words_of_run, _runs(normalised))))


def _placeholders_as_tokens(normalised: str) -> str:
    """``[nik]``, ``[url]``... of masked lower-case text as the single tokens ``_nik_``, ``_url_``..."""
    if "[" in normalised:
        for placeholder, token in _PLACEHOLDER_TOKENS.items():
            normalised = normalised.replace(placeholder, f" {token} ")
    return normalised


@lru_cache(maxsize=CACHE_SIZE)
def standard_form(raw: str) -> tuple[str, ...]:
    """One raw token as standard word(s): numbers dropped, stretched letters and ``kata2`` undone,
    slang expanded. Cached per token: the same few thousand words make up most complaints.

    The slang table is asked for the token as written first (``gara2`` is "karena", not "gara"), then
    for its undone form."""
    if raw.isdigit():
        return ()
    slang = load_slang()
    if raw in slang:
        return slang[raw]
    word = _REPEAT_RE.sub(r"\1", raw)
    redup = _REDUP_RE.match(word)
    if redup:
        word = redup.group(1)
    return slang.get(word, (word,))


@dataclass(frozen=True)
class AnalysedText:
    """A text as the model reads it: surface tokens and their stems (stopwords removed), and the
    whole slang-expanded token string that danger cues are matched against."""

    tokens: tuple[str, ...]
    stems: tuple[str, ...]
    expanded: str

    @property
    def stemmed(self) -> str:
        return " ".join(self.stems)


def analyse(text: str) -> AnalysedText:
    """Raw text in; surface tokens and stems (stopwords removed) and the slang-expanded text out."""
    all_tokens = tokenize(normalise(text))
    tokens = tuple(filterfalse(load_stopwords().__contains__, all_tokens))
    return AnalysedText(tokens=tokens, stems=tuple(map(stem_word, tokens)), expanded=" ".join(all_tokens))
