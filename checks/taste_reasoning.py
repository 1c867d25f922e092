from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

from .analysis import (_CONTENT_WORD, _POSSESSIVE_S, STOPWORDS, analyse, content_words_lower, line_sentences,
                       partial_in)
from .base import Check, CheckResult
from .catalogue import IGNORECASE_TO_ASCII, normalise, normalise_text
from .memo import built_per_spec, text_cache
from .phrases import INFLECTIONS, phrase_matcher
from .spec import StyleSpec

_CLAIM = re.compile(
    r"\b(?:since|because|as|given that|now that)\s+you(?:'ve|’ve| have)?\s+(?:really\s+|absolutely\s+|so\s+|clearly\s+|already\s+)?"
    r"(?:liked|loved|enjoyed|adored|dug|mentioned|like|love|enjoy|adore|were into|are into|'re into|’re into)\s+"
    r"([^,.;!?\n—–]{1,200})",
    re.I,
)
_CLAIM2 = re.compile(r"\b(?:your love (?:of|for)|you(?:'re|’re| are) a (?:big |huge )?fan of)\s+([^,.;!?\n—–]{1,200})", re.I)
# The only characters that IGNORECASE matches to an ASCII letter besides the letter's two cases
# (İ and ı to i, ſ to s, the Kelvin sign to k): a text without them can be pre-tested on its
# lower-cased form with plain substring tests.
_CASE_SPECIAL = IGNORECASE_TO_ASCII
_CLAIM_CONJ = ("since", "because", "as", "given that", "now that")
_CLAIMS = (_CLAIM, _CLAIM2)


def _may_claim(low: str) -> tuple[re.Pattern, ...]:
    """Those of _CLAIM and _CLAIM2 that can match a sentence without _CASE_SPECIAL characters
    (``low``: its lower-case): _CLAIM needs "you" after a conjunction and whitespace, _CLAIM2
    "your love" or "fan of"."""
    claim2 = "your love" in low or "fan of" in low
    i = low.find("you")
    while i != -1:
        j = i  # low[:j] is low[:i].rstrip()
        while j and low[j - 1].isspace():
            j -= 1
        if j < i and low.endswith(_CLAIM_CONJ, 0, j):
            return _CLAIMS if claim2 else _CLAIMS[:1]
        i = low.find("you", i + 3)
    return _CLAIMS[1:] if claim2 else ()


_STRONG_CUE = re.compile(
    r"\b(?:since you|because you|as you|you mentioned|you said|you asked|you(?:'re| are) after|"
    r"you (?:love|loved|like|liked|enjoy|enjoyed|adore|adored|dig|dug)|your (?:love|taste|fondness)|fans? of|"
    r"just like|much like|like)\b", re.I)
# The same, case-sensitive, for the lower-case of an ASCII text (where IGNORECASE folds nothing else).
_STRONG_CUE_LOWER = re.compile(_STRONG_CUE.pattern)


_CAPITALISED = re.compile(r"[A-Z][a-z0-9]{5,}")
_ALNUM = re.compile(r"[A-Za-z0-9]+")
_PLURAL_END = re.compile(r"(ies|es|s)$")
_WORD_RUN = re.compile(r"\w+")  # a word: what a phrase match must hold whole
_INFLECTIONS = ("",) + INFLECTIONS  # a phrase's last word as written or inflected
# An ASCII text's word characters are [A-Za-z0-9_]: with every other byte made a space,
# bytes.split() gives its words (what _WORD_RUN finds), several times faster.
_ASCII_WORDS = bytes(c if chr(c).isalnum() or c == 95 else 32 for c in range(128)) + bytes([32]) * 128


def _words(text: str) -> list:
    """``_WORD_RUN.findall(text)``: as str, or as bytes when the text is ASCII."""
    if text.isascii():
        return text.encode().translate(_ASCII_WORDS).split()
    return _WORD_RUN.findall(text)


@text_cache(maxsize=1024, scope="vocabulary")
def _distinctive_words(title: str) -> frozenset[str]:
    """The capitalised long words of a title of two words or more (none for one word)."""
    if len(title.split()) < 2:
        return frozenset()
    return frozenset(w for w in _CAPITALISED.findall(title) if w.lower() not in STOPWORDS)


# --------------------------------------------------------------------------------------
# Phrase lists: does a lower-cased text contain one of them?
# --------------------------------------------------------------------------------------
# A phrase of a list matches as in phrases.PhraseMatcher: whole words,
# an optional inflection after it:  (?<![\w])(phrase|...)(?:s|es|ed|d|ing)?(?![\w])


class _Phrases:
    """Whether a lower-cased text has a match of a phrase list: ``bool(phrase_matcher(phrases).findall(text))``.

    A match starts after a non-word character and ends before one, and inside a phrase a word
    is bounded by non-word characters: so each word of a matched phrase is a whole word of the
    text, the last one possibly inflected when the phrase ends with it. A one-word phrase
    matches exactly where the text has one of its forms (the word and its inflections) as a
    word. A longer phrase needs one of its words (its longest, the key) among the text's words
    and the phrase itself in the text before the regex is asked. A phrase without a word
    character needs itself in the text."""

    __slots__ = ("rx", "one", "longer", "triggers", "wordless")

    def __init__(self, phrases: tuple[str, ...]):
        matcher = phrase_matcher(phrases)
        self.rx, alts = matcher.rx, matcher.phrases
        one: set[str] = set()
        multi = []
        wordless = []
        for p in alts:
            runs = list(_WORD_RUN.finditer(p))
            if not runs:
                wordless.append(p)
            elif len(runs) == 1 and runs[0].start() == 0 and runs[0].end() == len(p):
                one.update(p + i for i in _INFLECTIONS)
            else:
                # each word: (its forms as a whole word of the text, whether inflectable)
                multi.append((p, [(frozenset(m.group() + i for i in _INFLECTIONS), True) if m.end() == len(p)
                                  else (frozenset([m.group()]), False) for m in runs]))
        longer: dict[str, list[str]] = {}
        for p, words in multi:
            if any(forms <= one for forms, _ in words):
                continue  # where it matches, a one-word phrase matches already
            # the key: the longest word (rarer), a plain one before an inflectable one
            forms, _ = max(words, key=lambda w: (min(map(len, w[0])), not w[1]))
            for form in forms:
                longer.setdefault(form, []).append(p)
        # the words as str, and as bytes for ASCII texts (``_words``): a str never equals a bytes
        self.one = frozenset(one | {w.encode() for w in one if w.isascii()})
        self.longer = {**longer, **{w.encode(): ps for w, ps in longer.items() if w.isascii()}}
        self.triggers = self.one | frozenset(self.longer)  # the words that make a match possible
        self.wordless = tuple(wordless)

    def any(self, text: str, words: list) -> bool:
        """``words``: ``_words(text)``. (The regex decides whenever a pre-test finds a candidate.)"""
        hits = self.triggers.intersection(words)  # most sentences: none
        if hits:
            if not self.one.isdisjoint(hits):
                return True
            for w in hits:
                for p in self.longer.get(w, ()):
                    if p in text:
                        return self.rx.search(text) is not None
        for p in self.wordless:
            if p in text:
                return self.rx.search(text) is not None
        return False


@lru_cache(maxsize=64)
def _phrase_list(phrases: tuple[str, ...]) -> _Phrases:
    return _Phrases(phrases)


# --------------------------------------------------------------------------------------
# Stated tastes named by a sentence
# --------------------------------------------------------------------------------------
# The fuzzy thresholds of partial_in for a liked title and for a liked phrase.
_TITLE_FUZZY = 90.0
_PHRASE_FUZZY = 88


@lru_cache(maxsize=1024)  # (a key's length and a threshold: a few hundred pairs; the search is O(m²))
def _max_indel(m: int, threshold: float) -> int:
    """The most indel operations (deletions plus insertions) between a string of length ``m``
    and a string of length at most ``m`` whose fuzz.ratio still reaches ``threshold``: ratio is
    100 * (1 - d / (m + w)) with d = m + w - 2 * lcs, lcs <= w <= m (exact, in integers).
    Memoised: built for every fuzzy key of every new prompt, it cost a tenth of scoring answers
    to prompts never seen before."""
    return max(m + w - 2 * lcs for w in range(m + 1) for lcs in range(w + 1) if 200 * lcs >= threshold * (m + w))


def _fuzzy_pieces(key: str | None, threshold: float) -> tuple[str, ...] | None:
    """Pieces of ``key`` one of which a text longer than it must hold for
    ``fuzz.partial_ratio(key, text) >= threshold`` (None for no key). A few ``in`` scans cost
    less than the call, and most sentences hold none of the pieces.

    Why: for a text longer than the key, partial_ratio is the best fuzz.ratio of the key
    against a window of the text no longer than the key (rapidfuzz's definition: full windows,
    and shorter ones at the text's ends). A window scoring ``threshold`` or more is at most
    D = _max_indel(len(key), threshold) deletions and insertions away from the key. Cut the
    key into D + 1 pieces: each deletion falls inside one piece, and each insertion between two
    neighbouring characters of at most one piece, so some piece is left whole and is a
    substring of the window, so of the text. A text holding none of them scores below the
    threshold (exactly below: the score is 200 * lcs / (m + w), a rational, never within
    rounding of the integer threshold without reaching it)."""
    if key is None:
        return None
    m = len(key)
    k = _max_indel(m, threshold) + 1
    return tuple(dict.fromkeys(key[i * m // k:(i + 1) * m // k] for i in range(k)))


class _TasteKeys:
    """The stated taste, prepared for ``_references`` once per prompt (see ``_taste_keys``)."""

    __slots__ = ("titles", "terms", "directors", "phrases", "words", "word_keys", "stated", "ref_words")

    def __init__(self, t):
        # (title, " key " or None when the key is empty, key when long enough for fuzzy matching,
        #  distinctive words). A title written twice is kept once: the second finds what the first
        #  found, and references are de-duplicated.
        self.titles = []
        seen = set()
        for title in t.titles + [f.title for f in t.films] + [al for f in t.films for al in f.aliases]:
            if title in seen:
                continue
            seen.add(title)
            n = normalise(title)
            fuzzy = n if len(n) >= 6 else None
            self.titles.append((title, f" {n} " if n else None, fuzzy, _fuzzy_pieces(fuzzy, _TITLE_FUZZY),
                                _distinctive_words(title)))
        self.terms = []
        for term in t.terms:
            stem = normalise(term)
            stem = _PLURAL_END.sub("", stem) if len(stem) > 4 else stem
            if stem:
                self.terms.append((term, f" {stem}"))
        self.directors = [(surname, f" {surname} ") for surname in t.directors]
        self.phrases = []
        for phrase in t.phrases:
            words = content_words_lower(phrase.lower())
            if not words:
                continue
            n = normalise(phrase)
            fuzzy = n if len(n) >= 6 else None
            self.phrases.append((phrase, [f" {w.rstrip('s')}" for w in words], max(1, min(2, len(words))),
                                 f" {n} " if n else None, fuzzy, _fuzzy_pieces(fuzzy, _PHRASE_FUZZY)))
        self.words = [(w, w[:5], True) if len(w) >= 6 else (w, w, False) for w in t.words]
        self.word_keys = tuple(key for _, key, _ in self.words)
        self.stated = f"stated taste: {t.to_dict()}"
        self.ref_words: dict[str, list[str]] = {}  # a reference (a taste string) -> its content words


def _taste_keys(t) -> _TasteKeys:
    """The taste's keys, kept in ``t.derived`` (a Taste is shared by every answer to its prompt)."""
    keys = t.derived.get("taste_reasoning")
    if keys is None:
        keys = t.derived["taste_reasoning"] = _TasteKeys(t)
    return keys


def _partial(key_padded: str, key_fuzzy: str | None, pieces: tuple[str, ...] | None, threshold: float,
             sentence: str, norm: str, seen: dict) -> bool:
    """The rest of ``partial_in(needle, sentence, threshold)`` once ``key_padded`` (" n ", n the
    needle normalised) is known not to be in " norm " (``norm``: the sentence normalised, not
    empty). ``seen``: this sentence's memo, made empty for it (the possessive-free text under
    the key 0, and each fuzzy result: a key is scored once)."""
    bare = seen.get(0)
    if bare is None:  # possessive: "Heat's shootouts" names Heat
        # ("" when there is no possessive: a key " n " is never in it)
        bare = seen[0] = (f" {normalise_text(_POSSESSIVE_S.sub('', sentence))} "
                          if "'s" in sentence or "’s" in sentence else "")
    if key_padded in bare:
        return True
    if key_fuzzy is None:
        return False
    done = seen.get((key_fuzzy, threshold))
    if done is not None:
        return done
    if pieces is not None and len(norm) > len(key_fuzzy) and not any(map(norm.__contains__, pieces)):
        seen[(key_fuzzy, threshold)] = False  # see _fuzzy_pieces
        return False
    # With a score_cutoff rapidfuzz skips the alignments that score below it and gives 0 when
    # none reaches it; an alignment that reaches the threshold is well above the cutoff (no
    # rounding at the cutoff can drop it) and scores as without one (tested on 900,000 pairs,
    # scores exactly at the thresholds included).
    hit = seen[(key_fuzzy, threshold)] = fuzz.partial_ratio(key_fuzzy, norm, score_cutoff=threshold - 2) >= threshold
    return hit


def _references(sentence: str, lower: str, keys: _TasteKeys, plain: bool) -> tuple[list[str], list[str] | None]:
    """The stated tastes a sentence names (``lower``: its lower-case), and its content words
    when they were needed (else None; ``run`` reads them only where a taste is named).
    ``plain``: no _CASE_SPECIAL character in the sentence."""
    content = None
    found = []
    norm = normalise_text(sentence)
    padded = f" {norm} "  # partial_in's whole-word containment
    lead = f" {norm}"
    seen = {}  # _partial's memo
    sentence_words = None

    # partial_in(needle, sentence, threshold) is ``key_padded is not None and (key_padded in padded
    # or (norm and _partial(...)))``: its first tests, which settle most keys, are written where
    # it is asked (a key " n " is never in padded when norm is empty: "  ").
    for title, key_padded, key_fuzzy, pieces, distinctive in keys.titles:
        if key_padded is not None and (key_padded in padded
                                       or (norm and _partial(key_padded, key_fuzzy, pieces, _TITLE_FUZZY, sentence, norm, seen))):
            found.append(title)
            continue
        # A distinctive word of a longer title, capitalised: "Shawshank's theme".
        if distinctive and any(w in sentence for w in distinctive):  # (a word of the text, in it)
            if sentence_words is None:
                sentence_words = set(_ALNUM.findall(sentence))
            if not distinctive.isdisjoint(sentence_words):
                found.append(title)
    for term, stem in keys.terms:
        if stem in lead:
            found.append(term)
    for surname, key in keys.directors:
        if key in padded:
            found.append(surname)
    for phrase, stems, need, key_padded, key_fuzzy, pieces in keys.phrases:
        hit = 0
        for stem in stems:
            if stem in lead:
                hit += 1
        if hit >= need or (key_padded is not None and (key_padded in padded or (
                norm and _partial(key_padded, key_fuzzy, pieces, _PHRASE_FUZZY, sentence, norm, seen)))):
            found.append(phrase)
    # Every _STRONG_CUE match says "you", "fan" or "like". A word of the prompt is found below only
    # where its key (the word, or its 5-letter stem) is a piece of ``lower``, as every content word
    # is: without one nothing is found, and the costly cue search and content words can be skipped
    # (``run`` reads the content words only of a sentence that names a taste).
    if (not found and keys.words and (not plain or "you" in lower or "fan" in lower or "like" in lower)
            and any(map(lower.__contains__, keys.word_keys))
            and (_STRONG_CUE_LOWER.search(lower) if sentence.isascii() else _STRONG_CUE.search(sentence))):
        # Weakest evidence: another content word of the prompt ("cheesier one-liners" ->
        # "cheesy one-liners"), compared on a 5-letter stem.
        content = content_words_lower(lower)
        words = set(content)
        stems = {w[:5] for w in words if len(w) >= 4}
        for w, key, long in keys.words:
            if key in (stems if long else words):
                found.append(w)
    return (list(dict.fromkeys(found)) if len(found) > 1 else found), content


_SINCE_YEAR = re.compile(r"\bsince\s+(?=\d)")  # "since 1999" is no link cue


class _SpecLists:
    """The spec's phrase lists as ``run`` uses them."""

    __slots__ = ("cue_words", "cues", "contrast", "sarcastic", "generic", "generic_rx")

    def __init__(self, spec: StyleSpec):
        ts = spec.taste
        link_cues = tuple(ts.link_cues)
        self.cue_words = frozenset(w for cue in link_cues for w in cue.lower().split())
        self.cues = _phrase_list(link_cues)
        self.contrast = _phrase_list(tuple(ts.contrast_phrases))
        self.sarcastic = _phrase_list(tuple(spec.enthusiasm.sarcastic_phrases))
        generic = tuple(ts.generic_phrases)
        matcher = phrase_matcher(generic)
        self.generic, self.generic_rx = tuple(matcher.phrases), matcher.rx


@built_per_spec(lambda spec: [spec.taste.link_cues, spec.taste.contrast_phrases,
                              spec.enthusiasm.sarcastic_phrases, spec.taste.generic_phrases])
def _spec_lists(spec: StyleSpec) -> _SpecLists:
    """The spec's lists, ready to match (built once per spec)."""
    return _SpecLists(spec)


@text_cache(maxsize=8192, scope="answer")
def _line_sentences(line: str, sl: _SpecLists) -> tuple[tuple, ...]:
    """The sentences of one line of an answer that ``run`` must read, each as
    ``(sentence, lower, low, words, claims, has_you, has_cue)``: its lower case, that with
    '’' made "'", ``_words(low)``, the claim regexes that can match it (ignoring _CASE_SPECIAL),
    whether it says "you" and whether it holds a link cue. A sentence with neither "you" (which
    every claim says) nor a cue is left out: ``run`` reads nothing from it.

    Nothing here depends on the prompt. A tuned model writes the same lines in answer after
    answer (in a real run 80% of its lines recur), so this is memoised per line, keyed on the
    spec's lists too. (Plain tuples: the cheapest to build.)"""
    out = []
    for s in line_sentences(line):
        lower = s.lower()
        low = lower.replace("’", "'") if "’" in lower else lower
        has_you = "you" in low
        words = _words(low)
        if "since" in low:
            cue_text = _SINCE_YEAR.sub(" ", low)
            has_cue = sl.cues.any(cue_text, _words(cue_text))
        else:
            has_cue = sl.cues.any(low, words)
        if has_you or has_cue:
            out.append((s, lower, low, words, _may_claim(low) if has_you else (), has_you, has_cue))
    return tuple(out)


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
        texts = [l.text for l in a.doc.lines if l.kind != "code"]
        text = "\n".join(texts)
        if not text.strip():
            return self.failed(0.0, ["empty response"], taste=a.taste.to_dict())
        links, ev, misattributed = [], [], []
        sl = _spec_lists(spec)
        cue_words, contrast, sarcastic = sl.cue_words, sl.contrast, sl.sarcastic
        # Without the few characters IGNORECASE folds oddly, a claim can be pre-tested lower-cased.
        case_special = not text.isascii() and any(c in text for c in _CASE_SPECIAL)
        keys = None
        # What a cue sentence added, by sentence: a small model repeats itself, and a cue sentence
        # written again adds again what it added the first time (all it reads is the sentence
        # and what is fixed for the answer), so its taste is looked for once.
        added: dict[str, tuple[bool, str] | None] = {}  # sentence -> (a link?, its evidence), None: nothing
        # the answer's sentences that say "you" or hold a cue, line by line (see _line_sentences)
        for s, lower, low, words, claims, has_you, has_cue in [x for t in texts for x in _line_sentences(t, sl)]:
            # both claims say "you"
            if has_you and (claims or case_special):
                for rx in _CLAIMS if case_special else claims:
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
            if not has_cue:
                continue
            if s in added:
                again = added[s]
                if again is not None:
                    if again[0]:
                        links.append(s)
                    ev.append(again[1])
                continue
            added[s] = None
            if keys is None:
                keys = _taste_keys(a.taste)
            refs, content = _references(s, lower, keys, not case_special)
            if not refs:
                continue
            if contrast.any(low, words):
                ev.append(said := f"names the taste only to contrast it: {s[:120]!r}")
                added[s] = (False, said)
                continue
            ref_words = set()
            for r in refs:
                r_words = keys.ref_words.get(r)
                if r_words is None:
                    r_words = keys.ref_words[r] = content_words_lower(r.lower())
                ref_words.update(r_words)
            # A sarcastic quip that names the taste ("Wow, a Fast & Furious fan, how sophisticated.")
            # is no reasoning; a sarcastic sentence that still ties real qualities is.
            needed = ts.min_quality_words + (2 if sarcastic.any(low, words) else 0)
            # enough content words besides the cue and the taste (counted until there are enough)
            quality = 0
            for w in content if content is not None else _CONTENT_WORD.findall(lower):
                if (len(w) > 2 and w not in STOPWORDS and w not in cue_words and w not in ref_words
                        and w.rstrip("s") not in ref_words):
                    quality += 1
                    if quality >= needed:
                        break
            if quality >= needed:
                links.append(s)
                ev.append(said := f"link: {s[:160]!r} (names {refs[:3]})")
                added[s] = (True, said)
        if misattributed:
            ev.append(f"cites liked title(s) the user never mentioned: {sorted(set(misattributed))}")
        if not links:
            text_lower = text.lower()
            generic = sl.generic_rx.findall(text_lower) if any(p in text_lower for p in sl.generic) else []
            ev.append("no sentence ties a stated taste to a pick" + (f" (only generic: {generic})" if generic else ""))
        ev.append(_taste_keys(a.taste).stated)
        if not a.picks:
            ev.insert(0, "no recommended title to connect the taste to")
            return self.failed(0.0, ev)
        n = max(1, len(a.picks))
        score = min(1.0, len(links) / n) if not misattributed else 0.0
        return self.verdict(bool(links) and not misattributed, score, ev)
