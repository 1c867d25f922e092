"""The movie catalogue: loading ``golden/catalogue.csv`` and title look-up.

Look-up handles case, punctuation, accents, a leading article ("The"), a trailing
year, aliases (original-language and common English titles) and small typos
(rapidfuzz ratio above ``titles.fuzzy_threshold``; titles shorter than
``titles.exact_below_chars`` must match exactly so "Up" never matches "Us").

``find_in_text`` scans free text for catalogue titles by walking a trie of the titles'
normalised words, so it costs a few dictionary look-ups per word, whatever the
catalogue's size.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from rapidfuzz import fuzz, process

from .errors import CatalogueError
from .memo import text_cache

_ARTICLES = ("the ", "a ", "an ")
_YEAR_TAIL = re.compile(r"\s*[\(\[]\s*(\d{4})\s*[\)\]]\s*$|\s*[,–—-]\s*(\d{4})\s*$")
_WORD = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿ]+(?:['’.][0-9A-Za-zÀ-ÖØ-öø-ÿ]+)*")
# The only non-ASCII characters re.I matches to ASCII letters ('İ' and 'ı' to i, 'ſ' to s, the
# Kelvin sign to k; checked over every code point): where a text has none of them, a
# case-insensitive search for ASCII text finds what str.lower() and ``in`` find.
IGNORECASE_TO_ASCII = ("\u0130", "\u0131", "\u017f", "\u212a")
# Latin-1 bytes below "À" (deleted, so what remains of a text's Latin-1 letters are _WORD's).
_BELOW_LETTERS = bytes(range(0xC0))
_APOSTROPHES = re.compile(r"['’`]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
CSV_FIELDS = ("title", "year", "genres", "director", "aliases", "source", "rating", "votes")
REQUIRED_FIELDS = CSV_FIELDS[:6]


# An ASCII text's key, byte by byte: letters and digits stay, anything else becomes a space.
_ASCII_KEY = bytes(c if chr(c).isalnum() else 32 for c in range(128)) + bytes([32]) * 128


def _normalise_full(text: str) -> str:
    """The definition of ``normalise``, step by step."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.lower().replace("&", " and ")
    text = _APOSTROPHES.sub("", text)
    return _NON_ALNUM.sub(" ", text).strip()


# _normalise_full reads a text character by character (NFKD, combining marks dropped,
# lower-case, '&' -> ' and ', apostrophes dropped, other characters outside [a-z0-9]
# separators), then collapses the separators (only the final sigma's lower-case depends on
# its neighbours, and either sigma is a separator). So a non-ASCII character can be replaced
# by what it becomes between two ASCII letters, and the ASCII text that results normalised.
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@text_cache(maxsize=4096, scope="vocabulary")
def _ascii_key(c: str) -> str:
    """What a non-ASCII character becomes in a normalised text: spaces, ASCII letters and digits."""
    return _normalise_full(f"x{c}y")[1:-1]


def normalise_text(text: str) -> str:
    """``normalise`` without the memo (for one-off text such as a sentence)."""
    if not text.isascii():
        for c in set(_NON_ASCII.findall(text)):
            text = text.replace(c, _ascii_key(c))
    # an ASCII text has no accents to strip: the same steps on bytes
    raw = text.lower().encode()
    if b"&" in raw:
        raw = raw.replace(b"&", b" and ")
    return b" ".join(raw.translate(_ASCII_KEY, b"'`").split()).decode()


@text_cache(maxsize=65536, scope="vocabulary")
def normalise(text: str) -> str:
    """Lower-case, strip accents and punctuation, '&' -> 'and', collapse spaces."""
    return normalise_text(text)


# An ASCII text byte by byte: letters, digits, "'" and "." stay, anything else becomes a space.
_ASCII_KEEP = bytes(c if chr(c).isalnum() or chr(c) in "'." else 32 for c in range(128)) + bytes([32]) * 128
# A "'" or "." that is not between two letters or digits (so in no _WORD token).
_LONE_MARK = re.compile(rb"['.](?:(?![0-9A-Za-z])|(?<![0-9A-Za-z]['.]))")


# An ASCII text byte by byte: letters lower-cased, digits stay, anything else becomes a space.
_ASCII_LOWER_KEY = bytes(ord(chr(c).lower()) if chr(c).isalnum() else 32 for c in range(128)) + bytes([32]) * 128


def _ascii_token_text(text: str) -> str:
    """An ASCII text with each character in no ``_WORD`` token a space: its ``split()`` is
    ``_WORD.findall(text)``, each token where it is in the text (in C loops: findall costs more
    per character).

    A ``_WORD`` token in ASCII is a maximal run of letters and digits with single "'" or "."
    inside, each between two letters or digits; and any such mark is inside a token (the token
    of the letters before it goes on through it). So with every other byte a space and every
    mark that lacks a letter or digit on either side a space, the tokens are what lies between
    the spaces.

    Most texts need no regex for that: where each "." is followed by a space or ends the text
    (none is left before the last character once each ". " is blanked), none is in a token; and
    where then no "'" is beside a space, another "'" or an end, each is between two letters or
    digits (the only other bytes left), so in a token."""
    kept = text.encode().translate(_ASCII_KEEP).decode()
    if "." in kept:
        if "." in kept.replace(". ", "  ")[:-1]:
            return _LONE_MARK.sub(b" ", kept.encode()).decode()
        kept = kept.replace(".", " ")
    if "'" in kept and ("''" in kept or " '" in kept or "' " in kept or kept.startswith("'") or kept.endswith("'")):
        return _LONE_MARK.sub(b" ", kept.encode()).decode()
    return kept


def _token_text(text: str) -> str:
    """``_ascii_token_text`` of any text: its ``_WORD`` tokens where they are, spaces between
    (two tokens are never side by side: the first would go on through the second)."""
    parts = []
    at = 0
    for m in _WORD.finditer(text):
        parts.append(" " * (m.start() - at))
        parts.append(m.group())
        at = m.end()
    parts.append(" " * (len(text) - at))
    return "".join(parts)


def _normalised_words(text: str) -> list[str]:
    """``normalise`` of each ``_WORD`` token of the text (``find_in_text`` reads ASCII text its
    own faster way, and locates the tokens of a hit with ``_token_text``)."""
    return [normalise(w) for w in _WORD.findall(text)]


def strip_article(key: str) -> str:
    if not key.startswith(_ARTICLES):  # most keys (and then the loop below finds none)
        return key
    for art in _ARTICLES:
        if key.startswith(art) and len(key) > len(art):
            return key[len(art):]
    return key


def split_year(text: str) -> tuple[str, int | None]:
    """'Heat (1995)' -> ('Heat', 1995); text without a trailing year is returned as is."""
    m = _YEAR_TAIL.search(text)
    if m:
        year = int(m.group(1) or m.group(2))
        if 1880 <= year <= 2100:
            return text[: m.start()].strip(), year
    return text.strip(), None


@dataclass(frozen=True)
class Film:
    id: int
    title: str
    year: int | None
    genres: tuple[str, ...]
    directors: tuple[str, ...]
    aliases: tuple[str, ...]
    source: str
    rating: float | None = None  # IMDb rating where the source has one
    votes: int | None = None  # IMDb votes: a proxy for how well known the film is

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    def to_dict(self) -> dict:
        return {"title": self.title, "year": self.year, "genres": list(self.genres),
                "directors": list(self.directors)}


@dataclass(frozen=True)
class TitleMatch:
    film: Film
    score: float  # 0-100
    method: str  # exact | alias | article | fuzzy


class TextHit(NamedTuple):
    """A catalogue title found in free text: ``text[start:end]`` and the films it names."""

    start: int
    end: int
    text: str
    films: tuple[Film, ...]


# TextHit(*fields) without its Python-level __new__ (which only calls this)
_new_tuple = tuple.__new__


class _SplitWords:
    """A trie node read with words that may hold spaces or be empty: a word with spaces is its
    parts walked in turn, an empty word leads nowhere (as a key joined with it would be none)."""

    __slots__ = ("node",)

    def __init__(self, node: dict):
        self.node = node

    def get(self, word, default=None):
        if word is None:
            return self.node.get(None, default)
        node = self.node
        for part in word.split(" "):
            node = node.get(part)
            if node is None:
                return default
        return _SplitWords(node)


class Catalogue:
    """An immutable set of films with fast title and director look-ups."""

    def __init__(self, films: list[Film], fuzzy_threshold: float = 88.0, exact_below_chars: int = 5):
        self.films = films
        self.fuzzy_threshold = fuzzy_threshold
        self.exact_below_chars = exact_below_chars
        self._keys: dict[str, list[tuple[Film, str]]] = {}
        for film in films:
            self._add(normalise(film.title), film, "exact")
            for alias in film.aliases:
                self._add(normalise(alias), film, "alias")
        for key, entries in list(self._keys.items()):
            short = strip_article(key)
            if short != key:
                for film, _ in entries:
                    self._add(short, film, "article")
        self._key_list = list(self._keys)
        self._key_films = {key: tuple(f for f, _ in entries) for key, entries in self._keys.items()}
        # The keys as a trie of words: word -> node, and under None the films of the key that
        # ends there (a key is words joined by single spaces: normalised, never empty).
        self._trie: dict = {}
        for key, key_films in self._key_films.items():
            node = self._trie
            for word in key.split(" "):
                node = node.setdefault(word, {})
            node[None] = key_films
        self.directors: dict[str, list[Film]] = {}
        self.surnames: dict[str, set[str]] = {}
        for film in films:
            for name in film.directors:
                key = normalise(name)
                self.directors.setdefault(key, []).append(film)
                self.surnames.setdefault(key.split()[-1], set()).add(name)

    def _add(self, key: str, film: Film, method: str) -> None:
        if not key:
            return
        entries = self._keys.setdefault(key, [])
        if all(f.id != film.id for f, _ in entries):
            entries.append((film, method))

    def __len__(self) -> int:
        return len(self.films)

    # -- look-ups -------------------------------------------------------------------------
    def candidates(self, key: str) -> list[tuple[Film, str]]:
        return self._keys.get(key, [])

    def lookup(self, text: str, year: int | None = None) -> TitleMatch | None:
        """Best catalogue match for a title as written (year in the text or given)."""
        title, year_in_text = split_year(text)
        year = year or year_in_text
        return self._lookup(normalise(title), year)

    @text_cache(maxsize=65536, scope="vocabulary")
    def _lookup(self, key: str, year: int | None) -> TitleMatch | None:
        if not key:
            return None
        for probe, base_score in ((key, 100.0), (strip_article(key), 99.0)):
            entries = self._keys.get(probe)
            if entries:
                film, method = _closest(entries, year)
                return TitleMatch(film, base_score, method)
        if len(key) < self.exact_below_chars:
            return None
        best = process.extractOne(key, self._fuzzy_candidates(len(key)), scorer=fuzz.ratio,
                                  score_cutoff=self.fuzzy_threshold)
        if best is None:
            return None
        film, _ = _closest(self._keys[best[0]], year)
        return TitleMatch(film, float(best[1]), "fuzzy")

    @lru_cache(maxsize=256)
    def _fuzzy_candidates(self, length: int) -> list[str]:
        """The keys a text of ``length`` characters can match at ``fuzzy_threshold``, in
        catalogue order (so ties resolve as over every key). ``fuzz.ratio`` is
        100 * (1 - indel distance / (a + b)) and the distance is at least |a - b|, so a key
        whose length is too far off scores below the threshold whatever its characters."""
        def best_possible(other: int) -> float:
            return 100.0 * (1.0 - abs(length - other) / (length + other)) if length + other else 100.0

        return [k for k in self._key_list if best_possible(len(k)) >= self.fuzzy_threshold - 1e-6]

    def find_in_text(self, text: str, capitalised_only: bool = False) -> list[TextHit]:
        """Every catalogue title written in ``text`` (longest match first, no overlaps).

        The text's words are normalised one by one and walked down the trie of keys: at each
        word, the longest key starting there is a hit, and the search goes on after it.
        ``capitalised_only``: return only the hits that start with a capital or a digit (the
        others are still matched, so they still cover the words they span)."""
        root = self._trie
        written = text  # what a hit's text is cut from
        if not text.isascii() and not text.encode("latin-1", "ignore").translate(None, _BELOW_LETTERS):
            # Outside ASCII, _WORD's letters are those of Latin-1 from "À" on (but "×", "÷"):
            # where the text has none, its other characters are in no token, as a space is in
            # none, but "’", which a token reads as "'" (``normalise`` drops both). With those
            # replaced, one character for one, the tokens are the same words at the same places
            # in an ASCII text (curly quotes, dashes and emoji are most of the text outside ASCII).
            text = text.replace("’", "'").encode("ascii", "replace").decode()
        ascii_words = text.isascii()  # then a word starts with its token's first character, lower-cased
        if ascii_words:
            # An ASCII token is letters and digits, with single "'" or "." inside: normalised, it
            # is its lower case without "'" and with "." as a space.
            if "''" not in text and ("." not in text or "." not in text.replace(". ", "  ")[:-1]):
                # No "." in a token (each is followed by a space or ends the text: none is left
                # before the last character once each ". " is blanked) and no "'" beside
                # another: then a token's word, its lower case without "'", is what the text splits
                # into with each "'" dropped and each other character but a letter or digit a space
                # (a "'" outside a token lacks a letter or digit on one side: dropping it joins
                # none). The tokens are found only where a hit is.
                words = text.encode().translate(_ASCII_LOWER_KEY, b"'").decode().split()
                spaced, make_spaced = None, _ascii_token_text
            else:
                spaced, make_spaced = _ascii_token_text(text), None
                joined = "\0".join(spaced.split()).lower()
                if "'" in joined or "." in joined:
                    if "." in joined:
                        root = _SplitWords(root)  # "u.s" is "u s": two words of a key
                    joined = joined.replace("'", "").replace(".", " ")
                words = joined.split("\0")
        else:
            words = _normalised_words(text)
            spaced, make_spaced = None, _token_text
            if "" in words or " " in "".join(words):
                # a word normalised to nothing or to several ("U.S" -> "u s"): walk its parts
                root = _SplitWords(root)
        # Where a token is: ``spaced`` (the text with each character in no token a space) split
        # before it, that many tokens off; what remains starts with it. Found on demand, for the
        # hits only (a hit starts with a capital or a digit where its first token does).
        rest = None  # ``spaced`` from token ``skipped`` on
        skipped = 0
        size = len(text)
        hits: list[TextHit] = []
        n = len(words)
        i = 0
        while i < n:
            node = root.get(words[i])
            if node is None:  # most words start no title
                i += 1
                continue
            films = node.get(None)
            best_j = i
            j = i + 1
            while j < n:
                node = node.get(words[j])
                if node is None:
                    break
                found = node.get(None)
                if found is not None:
                    films, best_j = found, j
                j += 1
            if films is None:
                i += 1
                continue
            if capitalised_only and ascii_words and words[i][0].upper() not in text:
                # the token starts with this letter or digit, or its capital; with that nowhere in
                # the text (a digit is its own), it is a lower-case letter: a hit not kept, passed
                # over without locating it
                i = best_j + 1
                continue
            if rest is None:
                rest = spaced if spaced is not None else make_spaced(text)
            rest = rest.split(None, i - skipped)[-1]
            skipped = i
            first = rest[0]
            if not capitalised_only or first.isupper() or first.isdigit():
                start = size - len(rest)
                if best_j > i:
                    rest = rest.split(None, best_j - i)[-1]
                    skipped = best_j
                end = size - len(rest) + len(rest.split(None, 1)[0])
                hits.append(_new_tuple(TextHit, (start, end, written[start:end], films)))
            i = best_j + 1
        return hits

    @text_cache(maxsize=8192, scope="answer")
    def hits_in(self, text: str, capitalised_only: bool = False) -> tuple[TextHit, ...]:
        """``find_in_text``, memoised: a tuned model writes the same lines again and again."""
        return tuple(self.find_in_text(text, capitalised_only))

    def director_films(self, name: str) -> list[Film]:
        return self.directors.get(normalise(name), [])


def _closest(entries: list[tuple[Film, str]], year: int | None) -> tuple[Film, str]:
    if year is None or len(entries) == 1:
        # Prefer the original over remakes when no year is given: the earliest listed
        # under its own title, else the first entry.
        own = [e for e in entries if e[1] == "exact"] or entries
        return own[0]
    return min(entries, key=lambda e: abs((e[0].year or 0) - year))


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(";") if v.strip())


def load_catalogue(path: str | Path, fuzzy_threshold: float = 88.0, exact_below_chars: int = 5) -> Catalogue:
    """Read the catalogue CSV; malformed rows are errors that name the line and field."""
    path = Path(path)
    if not path.exists():
        raise CatalogueError(f"{path}: catalogue not found; rebuild it with `python scripts/build_catalogue.py`")
    films: list[Film] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [f for f in REQUIRED_FIELDS if f not in (reader.fieldnames or [])]
        if missing:
            raise CatalogueError(f"{path}:1: header lacks {', '.join(missing)}; expected {', '.join(CSV_FIELDS)}")
        for lineno, row in enumerate(reader, start=2):
            title = (row["title"] or "").strip()
            if not title:
                raise CatalogueError(f"{path}:{lineno}: field 'title' is empty")
            year_raw = (row["year"] or "").strip()
            try:
                year = int(year_raw) if year_raw else None
            except ValueError:
                raise CatalogueError(f"{path}:{lineno}: field 'year' is not a whole number: {year_raw!r}") from None
            directors = tuple(d.strip() for d in re.split(r"\s*&\s*|\s*;\s*", row["director"] or "") if d.strip())
            try:
                rating = float(row["rating"]) if row.get("rating") else None
                votes = int(row["votes"]) if row.get("votes") else None
            except ValueError:
                raise CatalogueError(f"{path}:{lineno}: field 'rating' or 'votes' is not a number") from None
            films.append(Film(len(films), title, year, _split_list(row["genres"] or ""), directors,
                              _split_list(row["aliases"] or ""), (row["source"] or "").strip(), rating, votes))
    return Catalogue(films, fuzzy_threshold, exact_below_chars)


@lru_cache(maxsize=8)
def cached_catalogue(path: str, fuzzy_threshold: float, exact_below_chars: int) -> Catalogue:
    return load_catalogue(path, fuzzy_threshold, exact_below_chars)
