from __future__ import annotations

import re
from functools import lru_cache

from .analysis import analyse, line_sentences
from .base import Check, CheckResult
from .catalogue import IGNORECASE_TO_ASCII, normalise
from .memo import text_cache
from .spec import StyleSpec

_UP = r"[^\W\d_a-z]"  # an upper-case letter, accented ones included ("Žbanić", "Álvarez")
_NAME = rf"({_UP}[\w'’.-]+(?:\s+(?:de |van |von |del |da |di |la |le )?{_UP}[\w'’.-]+){{0,2}})"
# "(?:[Dd]irected by|[Hh]elmed by|[Ff]rom director|[Bb]y director|[Dd]irector)\s+NAME", written to
# start with a character set so that the regex engine skips ahead to the cues' first letters.
_DIRECTED_BY = re.compile(r"[DdHhFfBb](?:(?<=[Dd])irected by|(?<=[Hh])elmed by|(?<=[Ff])rom director|"
                          r"(?<=[Bb])y director|(?<=[Dd])irector)\s+" + _NAME)
_POSSESSIVE_TAIL = (
    r"(?:'s|’s)\s+(?:[\w-]+\s+){0,2}?(?:film|movie|masterpiece|classic|direction|thriller|drama|"
    r"comedy|epic|gem|take|debut|noir|western|horror|picture|work)"
)
_POSSESSIVE = re.compile(_NAME + _POSSESSIVE_TAIL)
# What follows the name in every _POSSESSIVE match: where it is absent, the scan for a
# name (tried at every position of the sentence) cannot succeed.
_POSSESSIVE_TAIL_RX = re.compile(_POSSESSIVE_TAIL)
_DIRECTS = re.compile(_NAME + r"\s+(?:directs|directed|helms|helmed)\b")
GENRE_WORDS = {
    "animated": "Animation", "animation": "Animation", "cartoon": "Animation", "anime": "Animation",
    "documentary": "Documentary", "horror": "Horror", "slasher": "Horror", "musical": "Musical",
    "western": "Western", "superhero": "Superhero", "sci-fi": "Science Fiction",
    "science fiction": "Science Fiction", "science-fiction": "Science Fiction", "scifi": "Science Fiction",
    "space opera": "Science Fiction",
}
_GENRE_RX = re.compile(r"\b(" + "|".join(sorted(map(re.escape, GENRE_WORDS), key=len, reverse=True)) + r")\b", re.I)
# Every genre word's first word (no white space in it) contains one of these pieces, so a
# sentence without any of them (case-insensitively) holds no genre claim, even once the
# pick's title is cut out of it (the cut leaves a space, which no piece spans).
_GENRE_PIECES = ("anim", "cartoon", "documentary", "horror", "slasher", "musical", "western", "superhero", "sci",
                 "space")
assert all(any(p in w.split()[0] for p in _GENRE_PIECES) for w in GENRE_WORDS)
assert all(p.isascii() and p.isalpha() and p.islower() for p in _GENRE_PIECES)
# Outside ASCII, re.I folds more than str.lower() does ('ſ' is 's', 'İ' is 'i'): ask the regex engine.
_GENRE_PIECES_RX = re.compile("|".join(_GENRE_PIECES), re.I)
_COMPARE = re.compile(r"\b(?:like|than|since you|because you|similar|same|reminds|echo|as in|unlike|fans? of|meets|vibes?)\b", re.I)


_IT_THIS = re.compile(r"\s*(?:it|this|this one)\b", re.I)


def _director_names(sentence: str) -> list[tuple[str, bool]]:
    """(name, explicit) for every director claim: "directed by X" is explicit; "X's film"
    and "X directs" are not. A pattern runs only when its fixed words are in the sentence."""
    names = []
    if "irect" in sentence or "elmed by" in sentence:  # every _DIRECTED_BY cue
        names += [(m.group(1), True) for m in _DIRECTED_BY.finditer(sentence)]
    if ("'s" in sentence or "’s" in sentence) and _POSSESSIVE_TAIL_RX.search(sentence):
        names += [(m.group(1), False) for m in _POSSESSIVE.finditer(sentence)]
    if "direct" in sentence or "helm" in sentence:
        names += [(m.group(1), False) for m in _DIRECTS.finditer(sentence)]
    return names


@text_cache(maxsize=4096, scope="answer")
def _line_claims(line_text: str) -> tuple[tuple[str, tuple[tuple[str, bool], ...], bool], ...]:
    """The sentences of a line that may state a fact, each with the director names it gives
    (``_director_names``) and whether it may claim a genre (``_may_claim_genre``); none for
    most lines. Memoised: a tuned model repeats its lines from answer to answer."""
    if not _may_claim(line_text):
        return ()
    return tuple((s, tuple(_director_names(s)), _may_claim_genre(s)) for s in line_sentences(line_text))


def _may_claim(line_text: str) -> bool:
    """False when no sentence of the line can name a director or claim a genre: the
    pre-tests of ``_director_names`` and ``_may_claim_genre`` failing on the whole line
    fail on each of its sentences (each is a part of the line)."""
    if ("irect" in line_text or "elmed by" in line_text or "helm" in line_text
            or (("'s" in line_text or "’s" in line_text) and _POSSESSIVE_TAIL_RX.search(line_text))):
        return True
    return _may_claim_genre(line_text)


def _may_claim_genre(sentence: str) -> bool:
    """False when the sentence provably holds no _GENRE_RX match."""
    # a piece in the lower-cased sentence (``in`` per piece: faster than scanning an alternation of
    # them position by position)
    low = sentence.lower()
    for piece in _GENRE_PIECES:
        if piece in low:
            return True
    # re.I matches a piece's letter to itself in either case (which lower() finds) or to one of
    # IGNORECASE_TO_ASCII
    return (not sentence.isascii() and any(c in sentence for c in IGNORECASE_TO_ASCII)
            and _GENRE_PIECES_RX.search(sentence) is not None)


def _genre_word(found: str) -> str:
    """The GENRE_WORDS key a _GENRE_RX match stands for. Lower-casing finds it, except where
    re.I matched 'ſ', 'İ', 'ı' or the Kelvin sign to an ASCII letter ("ſci-fi", "SCİ-FI")."""
    key = found.lower()
    if key in GENRE_WORDS:
        return key
    return next(k for k in GENRE_WORDS if re.fullmatch(re.escape(k), found, re.I))


@lru_cache(maxsize=4096)
def _director_keys(directors: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """A film's directors (``Film.directors``, catalogue data), normalised, and their surnames."""
    keys = frozenset(normalise(d) for d in directors)
    return keys, frozenset(d.split()[-1] for d in keys if d)


class Grounded(Check):
    """The facts an answer states about its picks agree with the catalogue.

    Checked per pick that matches the catalogue, in its own section:

    * the year written beside the bold title (within ``[grounded] year_tolerance``);
    * a director it names ("directed by X", "X's film", "X directs"): must be the
      pick's director; names in comparison sentences ("like Nolan's Inception") are skipped;
    * a genre it claims for the pick ("this animated gem", "a sci-fi classic") for the
      distinctive genres in ``[grounded] distinctive_genres``, in sentences about the pick.

    Unverifiable claims (the catalogue lacks the fact) are listed, not judged.
    Unscored when the answer states no checkable fact. Score: supported / checked.
    """

    id = "grounded"
    title = "Stated facts agree with the catalogue"
    kind = "supporting"

    def run(self, prompt: str, response: str, spec: StyleSpec, meta: dict | None = None) -> CheckResult:
        a = analyse(prompt, response, spec, meta)
        gs = spec.grounded
        supported, contradicted, unverifiable = [], [], []
        doc_lines = a.doc.lines
        for i, pick in enumerate(a.picks):
            film = pick.film
            if film is None:
                continue
            if pick.year is not None:
                if film.year is None:
                    unverifiable.append(f"{pick.text}: year {pick.year} (catalogue has no year)")
                elif abs(pick.year - film.year) <= gs.year_tolerance:
                    supported.append(f"{pick.text}: year {pick.year} (catalogue {film.year})")
                else:
                    contradicted.append(f"{pick.text}: year {pick.year}, catalogue says {film.year}")
            directors = surnames = None  # of the film, once a sentence names someone
            title_key = title_rx = None  # of the pick, once a sentence may claim a genre
            title_ascii_low = pick.text.lower() if pick.text.isascii() else ""
            first, end = a.sections[i]  # the section's sentences, line by line (as section_text's)
            for line in doc_lines[first:end]:
                for s, names, may_claim_genre in _line_claims(line.text):  # none for most lines
                    if names and directors is None:
                        directors, surnames = _director_keys(film.directors)
                    for name, explicit in names:
                        key = normalise(name)
                        if not key:
                            continue
                        is_director = key in a.catalogue.directors or key.split()[-1] in a.catalogue.surnames
                        if not explicit and not is_director:
                            continue  # an actor's name, not a director claim
                        if key in directors or key.split()[-1] in surnames:
                            supported.append(f"{pick.text}: directed by {name}")
                        elif not directors:
                            unverifiable.append(f"{pick.text}: director {name} (catalogue has none)")
                        elif _COMPARE.search(s) and not explicit:
                            continue
                        else:
                            contradicted.append(f"{pick.text}: names {name} as director, catalogue says "
                                                f"{' & '.join(film.directors)}")
                    if not may_claim_genre:
                        continue
                    if title_key is None:
                        title_key = normalise(pick.text)
                    about_pick = title_key in normalise(s) or _IT_THIS.match(s)
                    if not about_pick or _COMPARE.search(s):
                        continue
                    # "Western Front" is no genre claim: the title is cut out (case-insensitively; for
                    # ASCII text and title that is str.lower(), and without the title nothing is cut)
                    if s.isascii() and title_ascii_low and title_ascii_low not in s.lower():
                        claim_text = s
                    else:
                        if title_rx is None:
                            title_rx = re.compile(re.escape(pick.text), re.I)
                        claim_text = title_rx.sub(" ", s)
                    for m in _GENRE_RX.finditer(claim_text):
                        genre = GENRE_WORDS[_genre_word(m.group(1))]
                        if genre not in gs.distinctive_genres:
                            continue
                        if not film.genres or (genre == "Animation" and film.source.startswith("vega")):
                            unverifiable.append(f"{pick.text}: genre {genre}")
                        elif genre in film.genres:
                            supported.append(f"{pick.text}: genre {genre}")
                        else:
                            contradicted.append(f"{pick.text}: called {m.group(1)}, catalogue genres "
                                                f"{', '.join(film.genres)}")
        checked = len(supported) + len(contradicted)
        ev = [f"agrees: {x}" for x in supported] + [f"contradicts the catalogue: {x}" for x in contradicted]
        ev += [f"unverifiable: {x}" for x in unverifiable]
        if checked == 0:
            return self.unscored(ev or ["no checkable fact (year, director, genre) stated about a known pick"])
        return self.verdict(not contradicted, len(supported) / checked, ev, contradicted=contradicted)
