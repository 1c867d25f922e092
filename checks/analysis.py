"""Shared reading of one (prompt, response) pair, computed once and memoised.

Every check is a pure function of (prompt, response, spec); they all need the same
facts about the pair (what the user said they liked, which titles the answer
recommends, where each pick's section is), so ``analyse`` computes them once per
pair and caches the result.

How recommendations are found
-----------------------------
* A **bold** span is a title when it matches the catalogue, or when it is
  title-shaped (mostly capitalised words, no sentence punctuation) and sits where
  a pick sits (start of a line/heading/list item, or with a year beside it).
  Bold labels (``**Why it fits:**``, ``**Great picks!**``) and bold sentences are not titles.
* A catalogue title written **without bold** counts as a recommendation when it
  is in italics or quotes, starts a line as its head ("1. Heat (1995) - ..."),
  carries a year ("Heat (1995)"), follows a recommending verb ("watch Heat"), or
  is a multi-word capitalised title in prose; never when the sentence compares
  ("like Alien", "from the director of Se7en") or when the user named it.
* Titles the user named in the prompt are never recommendations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz

from .catalogue import (IGNORECASE_TO_ASCII, Catalogue, Film, cached_catalogue, normalise, split_year,
                        strip_article)
from .markdown import Document, Line, parse
from .memo import built_per_spec, register_text_memo, text_cache
from .spec import StyleSpec

_NUMBERING = re.compile(r"^\s*(?:#+\s*)?(?:\(?\d{1,2}[.)]\s*|[-*+•●▪]\s*)?")
# Sentence ends, but not after an initial or a common abbreviation ("S. Craig Zahler", "Mr. Fox").
_NOT_ABBREVIATION = (r"(?<!\b[A-Z]\.)(?<!\bMr\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bvs\.)(?<!\bJr\.)(?<!\bMs\.)(?<!\bNo\.)"
                     r"(?<!\bVol\.)(?<!\bEp\.)(?<!\bPt\.)")
# The reference split (``sentences`` and ``sentence_tail`` cut where it splits, faster).
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])" + _NOT_ABBREVIATION + r"\s+|\n+")
# Its separators, found from their first character or the punctuation before them, so that
# the regex engine stops only at '.', '!', '?' and newlines (it tries _SENTENCE_SPLIT at every
# position): the white space after a sentence end (group 1; the look-behinds are checked at
# the same place, just after the punctuation), or else a run of newlines (the whole match),
# tried in the same order.
_SENTENCE_END = re.compile(r"[.!?\n](?:(?<=[.!?])" + _NOT_ABBREVIATION + r"(\s+)|(?<=\n)\n*)")
_YEAR_AFTER = re.compile(r"^\s*[\(\[]\s*(\d{4})\s*[\)\]]")
_POSSESSIVE_S = re.compile(r"['’]s\b")
_QUOTED = re.compile(r"[\"“]([^\"“”\n]{1,80})[\"”]")
_HEAD_WITH_YEAR = re.compile(r"^\s*(?:#+\s*)?(?:\(?\d{1,2}[.)]\s*)?([^\W\d_][^()\[\]]{0,80}?)\s*[\(\[]\s*(\d{4})\s*[\)\]]")
_SPEAKS = re.compile(r"\byou\b|\byour\b|\bi'm\b|\bi am\b|\bi've\b|\bi'll\b|\bwe\b", re.I)
_HEAD_END = re.compile(r"^\s*(?:$|[\(\[]\s*\d{4}|[:–—]|\s-\s|-\s|\|)")
# A character str.isalnum accepts (re's \w is str.isalnum or "_"; tests check every code point).
_ALNUM = re.compile(r"[^\W_]")
_CONTENT_WORD = re.compile(r"[a-z][a-z'-]+")
# A catalogue hit starts at a word of catalogue.find_in_text ([0-9A-Za-zÀ-ÖØ-öø-ÿ]); it starts
# with a capital or a digit only where the text holds one of these.
_CAPITAL_OR_DIGIT = re.compile(r"[0-9A-ZÀ-ÖØ-Þ]")
_QUOTES = {'"': '"', "“": "”", "'": "'", "‘": "’", "«": "»"}
_REC_VERBS = ("watch", "watching", "check out", "checking out", "try", "recommend", "suggest", "queue up",
              "go with", "go for", "add", "pick", "see", "seeing", "consider", "give", "stream", "rent", "catch",
              "put on", "start with", "dive into", "fire up")
_REC_VERB = re.compile(
    r"\b(?:" + "|".join(_REC_VERBS) + r")\s+(?:out\s+|up\s+|the\s+film\s+|the\s+movie\s+)?$",
    re.I,
)
_COMPARISON = re.compile(
    r"\b(?:like|unlike|as in|than|director of|directors of|maker of|makers of|creator of|team behind|"
    r"from the|since you|because you|fans? of|meets|similar to|reminds?(?: you)? of|echo(?:es)?|"
    r"sequel to|follow-up to|prequel to|remake of|version of|in the vein of|the same|loved|liked|"
    r"enjoyed|mentioned|adored|compared to|such as|after)\b[^.!?]*$",
    re.I,
)
_MINOR_WORDS = {
    "a", "an", "the", "of", "and", "or", "in", "on", "at", "to", "for", "with", "from", "by",
    "is", "vs", "de", "la", "le", "el", "du", "des", "del", "di", "da", "und", "der", "die", "das",
}
STOPWORDS = frozenset(
    """a an the and or but if so of in on at to for with from by as is are was were be been being it its
    it's this that these those there here i me my we our you your you're you'll you've he she they them
    their his her him what which who whom whose when where why how all any both each few more most other
    some such no nor not only own same too very can will just should would could do does did doing have
    has had having than then also into about over under again further once up down out off s t don
    really absolutely definitely totally so much many one two three movie movies film films pick picks
    watch like liked love loved enjoy enjoyed since because get got going gonna make makes made
    recommend recommendation recommendations something thing things lot kind sort bit way""".split()
)

REQUEST_WORDS = frozenset(
    """recommend recommendations suggest suggestions give need want looking please help ideas options
    list tonight weekend night anything something else similar more good great best watched seen
    thanks thank maybe would could might tell know think feel able also still ever always usually
    lately recently time times year years friend friends wife husband girlfriend boyfriend kids
    family night date evening afternoon morning favorite favourite""".split()
)


# --------------------------------------------------------------------------------------
# What the user said they liked
# --------------------------------------------------------------------------------------
@dataclass
class Taste:
    """What the prompt states the user likes: the ground truth for taste_reasoning."""

    titles: list[str] = field(default_factory=list)  # as written (or as given in metadata)
    films: list[Film] = field(default_factory=list)  # catalogue films the prompt names
    terms: list[str] = field(default_factory=list)  # genre / mood / quality words used
    directors: list[str] = field(default_factory=list)  # director names (surnames) used
    phrases: list[str] = field(default_factory=list)  # metadata liked_tastes, or "I love ..." captures
    words: list[str] = field(default_factory=list)  # other content words of the prompt (weakest evidence)
    prompt_norm: str = ""
    # What a check derives from the taste alone, kept here by that check under its own key: a
    # Taste is shared by every answer to its prompt, so it is derived once per prompt.
    derived: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def empty(self) -> bool:
        return not (self.titles or self.films or self.terms or self.directors or self.phrases or self.words)

    @cached_property
    def liked_ids(self) -> frozenset[int]:
        """The catalogue films the user named, by id (computed once: a Taste is shared by every
        answer to its prompt)."""
        return frozenset(f.id for f in self.films)

    @cached_property
    def named_keys(self) -> tuple[frozenset[str], tuple[str, ...]]:
        """The titles the user named (written and catalogue ones): their keys without a
        leading article, and their padded normalised forms (" key ")."""
        named = self.titles + [f.title for f in self.films]
        return (frozenset(strip_article(normalise(t)) for t in named),
                tuple(f" {normalise(t)} " for t in named))

    @cached_property
    def padded_prompt(self) -> str:
        return f" {self.prompt_norm} "

    def to_dict(self) -> dict:
        return {"titles": self.titles, "films": [f.label for f in self.films], "terms": self.terms,
                "directors": self.directors, "phrases": self.phrases}


_LIKE_CAPTURE = re.compile(
    r"\b(?:i|we)\s+(?:really\s+|absolutely\s+|totally\s+|just\s+)?"
    r"(?:like|love|enjoy|liked|loved|enjoyed|adore|adored|dig|dug|am into|'m into|m into|was into|"
    r"am a fan of|'m a fan of|m a fan of|am a big fan of|'m a big fan of|prefer|want|crave|miss)\s+"
    r"([^.!?;\n]{2,80})",
    re.I,
)
_GENRE_NOUN = re.compile(
    r"\s+(?:movies?|films?|flicks?|dramas?|thrillers?|comed(?:y|ies)|horrors?|stuff|vibes?|ones|stories|"
    r"westerns?|romances?|mysteries|fantasy|epics?|classics?|animation|sci-fi|action)\b", re.I)
_PROMPT_TITLE_PHRASE = re.compile(
    r"\b(?:watched|loved|liked|enjoyed|saw|seen|adore|adored|love|like|enjoy|fan of|movies like|films like|"
    r"something like|stuff like|favou?rites? (?:is|are|was|were)|favou?rite (?:film|movie) (?:is|was))\s+"
    r"((?:The |A |An )?[A-Z0-9][\w'’:-]*(?:,?\s+(?:of|the|and|in|on|a|an|to|for|from|with|[A-Z0-9][\w'’:-]*))*)"
)
_PROMPT_TITLE_SUBJECT = re.compile(
    r"(?:^|[.!?]\s+)((?:The |A |An )?[A-Z0-9][\w'’:-]*(?:\s+(?:of|the|and|in|on|a|an|to|for|from|with|"
    r"[A-Z0-9][\w'’:-]*))*)\s+(?:is|was|are|were)\s+(?:my|the|a|an|so|one|hands down|easily|still|probably|"
    r"absolutely|just)\b"
)
_PROMPT_TITLE_CUES = re.compile(
    r"\b(?:liked|loved|enjoyed|like|love|adore|adored|watched|saw|seen|fan of|into|rewatched|"
    r"favorite|favourite|similar to|movies like|films like|something like|more like)\s+$",
    re.I,
)


@lru_cache(maxsize=16)
def _terms_rx(terms: tuple[str, ...]) -> re.Pattern:
    alts = "|".join(sorted((re.escape(t.lower()) for t in terms if t), key=len, reverse=True)) or "(?!x)x"
    return re.compile(rf"(?<![\w-])(?:{alts})(?![\w-])")


def analyse_prompt(prompt: str, spec: StyleSpec, cat: Catalogue, meta: dict | None = None) -> Taste:
    taste = Taste(prompt_norm=normalise(prompt))
    meta = meta or {}
    for title in meta.get("liked_titles") or []:
        if isinstance(title, str) and title.strip():
            taste.titles.append(title.strip())
            m = cat.lookup(title)
            if m:
                taste.films.append(m.film)
    for phrase in meta.get("liked_tastes") or meta.get("liked") or []:
        if isinstance(phrase, str) and phrase.strip():
            taste.phrases.append(phrase.strip())
    # Catalogue titles written in the prompt.
    title_spans = []
    for hit in cat.find_in_text(prompt):
        words = hit.text.split()
        key = normalise(hit.text)
        capitalised = hit.text[:1].isupper() or hit.text[:1].isdigit()
        cue = bool(_PROMPT_TITLE_CUES.search(prompt[: hit.start]))
        quoted = hit.start > 0 and prompt[hit.start - 1] in _QUOTES
        common = all(w.lower() in STOPWORDS or len(w) <= 3 for w in words)
        sentence_start = not prompt[: hit.start].strip() or prompt[: hit.start].rstrip()[-1:] in ".!?\n"
        after = prompt[hit.end:]
        if len(words) == 1 or common:
            ok = ((capitalised and (cue or quoted or (len(key) >= 4 and not sentence_start)
                                    or re.match(r"\s+(?:is|was|are|were)\b", after)))
                  or (cue and len(key) >= 4))
        else:
            ok = capitalised or cue or len(key) >= 8
        if ok and not capitalised and _GENRE_NOUN.match(after):
            ok = False  # "slow-burn dramas": an adjective, not the film "Slow Burn"
        if ok:
            taste.titles.append(hit.text)
            taste.films.extend(hit.films)
            title_spans.append((hit.start, hit.end))
    # Titles the catalogue lacks: a capitalised phrase right after a liking cue.
    for m in [*_PROMPT_TITLE_PHRASE.finditer(prompt), *_PROMPT_TITLE_SUBJECT.finditer(prompt)]:
        phrase = re.sub(r"(?:\s+(?:and|or|the|a|an|of|in|on|to|for))+$", "", m.group(1)).strip(" ,.'’")
        if len(phrase) >= 3 and normalise(phrase) not in REQUEST_WORDS | STOPWORDS:
            for part in re.split(r",\s*|\s+and\s+|\s+or\s+", phrase):
                part = part.strip()
                if len(part) >= 3 and normalise(part) not in STOPWORDS and part[:1].isupper():
                    taste.titles.append(part)
    taste.terms.extend(_terms_rx(tuple(spec.taste.taste_terms)).findall(prompt.lower()))
    for m in re.finditer(r"\b[A-Z][a-zA-Z'’-]{3,}\b", prompt):
        if any(a <= m.start() < b for a, b in title_spans):
            continue  # part of a title the prompt names ("Tokyo Story" is no Tim Story)
        surname = normalise(m.group())
        if surname in cat.surnames and surname not in STOPWORDS:
            taste.directors.append(surname)
    for m in _LIKE_CAPTURE.finditer(prompt):
        taste.phrases.append(m.group(1).strip())
    taste.words = [w for w in content_words(prompt) if len(w) >= 4 and w not in REQUEST_WORDS]
    # De-duplicate, keep order.
    taste.titles = list(dict.fromkeys(taste.titles))
    taste.films = list({f.id: f for f in taste.films}.values())
    taste.terms = list(dict.fromkeys(taste.terms))
    taste.directors = list(dict.fromkeys(taste.directors))
    taste.phrases = list(dict.fromkeys(taste.phrases))
    taste.words = list(dict.fromkeys(taste.words))
    return taste


# --------------------------------------------------------------------------------------
# What the response recommends
# --------------------------------------------------------------------------------------
@dataclass
class Pick:
    """One recommended title and where it sits."""

    text: str  # the title as written
    film: Film | None  # catalogue match, None for unknown titles
    bold: bool
    line: int  # anchor line index
    start: int  # offset in Document.text
    style: str  # bold | italic | quoted | plain
    year: int | None = None  # year written beside the title
    reason: str = ""  # why an unbolded mention counts as a recommendation

    @property
    def key(self) -> str:
        return f"film:{self.film.id}" if self.film else f"text:{normalise(self.text)}"

    def to_dict(self) -> dict:
        return {"title": self.text, "bold": self.bold, "style": self.style, "line": self.line + 1,
                "year": self.year, "catalogue": self.film.label if self.film else None,
                **({"why": self.reason} if self.reason else {})}


@dataclass
class BoldTitle:
    text: str  # cleaned title text
    raw: str
    film: Film | None
    line: int
    start: int
    at_line_start: bool
    year: int | None
    liked: bool


@dataclass
class Analysis:
    prompt: str
    response: str
    doc: Document
    taste: Taste
    picks: list[Pick]
    bold_titles: list[BoldTitle]  # every bold span read as a title (liked ones too)
    bold_other: list[str]  # bold spans that are labels, sentences or emphasis
    sections: list[tuple[int, int]]  # per pick: [first line, end line) of its section
    liked_recommended: list[BoldTitle]  # liked titles presented as picks
    duplicate_picks: list[str]
    catalogue: Catalogue

    def section_lines(self, i: int) -> list[Line]:
        a, b = self.sections[i]
        return self.doc.lines[a:b]

    def section_text(self, i: int) -> str:
        return "\n".join(line.text for line in self.section_lines(i))


@lru_cache(maxsize=16)
def _label_rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.I)


@built_per_spec(lambda spec: [spec.titles.label_phrases])
def _label_set(spec: StyleSpec) -> frozenset[str]:
    return frozenset(normalise(p) for p in spec.titles.label_phrases)


@lru_cache(maxsize=16)
def _spec_catalogue(spec: StyleSpec) -> Catalogue:
    """The spec's catalogue (a spec is immutable and hashed by identity)."""
    return cached_catalogue(str(spec.catalogue_path), spec.titles.fuzzy_threshold, spec.titles.exact_below_chars)


def _title_shaped(text: str) -> bool:
    words = text.split()
    if not words or not (words[0][:1].isupper() or words[0][:1].isdigit()):
        return False
    significant = [w for w in words if w.lower().strip(",:;") not in _MINOR_WORDS]
    if not significant:
        return False
    caps = sum(1 for w in significant if w[:1].isupper() or w[:1].isdigit())
    return caps / len(significant) >= 0.6


@text_cache(maxsize=16384, scope="vocabulary")  # bold, italic and quoted texts recur: mostly titles
def _classify_bold(raw: str, cat: Catalogue, spec: StyleSpec, labels: frozenset[str], year_after: bool = False):
    """-> ('title', title, year, match) | ('other', reason, None, None).

    ``year_after``: a year in parentheses follows the span, a strong sign of a title."""
    text = _NUMBERING.sub("", raw).strip()
    text = text.strip(" \t*_:;,–—-")
    title, year = split_year(text.rstrip(":").strip())
    if not title:
        return ("other", "empty", None, None)
    core = title.strip(" :;,–—-\"'“”‘’")
    key = normalise(core)
    if not key:
        return ("other", "no words", None, None)
    if key in labels or _label_rx(spec.why_it_fits.label_pattern).match(core):
        return ("other", "label", None, None)
    words = core.split()
    if len(words) > spec.titles.max_title_words:
        return ("other", "sentence", None, None)
    match = cat.lookup(core, year)
    if match is None:
        for sep in (" – ", " — ", " - ", ": ", " | "):
            if sep in core:
                head, tail = (x.strip() for x in core.split(sep, 1))
                if sep == ": " and tail[:1].isupper() and len(tail.split()) <= 5:
                    continue  # "Spider-Man: Into the Spider-Verse" is one title
                match = cat.lookup(head, year)
                if match:
                    core = head
                    break
    if match is not None:
        return ("title", core, year, match)
    if raw.rstrip().endswith(":") or (raw.rstrip().endswith(("!", "?", ".")) and not (year or year_after)):
        return ("other", "label or sentence", None, None)
    # a sentence speaks ("you", "I'm"); a bare "I" is common in titles ("I, Robot", "I Am Legend")
    if _SPEAKS.search(core):
        return ("other", "sentence", None, None)
    if _title_shaped(core) and len(words) <= 8:
        return ("title", core, year, None)
    return ("other", "emphasis", None, None)


def _is_liked(film: Film | None, text: str, taste: Taste) -> bool:
    """A title the user named (liked) in the prompt: never a recommendation."""
    if film is not None and film.id in taste.liked_ids:
        return True
    full = normalise(text)
    key = strip_article(full)
    named_keys, named_padded = taste.named_keys
    if key in named_keys:
        return True
    if len(key) >= 4 and f" {full} " in taste.padded_prompt:  # _in_prompt(text, taste) (full is not empty)
        # "Transformers" inside "Transformers: Dark of the Moon" is another film, not the liked one.
        return not any(f" {key} " in t for t in named_padded)
    return False


def _in_prompt(text: str, taste: Taste) -> bool:
    key = normalise(text)
    return bool(key) and f" {key} " in taste.padded_prompt


def _multiword(text: str) -> bool:
    """At least two words of the title are not minor words."""
    return sum(1 for w in text.split() if w.lower() not in _MINOR_WORDS) >= 2


def _line_head_hit(line_text: str, start: int, end: int) -> bool:
    """The hit is the head of its line: only numbering/punctuation before, and end,
    a year or a separator after."""
    # no letter or digit between the numbering and the hit: ``any(ch.isalnum() for ch in
    # _NUMBERING.sub("", line_text[:start]))`` is false (_NUMBERING matches only at the start,
    # and _ALNUM matches exactly the characters str.isalnum accepts)
    if _ALNUM.search(line_text, _NUMBERING.match(line_text, 0, start).end(), start):
        return False
    after = line_text[end:].lstrip("*_\"'”’»")
    return bool(_HEAD_END.match(after))


# What (d) below can see of a line without finding its catalogue hits. A hit in a bullet line
# or in a bold segment is never "in prose"; each of (d)'s other reasons needs a mark in the line.
_HEAD_STRIP = "*_\"'”’»"  # what _line_head_hit strips after a hit
_LETTER = re.compile(r"[^\W\d_]")  # alphanumeric, and not matched by _NUMBERING (a digit may be)
_DASH_SPACE = re.compile(r"-\s")
# ASCII letters lower-cased, digits kept, any other byte a space (UTF-8 writes a non-ASCII
# character with bytes from 0x80 on): a text's words, split at every other character.
_WORD_BYTES = bytes(c | 32 if 65 <= c <= 90 else c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256))
_REC_FIRST_WORDS = frozenset(v.split()[0].encode() for v in _REC_VERBS)
NO_REASON, HEAD_ONLY, ANY_REASON = 0, 1, 2


@text_cache(maxsize=8192, scope="answer")  # (lines recur, as hits_in's texts do)
def _line_reasons(text: str) -> int:
    """Which of (d)'s reasons but "title in prose" a catalogue hit in ``text`` (a line's text)
    may have: ANY_REASON, HEAD_ONLY (the head of its line, where no letter is before it) or
    NO_REASON.

    * a year: ``_YEAR_AFTER`` needs a bracket after the hit;
    * a recommending verb: ``_REC_VERB`` needs one of its verbs after a word boundary and
      before white space, so a word of the text split at every character but ASCII letters
      and digits (the verbs' letters are ASCII, and re.I matches an ASCII letter only to ASCII
      letters and to the characters of IGNORECASE_TO_ASCII);
    * the head: ``_HEAD_END`` needs one of its marks after the hit (a bracket is tested
      above), or the line to end with the hit (which ends with a word character) and then
      only what ``_line_head_hit`` strips and white space."""
    if "(" in text or "[" in text:
        return ANY_REASON
    if not text.isascii() and any(c in text for c in IGNORECASE_TO_ASCII):
        return ANY_REASON
    if not _REC_FIRST_WORDS.isdisjoint(text.encode().translate(_WORD_BYTES).split()):
        return ANY_REASON
    if (":" in text or "|" in text or "–" in text or "—" in text or ("-" in text and _DASH_SPACE.search(text))
            or text.rstrip().rstrip(_HEAD_STRIP)[-1:].isalnum()):
        return HEAD_ONLY
    return NO_REASON


def _reason_possible(text: str, start: int) -> bool:
    """Whether a catalogue hit in ``text`` (a line's text) from ``start`` on may be the head of
    its line, have a year after it or a recommending verb before it (see ``_line_reasons``;
    a letter before ``start`` is an alphanumeric character between ``_NUMBERING``'s match,
    which holds none, and the hit: then it does not head the line)."""
    reasons = _line_reasons(text)
    return reasons == ANY_REASON or (reasons == HEAD_ONLY and not (start and _LETTER.search(text, 0, start)))


# The last word of a _REC_VERB match: a verb's, or that of what may follow the verb.
_REC_LAST_WORDS = tuple(sorted({v.split()[-1] for v in _REC_VERBS} | {"out", "up", "film", "movie"}))


def _rec_verb_before(before: str) -> bool:
    """``_REC_VERB.search(before)``: ``before`` ends with a recommending verb. The regex tries
    every position of the text; a match is a verb and what may follow it, at most four words
    (runs of characters but white space), then white space: so the last word ends with one of
    _REC_LAST_WORDS (in any case: re.I matches an ASCII letter to its two cases and to the
    characters of IGNORECASE_TO_ASCII only), and the match starts in the last four words."""
    if not before[-1:].isspace():
        return False
    words = before.rsplit(None, 4)
    if not words:
        return False
    last = words[-1]
    if (last.isascii() or not any(c in last for c in IGNORECASE_TO_ASCII)) and not last.lower().endswith(
            _REC_LAST_WORDS):
        return False
    # (``pos`` ends the fifth word from the end; \b still reads the character before it)
    return _REC_VERB.search(before, len(words[0]) if len(words) == 5 else 0) is not None


def _head_before(text: str, bold_at: int) -> re.Match | None:
    """``_HEAD_WITH_YEAR.match(text)`` where it ends (with its year) by ``bold_at``, else None.

    Every match holds a bracket before its year: where ``text[:bold_at]`` holds none, no match
    ends by ``bold_at``, and the regex is not tried (most lines with a bracket have a bold
    title before it: "1. **Heat** (1995)")."""
    before = text[:bold_at]
    if "(" not in before and "[" not in before:
        return None
    head = _HEAD_WITH_YEAR.match(text)
    return head if head is not None and head.end(2) <= bold_at else None


@text_cache(maxsize=1024, scope="vocabulary")
def _prompt_cached(prompt: str, spec: StyleSpec, meta_key: tuple) -> Taste:
    cat = _spec_catalogue(spec)
    return analyse_prompt(prompt, spec, cat, {k: list(v) for k, v in meta_key})


# The checks of one answer share its analysis: a few entries suffice, and each retained analysis is
# objects the garbage collector must traverse.
@text_cache(maxsize=8, scope="answer")
def _analyse_cached(prompt: str, response: str, spec: StyleSpec, meta_key: tuple) -> Analysis:
    cat = _spec_catalogue(spec)
    doc = parse(response)
    taste = _prompt_cached(prompt, spec, meta_key)
    labels = _label_set(spec)
    # What the taste says of a title, memoised in the taste (shared by every answer to its
    # prompt: the titles recur from answer to answer): whether it is liked (``_is_liked``, by
    # title and film id) and, by title, its key and whether the user named it (``skip_title``).
    memo = taste.derived.get("analysis")
    if memo is None or len(memo[0]) + len(memo[1]) > 8192:  # (a bound on what it holds)
        memo = taste.derived["analysis"] = ({}, {})
    liked_memo, named_memo = memo

    bold_titles: list[BoldTitle] = []
    bold_other: list[str] = []
    for span in doc.bold_spans:
        line = doc.lines[span.line]
        rel = span.start - line.offset
        idx = line.text.find(span.text, max(0, rel))
        tail = line.text[idx + len(span.text):] if idx >= 0 else ""
        year_after = _YEAR_AFTER.match(tail.lstrip("*_"))
        kind, title, year, match = _classify_bold(span.text, cat, spec, labels, bool(year_after))
        if kind != "title":
            bold_other.append(span.text)
            continue
        if year is None and year_after:
            year = int(year_after.group(1))
        film = match.film if match else None
        if match is None and not (span.at_line_start or year is not None):
            bold_other.append(span.text)  # a capitalised phrase in prose, not a pick
            continue
        liked_key = (title, None if film is None else film.id)
        liked = liked_memo.get(liked_key)
        if liked is None:
            liked = liked_memo[liked_key] = _is_liked(film, title, taste)
        bold_titles.append(BoldTitle(title, span.text, film, span.line, span.start, span.at_line_start, year, liked))

    # Bold picks: one per film, anchored at a line-start occurrence when there is one.
    picks: list[Pick] = []
    by_key: dict[str, list[BoldTitle]] = {}
    for bt in bold_titles:
        if bt.liked:
            continue
        key = f"film:{bt.film.id}" if bt.film else f"text:{normalise(bt.text)}"
        by_key.setdefault(key, []).append(bt)
    duplicate_picks = []
    for key, group in by_key.items():
        # where a pick is presented: the head of a line, or the title with its year beside it
        # ("Next up: **Saving Private Ryan** (1998)!"); a mention in prose is no presentation
        anchors = [b for b in group if b.at_line_start or b.year is not None]
        anchor = next((b for b in anchors if b.at_line_start), anchors[0] if anchors else group[0])
        if len({a.line for a in anchors}) > 1:
            duplicate_picks.append(anchor.text)
        year = next((b.year for b in group if b.year), None)
        picks.append(Pick(anchor.text, anchor.film, True, anchor.line, anchor.start, "bold", year))
    bold_film_ids = {p.film.id for p in picks if p.film}
    bold_keys = {normalise(b.text) for b in bold_titles}

    # Unbolded recommendations.
    seen_plain: set[str] = set()

    def add_plain(text, film, line, abs_start, style, year, reason):
        key = f"film:{film.id}" if film else f"text:{normalise(text)}"
        if key in seen_plain:
            return
        seen_plain.add(key)
        picks.append(Pick(text, film, False, line.index, line.offset + abs_start, style, year, reason))

    head_of_bold: dict[int, tuple[int, int]] = {}  # film id -> (line, offset) of a plain line-head mention

    liked_ids = taste.liked_ids
    named_keys = taste.named_keys[0]
    padded_prompt = taste.padded_prompt

    def skip_title(text, film) -> bool:
        """A bold pick, or a title the user named: ``film.id in bold_film_ids or normalise(text)
        in bold_keys or _is_liked(film, text, taste) or _in_prompt(text, taste)``, with one
        ``normalise``: ``_is_liked``'s last test (the title is in the prompt) holds only where
        ``_in_prompt`` does, so its other two suffice here."""
        if film is not None and (film.id in bold_film_ids or film.id in liked_ids):
            return True
        named = named_memo.get(text)
        if named is None:
            key = normalise(text)
            named = named_memo[text] = (key, strip_article(key) in named_keys
                                        or (key != "" and f" {key} " in padded_prompt))
        return named[0] in bold_keys or named[1]

    for line in doc.lines:
        if line.kind == "code":
            continue
        covered: list[tuple[int, int]] = []
        # (a) italic spans and (b) quoted spans, read like bold spans.
        spans = []
        segments = line.segments
        for seg in segments:
            if seg.italic:  # (rare: the offsets are counted only for a line with one)
                pos = 0
                for seg in segments:
                    if seg.italic and not seg.bold and not seg.code and seg.text.strip():
                        spans.append((pos, pos + len(seg.text), seg.text, "italic"))
                    pos += len(seg.text)
                break
        if '"' in line.text or "“" in line.text:  # every _QUOTED match opens with one
            for m in _QUOTED.finditer(line.text):
                spans.append((m.start(1), m.end(1), m.group(1), "quoted"))
        for a0, a1, raw, style in spans:
            kind, title, year, match = _classify_bold(raw, cat, spec, labels)
            if kind != "title":
                continue
            covered.append((a0, a1))
            film = match.film if match else None
            sentence_before = sentence_tail(line.text[:a0])
            if skip_title(title, film) or _COMPARISON.search(sentence_before):
                continue
            m_year = _YEAR_AFTER.match(line.text[a1 + (1 if style == "quoted" else 0):])
            year = year or (int(m_year.group(1)) if m_year else None)
            at_head = _line_head_hit(line.text, a0, a1)
            if film is None and not (at_head or year):
                continue  # an unknown capitalised phrase in prose: not evidently a title
            add_plain(title, film, line, a0, style, year, f"{style} title")
        # (c) a line headed by a title-shaped phrase and a year: "## Le Samourai (1967)".
        # (a year in brackets is part of every _HEAD_WITH_YEAR match)
        head = None
        if "(" in line.text or "[" in line.text:
            # where the first bold segment starts (the line's end where none is: its text is
            # its segments' texts joined)
            bold_at = 0
            for sg in segments:
                if sg.bold:
                    break
                bold_at += len(sg.text)
            head = _head_before(line.text, bold_at)
        if head:
            raw = head.group(1).strip()
            h0 = head.start(1)
            if (not any(a <= h0 < b for a, b in covered) and _title_shaped(raw) and len(raw.split()) <= 8
                    and not _COMPARISON.search(raw)):
                match = cat.lookup(raw, int(head.group(2)))
                film = match.film if match else None
                if film is not None and film.id in bold_film_ids:
                    head_of_bold.setdefault(film.id, (line.index, line.offset + h0))
                elif not skip_title(raw, film):
                    covered.append((h0, head.end(1)))
                    add_plain(raw, film, line, h0, "plain", int(head.group(2)), "title with its year heads its line")
        # (d) catalogue titles in the remaining plain text.
        pos = 0
        for seg in segments:
            seg_start = pos
            pos += len(seg.text)
            # (most texts start with a capital, found without the regex)
            if seg.code or seg.italic or not ("A" <= seg.text[:1] <= "Z" or _CAPITAL_OR_DIGIT.search(seg.text)):
                continue  # only a title written with a capital or a digit first is kept below
            if seg.bold and _classify_bold(seg.text, cat, spec, labels)[0] == "title":
                continue  # already handled as a bold title
            if (seg.bold or line.kind == "bullet") and not _reason_possible(line.text, seg_start):
                continue  # no hit here is "in prose", and none can have another reason
            for hit in cat.hits_in(seg.text, True):
                text = hit.text
                abs_start = seg_start + hit.start
                abs_end = seg_start + hit.end
                if covered and any(a <= abs_start < b for a, b in covered):
                    continue
                # (skip_title tests the first film against the bold picks)
                films = hit.films
                if skip_title(text, films[0]) or (len(films) > 1 and any(f.id in bold_film_ids for f in films)):
                    continue
                before = line.text[:abs_start]
                year_m = _YEAR_AFTER.match(line.text[abs_end:])
                # the sentence before the title, and whether it compares, only where a reason asks
                if _line_head_hit(line.text, abs_start, abs_end) and (year_m or line.kind != "bullet" or _multiword(text)):
                    reason = "title heads its line"
                elif year_m and not _COMPARISON.search(sentence_tail(before)[-25:]):
                    reason = "title with its year"
                elif _rec_verb_before(before) and not _COMPARISON.search(sentence_tail(before)):
                    reason = "title after a recommending verb"
                elif (not seg.bold and line.kind != "bullet" and len(text) >= 8 and _multiword(text)
                      and not _COMPARISON.search(sentence_tail(before))):
                    reason = "title in prose"
                else:
                    continue
                film = hit.films[0]
                if year_m:
                    film = min(hit.films, key=lambda f: abs((f.year or 0) - int(year_m.group(1))))
                add_plain(text, film, line, abs_start, "plain", int(year_m.group(1)) if year_m else None, reason)

    # A bold pick first written plainly as its own heading ("### Blow Out (1981)", bold only in
    # the sign-off) is anchored at that heading.
    bold_anchor_at_start = {bt.film.id for bt in bold_titles if bt.film and bt.at_line_start}
    for p in picks:
        if p.bold and p.film and p.film.id in head_of_bold and p.film.id not in bold_anchor_at_start:
            p.line, p.start = head_of_bold[p.film.id]
    picks.sort(key=lambda p: (p.line, p.start))
    # Merge plain picks that are the same film as another pick.
    uniq: list[Pick] = []
    seen_keys: set[str] = set()
    for p in picks:
        if p.key in seen_keys:
            continue
        seen_keys.add(p.key)
        uniq.append(p)
    picks = uniq
    sections = []
    for i, p in enumerate(picks):
        end = picks[i + 1].line if i + 1 < len(picks) else len(doc.lines)
        sections.append((p.line, max(p.line, end)))

    liked_rec = [b for b in bold_titles if b.liked and (b.at_line_start or b.year is not None)]
    return Analysis(prompt, response, doc, taste, picks, bold_titles, bold_other, sections, liked_rec,
                    duplicate_picks, cat)


def _meta_key(meta: dict | None) -> tuple:
    if not meta:
        return ()
    titles, tastes = meta.get("liked_titles"), meta.get("liked_tastes")
    if titles is None and tastes is None:
        return ()
    out = []
    if isinstance(titles, list):
        out.append(("liked_titles", tuple([x for x in titles if isinstance(x, str)])))
    if isinstance(tastes, list):
        out.append(("liked_tastes", tuple([x for x in tastes if isinstance(x, str)])))
    return tuple(out)


class _CacheInfo(NamedTuple):
    currsize: int


class _LastAnalysis:
    """The last call of ``analyse``: its arguments and the analysis it returned.

    The checks of one pair call ``analyse`` one after another with the very same objects; a
    call with them again is answered from here without building ``_meta_key`` or hashing the
    memo key. The metadata dict may have been changed in place since, so the two lists
    ``_meta_key`` reads are compared with copies taken at the call (equal lists give the same
    key). Registered with the "answer" memos: ``clear_text_caches`` empties it too."""

    def __init__(self) -> None:
        self.__qualname__ = "analyse.last_call"
        self.entry: tuple | None = None  # (prompt, response, spec, meta, titles, tastes, analysis)

    def cache_clear(self) -> None:
        self.entry = None

    def cache_info(self) -> _CacheInfo:
        return _CacheInfo(0 if self.entry is None else 1)


_LAST = _LastAnalysis()
register_text_memo("answer", _LAST)


def _meta_list(meta: dict, name: str):
    """What ``_meta_key`` reads of one field, copied if it is a list (it can change in place)."""
    value = meta.get(name)
    return value.copy() if type(value) is list else value


def analyse(prompt: str, response: str, spec: StyleSpec, meta: dict | None = None) -> Analysis:
    """The shared reading of a pair (memoised on prompt, response, spec and metadata)."""
    entry = _LAST.entry
    if (entry is not None and entry[1] is response and entry[0] is prompt and entry[2] is spec
            and entry[3] is meta and (meta is None or (meta.get("liked_titles") == entry[4]
                                                       and meta.get("liked_tastes") == entry[5]))):
        return entry[6]
    result = _analyse_cached(prompt, response, spec, _meta_key(meta))
    if meta is None:
        _LAST.entry = (prompt, response, spec, None, None, None, result)
    else:
        _LAST.entry = (prompt, response, spec, meta, _meta_list(meta, "liked_titles"),
                       _meta_list(meta, "liked_tastes"), result)
    return result


def iter_sentences(text: str):
    """The sentences of ``text``, stripped, empty ones dropped, lazily (a caller may stop at
    the first one it wants): the pieces ``_SENTENCE_SPLIT.split(text)`` gives."""
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start(1)
        if end < 0:  # a run of newlines
            end = m.start()
        piece = text[start:end].strip()
        if piece:
            yield piece
        start = m.end()
    piece = text[start:].strip()
    if piece:
        yield piece


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` (see ``iter_sentences``)."""
    return list(iter_sentences(text))


_PUNCT_SPACE = re.compile(r"[.!?]\s")  # in every sentence break but a newline


def line_sentences(text: str) -> list[str]:
    """``sentences(text)``; most lines (no newline, no '.', '!' or '?' before white space)
    are one sentence, found without the split. Most have no '.', '!' or '?' before their last
    character at all, which ``in`` finds faster than the regex: then none is before white space."""
    if "\n" not in text:
        body = text[:-1]
        if ("." not in body and "!" not in body and "?" not in body) or _PUNCT_SPACE.search(text) is None:
            text = text.strip()
            return [text] if text else []
    return sentences(text)


def sentence_tail(text: str) -> str:
    """What follows the last sentence break of ``text``: ``_SENTENCE_SPLIT.split(text)[-1]``."""
    start = 0
    for m in _SENTENCE_END.finditer(text):
        start = m.end()
    return text[start:]


def content_words(text: str) -> list[str]:
    return content_words_lower(text.lower())


def content_words_lower(lowered: str) -> list[str]:
    """``content_words`` of a text already lower-cased."""
    return [w for w in _CONTENT_WORD.findall(lowered) if w not in STOPWORDS and len(w) > 2]


def partial_in(needle: str, haystack: str, threshold: float = 90.0) -> bool:
    """Whole-word containment of a normalised needle, or a close fuzzy partial match."""
    n = normalise(needle)
    h = normalise(haystack)
    if not n or not h:
        return False
    if f" {n} " in f" {h} ":
        return True
    if "'s" in haystack or "’s" in haystack:  # possessive: "Heat's shootouts" names Heat
        h2 = normalise(_POSSESSIVE_S.sub("", haystack))
        if f" {n} " in f" {h2} ":
            return True
    if len(n) >= 6 and fuzz.partial_ratio(n, h) >= threshold:
        return True
    return False
