from __future__ import annotations

import re
from functools import lru_cache

from .analysis import STOPWORDS, Analysis, analyse, content_words, partial_in, sentences
from .base import Check, CheckResult
from .catalogue import normalise
from .enthusiasm import _hits
from .phrases import words_of
from .spec import StyleSpec

_CLAIM = re.compile(
    r"\b(?:since|because|as|given that|now that)\s+you(?:'ve|’ve| have)?\s+(?:really\s+|absolutely\s+|so\s+|clearly\s+|already\s+)?"
    r"(?:liked|loved|enjoyed|adored|dug|mentioned|like|love|enjoy|adore|were into|are into|'re into|’re into)\s+"
    r"([^,.;!?\n—–]{1,200})",
    re.I,
)
_CLAIM2 = re.compile(r"\b(?:your love (?:of|for)|you(?:'re|’re| are) a (?:big |huge )?fan of)\s+([^,.;!?\n—–]{1,200})", re.I)


_STRONG_CUE = re.compile(
    r"\b(?:since you|because you|as you|you mentioned|you said|you asked|you(?:'re| are) after|"
    r"you (?:love|loved|like|liked|enjoy|enjoyed|adore|adored|dig|dug)|your (?:love|taste|fondness)|fans? of|"
    r"just like|much like|like)\b", re.I)


_CAPITALISED = re.compile(r"[A-Z][a-z0-9]{5,}")
_ALNUM = re.compile(r"[A-Za-z0-9]+")
_PLURAL_END = re.compile(r"(ies|es|s)$")


@lru_cache(maxsize=1024)
def _distinctive_words(title: str) -> frozenset[str]:
    """The capitalised long words of a title of two words or more (none for one word)."""
    if len(title.split()) < 2:
        return frozenset()
    return frozenset(w for w in _CAPITALISED.findall(title) if w.lower() not in STOPWORDS)


def _references(sentence: str, a: Analysis) -> list[str]:
    """The stated tastes a sentence names."""
    t = a.taste
    found = []
    norm = normalise(sentence)
    sentence_words = None
    for title in t.titles + [f.title for f in t.films] + [al for f in t.films for al in f.aliases]:
        if partial_in(title, sentence):
            found.append(title)
            continue
        # A distinctive word of a longer title, capitalised: "Shawshank's theme".
        words = _distinctive_words(title)
        if words:
            if sentence_words is None:
                sentence_words = set(_ALNUM.findall(sentence))
            if not words.isdisjoint(sentence_words):
                found.append(title)
    for term in t.terms:
        stem = normalise(term)
        stem = _PLURAL_END.sub("", stem) if len(stem) > 4 else stem
        if stem and f" {stem}" in f" {norm}":
            found.append(term)
    for surname in t.directors:
        if f" {surname} " in f" {norm} ":
            found.append(surname)
    for phrase in t.phrases:
        words = [w for w in content_words(phrase)]
        if not words:
            continue
        hit = [w for w in words if f" {w.rstrip('s')}" in f" {norm}"]
        if len(hit) >= max(1, min(2, len(words))) or partial_in(phrase, sentence, 88):
            found.append(phrase)
    if not found and _STRONG_CUE.search(sentence):
        # Weakest evidence: another content word of the prompt ("cheesier one-liners" ->
        # "cheesy one-liners"), compared on a 5-letter stem.
        words = set(content_words(sentence))
        stems = {w[:5] for w in words if len(w) >= 4}
        for w in t.words:
            if (w[:5] if len(w) >= 6 else w) in (stems if len(w) >= 6 else words):
                found.append(w)
    return list(dict.fromkeys(found))


_SINCE_YEAR = re.compile(r"\bsince\s+(?=\d)")  # "since 1999" is no link cue


@lru_cache(maxsize=16)
def _cue_words(link_cues: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w for cue in link_cues for w in cue.lower().split())


class TasteReasoning(Check):
    """The answer explicitly ties what the user said they liked to its picks.

    A *link* is a sentence with a link cue ("since you", "because you love", "fan of",
    "just like"... see ``[taste].link_cues``) that names a stated taste (a liked title,
    a genre/mood word, a director or a liked phrase from the prompt) and ties it to a
    quality: at least ``min_quality_words`` content words besides the cue and the taste.

    Passes with at least one link and no misattribution. Fails when the taste is never
    named, when only a generic phrase links ("based on your taste"), or when the answer
    claims the user liked a title the prompt never mentions ("Since you loved Titanic"
    when they said Alien). "since 1999" is no cue. Unscored when the prompt states no
    taste at all; fails when the answer recommends nothing (there is no pick to tie the
    taste to). Score: links found per pick, capped at 1.
    """

    id = "taste_reasoning"
    title = "Taste-to-pick reasoning"

    def run(self, prompt: str, response: str, spec: StyleSpec, meta: dict | None = None) -> CheckResult:
        a = analyse(prompt, response, spec, meta)
        if a.taste.empty:
            return self.unscored(["the prompt states no taste to connect to (no liked title, genre, mood or director found)"])
        ts = spec.taste
        text = "\n".join(l.text for l in a.doc.lines if l.kind != "code")
        if not text.strip():
            return self.failed(0.0, ["empty response"], taste=a.taste.to_dict())
        links, ev, misattributed = [], [], []
        cue_words = _cue_words(tuple(ts.link_cues))
        for s in sentences(text):
            low = s.lower().replace("’", "'")
            for rx in (_CLAIM, _CLAIM2) if "you" in low else ():  # both claims say "you"
                for m in rx.finditer(s):
                    claimed = m.group(1)
                    for hit in a.catalogue.find_in_text(claimed):
                        if len(normalise(hit.text)) < 4 or not hit.text[:1].isupper():
                            continue
                        if partial_in(hit.text, prompt, 85) or any(partial_in(hit.text, x, 85) for x in a.taste.titles):
                            continue
                        if any(p.film and p.film.id in {f.id for f in hit.films} for p in a.picks):
                            continue  # a pick of this answer, not a claim about the user
                        misattributed.append(hit.text)
            cue_text = _SINCE_YEAR.sub(" ", low) if "since" in low else low
            cues = _hits(ts.link_cues, cue_text, words_of(cue_text))
            if not cues:
                continue
            refs = _references(s, a)
            if not refs:
                continue
            contrast = _hits(ts.contrast_phrases, low)
            if contrast:
                ev.append(f"names the taste only to contrast it: {s[:120]!r}")
                continue
            ref_words = set()
            for r in refs:
                ref_words.update(content_words(r))
            quality = [w for w in content_words(s) if w not in cue_words and w not in ref_words
                       and w.rstrip("s") not in ref_words]
            # A sarcastic quip that names the taste ("Wow, a Fast & Furious fan, how sophisticated.")
            # is no reasoning; a sarcastic sentence that still ties real qualities is.
            needed = ts.min_quality_words + (2 if _hits(spec.enthusiasm.sarcastic_phrases, low) else 0)
            if len(quality) >= needed:
                links.append(s)
                ev.append(f"link: {s[:160]!r} (names {refs[:3]})")
        generic = _hits(ts.generic_phrases, text.lower())
        if misattributed:
            ev.append(f"cites liked title(s) the user never mentioned: {sorted(set(misattributed))}")
        if not links:
            ev.append("no sentence ties a stated taste to a pick" + (f" (only generic: {generic})" if generic else ""))
        ev.append(f"stated taste: {a.taste.to_dict()}")
        if not a.picks:
            ev.insert(0, "no recommended title to connect the taste to")
            return self.failed(0.0, ev)
        n = max(1, len(a.picks))
        score = min(1.0, len(links) / n) if not misattributed else 0.0
        return self.verdict(bool(links) and not misattributed, score, ev)
