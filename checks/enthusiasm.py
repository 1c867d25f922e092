from __future__ import annotations

import re
from functools import lru_cache
from operator import attrgetter

from .analysis import Analysis, analyse, iter_sentences
from .base import Check, CheckResult
from .markdown import Line
from .memo import built_per_spec
from .phrases import INFLECTIONS, phrase_matcher
from .spec import EnthusiasmSpec, StyleSpec


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


_QUOTED_SPEECH = re.compile(r"[\"“][^\"”\n]{0,200}[\"”]")
_APOSTROPHE_WORD = re.compile(r"[a-z']+")
_WORD_CHAR = re.compile(r"\w")
_KIND = attrgetter("kind")
_TEXT = attrgetter("text")


def _without_titles_low(voice: str, titles: list[str]) -> tuple[str, str]:
    """``voice`` with each title (longest first, those of 3 characters or more) replaced by " " wherever
    ``re.sub(re.escape(title), " ", voice, flags=re.I)`` replaces it, with the same result; and its
    ``lower()``.

    An ASCII title in a voice without 'İ', 'ı' or 'ſ' is found with ``str.find`` in the lower-cased
    voice instead: there IGNORECASE matches an ASCII character only to itself in either case and 'K'
    (Kelvin, which lower() turns into 'k'), and lower() keeps every other character non-ASCII and the
    voice's length, so the positions are the same (leftmost, not overlapping, as ``re.sub``).
    Removing a title adds no character, so the first voice's test for those letters holds for the rest.

    Without 'İ' (the one character lower() makes two) and 'Σ' (the one whose lower case depends on its
    neighbours: final sigma), lower() maps each character on its own, so the lower-cased voice after a
    cut is the lower-cased pieces joined the same way: no need to lower the whole voice again.
    """
    ascii_voice = voice.isascii()
    plain = ascii_voice or not ("İ" in voice or "ı" in voice or "ſ" in voice)
    per_char = ascii_voice or not ("İ" in voice or "Σ" in voice)
    low = voice.lower()
    for title in titles:
        if len(title) < 3:
            break  # longest first: the rest are shorter
        if plain and title.isascii():
            tl = title.lower()
            i = low.find(tl)
            if i < 0:
                continue
            n = len(tl)
            parts = []
            low_parts = []
            pos = 0
            while i >= 0:
                parts.append(voice[pos:i])
                low_parts.append(low[pos:i])
                pos = i + n
                i = low.find(tl, pos)
            parts.append(voice[pos:])
            voice = " ".join(parts)
            if per_char:  # (plain: ``low`` and ``voice`` have the same positions)
                low_parts.append(low[pos:])
                low = " ".join(low_parts)
                continue
        else:
            voice = re.sub(re.escape(title), " ", voice, flags=re.I)
        low = voice.lower()
    return voice, low


# ASCII characters that are not \w (what ``\w+`` separates words with) as spaces; other bytes kept.
_ASCII_NON_WORD_TO_SPACE = bytes(b if b >= 128 or b == 95 or chr(b).isalnum() else 32 for b in range(256))
_WORD_RUN = re.compile(r"\w+")


def _encode(s: str) -> bytes:
    return s.encode("utf-8", "surrogatepass")


def _text_words(text: str) -> list[bytes]:
    r"""The text's ``\w+`` runs, UTF-8 encoded, in a list that
    may also hold other byte strings, each with a non-word character, so never equal to a run.

    Split at ASCII non-word characters, an ASCII piece is one run (ASCII \w is [A-Za-z0-9_]); a
    piece with other characters is split again with the regex.
    """
    words = _encode(text).translate(_ASCII_NON_WORD_TO_SPACE).split()
    if not text.isascii():
        words += [_encode(run) for w in words if not w.isascii()
                  for run in _WORD_RUN.findall(w.decode("utf-8", "surrogatepass"))]
    return words


class _PhraseLists:
    r"""``[phrase_matcher(l).findall(text) for l in lists]`` without scanning the text with the regexes.

    A matcher's regex ``(?<![\w])(phrase)(?:s|es|ed|d|ing)?(?![\w])`` matches a phrase only where
    the text contains the phrase, with each ``\w+`` run of the phrase a whole run of the text (the
    last one, when it ends the phrase, with one of the inflections or none: non-word characters or
    the ends of the match bound the others). So only the phrases whose runs are all among the
    text's words can match, and only where the text contains them (``str.find``); the regex is
    tried at those places alone, in order, each from the end of the previous match on: what
    ``findall`` finds. Phrases without a run are tried wherever the text contains them.
    """

    def __init__(self, lists: list[tuple[str, ...]]):
        self.matchers = [phrase_matcher(phrases) for phrases in lists]
        # The prefilter holds for the matcher's regex as written today; any other is run as it is.
        self.scanned = [not (not m.phrases or (m.rx.flags == re.UNICODE and m.rx.pattern.startswith("(?<![\\w])(")
                                                and m.rx.pattern.endswith(")(?:s|es|ed|d|ing)?(?![\\w])")))
                        for m in self.matchers]
        self.wordless: list[list[str]] = [[] for _ in lists]
        # word -> (list, phrase, the other words it needs, None for none): a phrase is filed under its
        # last run with each inflection when that run ends it, else under its longest run
        self.by_word: dict[bytes, list[tuple[int, str, frozenset[bytes] | None]]] = {}
        vocabulary: set[bytes] = set()
        for li, m in enumerate(self.matchers):
            for p in m.phrases:
                runs = [_encode(r) for r in _WORD_RUN.findall(p)]
                if not runs:
                    self.wordless[li].append(p)
                    continue
                if _WORD_CHAR.match(p[-1]):  # the last run ends the phrase: it may be inflected
                    need = frozenset(runs[:-1])
                    keys = [runs[-1] + _encode(i) for i in ("",) + INFLECTIONS]
                else:
                    need = frozenset(runs)
                    keys = [max(runs, key=len)]
                for k in keys:
                    self.by_word.setdefault(k, []).append((li, p, need or None))
                vocabulary.update(keys, need)
        self.vocabulary = frozenset(vocabulary)
        self.wordless_pairs = tuple((li, p) for li, ps in enumerate(self.wordless) for p in ps)
        self.plan = [(m.rx, scanned) for m, scanned in zip(self.matchers, self.scanned)]

    def findall(self, text: str) -> tuple[list[list[str]], list[set[str]]]:
        """Each list's ``findall(text)``, and its candidates: the phrases whose runs are all words
        of the text (the only ones that can match in it, or in a piece of it bounded by non-word
        characters), and the wordless ones the text contains."""
        present = self.vocabulary.intersection(_text_words(text))
        candidates: list[set[str]] = [set(), set(), set(), set()] if len(self.matchers) == 4 else \
            [set() for _ in self.matchers]
        for li, p in self.wordless_pairs:
            if p in text:  # (it is tried where the text contains it: nowhere else)
                candidates[li].add(p)
        by_word = self.by_word
        for w in present:
            entries = by_word.get(w)
            if entries is not None:
                for li, p, need in entries:
                    if need is None or need <= present:
                        candidates[li].add(p)
        return [rx.findall(text) if scanned else _findall_at(rx, text, phrases) if phrases else []
                for (rx, scanned), phrases in zip(self.plan, candidates)], candidates


def _findall_at(rx: re.Pattern, text: str, phrases: set[str]) -> list[str]:
    """``rx.findall(text)`` when ``rx`` can match only where one of ``phrases`` starts."""
    starts = set()
    find = text.find
    for p in phrases:
        i = find(p)
        while i >= 0:
            starts.add(i)
            i = find(p, i + 1)
    out = []
    if not starts:
        return out
    pos = 0
    match = rx.match
    for i in sorted(starts):
        if i >= pos:
            m = match(text, i)
            if m is not None:
                out.append(m[1])
                pos = m.end()
    return out


class _Voice:
    """The ``[enthusiasm]`` lists of one spec, ready to match."""

    def __init__(self, es: EnthusiasmSpec):
        self.second = frozenset(w.lower() for w in es.second_person)
        # A sentence speaks to the user only if one of its [a-z']+ words is a second-person word, so
        # it contains that word; it then contains one of these (the second-person words that can be
        # such a word, less those containing another: "your" contains "you").
        tokens = {w for w in self.second if _APOSTROPHE_WORD.fullmatch(w)}
        self.second_tokens = frozenset(_encode(w) for w in tokens)  # (the only ones a word can be)
        probes = {w for w in tokens if not any(v != w and v in w for v in tokens)}
        # (in the spec's order, the common words first: only whether one occurs matters)
        self.second_probes = tuple(w for w in dict.fromkeys(w.lower() for w in es.second_person) if w in probes)
        self.probe_apostrophe = any("'" in p for p in self.second_probes)
        self.weak = frozenset(es.weak_phrases)
        self.excitement = phrase_matcher(tuple(es.excitement_phrases))
        self.stock = phrase_matcher(tuple(es.stock_phrases))
        # the lists matched in the whole voice
        self.voice_lists = _PhraseLists([tuple(es.excitement_phrases), tuple(es.apologetic_phrases),
                                         tuple(es.sarcastic_phrases), tuple(es.flat_phrases)])
        # A sentence is a piece of the voice bounded by white space (see ``_first_personal``), so only
        # the voice's excitement candidates and the wordless phrases can match in it (None: the
        # matcher is not the one the candidates hold for, match the sentence as it is).
        pl = self.voice_lists
        self.excitement_wordless = None if pl.scanned[0] else frozenset(pl.wordless[0])


@built_per_spec(lambda es: [es.second_person, es.weak_phrases, es.excitement_phrases, es.apologetic_phrases,
                            es.sarcastic_phrases, es.flat_phrases, es.stock_phrases])
def _voice_lists(es: EnthusiasmSpec) -> _Voice:
    """The spec's lists, ready to match (built once per spec)."""
    return _Voice(es)


# [a-z'] as themselves, every other byte as a space
_APOSTROPHE_WORD_BYTES = bytes(b if 97 <= b <= 122 or b == 39 else 32 for b in range(256))


def _speaks_to(sl: str, tokens: frozenset[bytes]) -> bool:
    """``not second.isdisjoint(_APOSTROPHE_WORD.findall(sl))``, ``tokens``: the second-person words
    that are [a-z']+ (UTF-8 encoded), the only ones a word can be.

    The ``[a-z']+`` runs of ``sl`` are ASCII, and in its UTF-8 bytes every other character is bytes
    that are not [a-z'] (those of a non-ASCII character are all 128 or more): mapped to spaces, the
    bytes split into those runs (a regex findall costs several times more)."""
    return not tokens.isdisjoint(_encode(sl).translate(_APOSTROPHE_WORD_BYTES).split())


def _first_personal(voice: str, v: _Voice, low: str, candidates: list[set[str]]) -> list[str]:
    """The first sentence that addresses the user with excitement ('!' or a strong excitement
    phrase) and is not stock politeness, as a list (empty when there is none); ``low``: ``voice.lower()``,
    ``candidates``: ``v.voice_lists.findall(low)[1]``.

    A sentence is a piece of the voice bounded by white space or its ends, and lower() maps each
    character on its own but a final sigma, which white space bounds as the ends do: so the sentence
    lower-cased is a piece of ``low`` bounded the same way, its ``\\w+`` runs are runs of ``low``
    (making '’' "'" changes no run) and only the voice's candidates (and the wordless phrases) can
    match in it: its phrases are found at the candidates alone, and with no candidate that is not
    weak and no '!' in the voice, no sentence can qualify.
    """
    weak = v.weak
    if v.excitement_wordless is None:  # (match each sentence as it is)
        excite: set[str] | None = None
    else:
        excite = candidates[0] | v.excitement_wordless if v.excitement_wordless else candidates[0]
        # (a match is one of the phrases)
        if "!" not in voice and not any(p not in weak for p in excite):
            return []
    probes = v.second_probes
    # A sentence lower-cased is a piece of ``low`` (lower() depends on nothing across whitespace), and
    # a probe without an apostrophe occurs in it whether or not '’' is made "'": none in ``low``, no sentence.
    if not v.probe_apostrophe:
        for p in probes:
            if p in low:
                break
        else:
            return []
    for s in iter_sentences(voice):
        sl = s.lower().replace("’", "'")
        for p in probes:
            if p in sl:
                break
        else:
            continue  # no second-person word can be among its words
        if not _speaks_to(sl, v.second_tokens) or v.stock.any(sl):
            continue
        if "!" in s:
            return [s]
        if excite is None:
            found = v.excitement.findall(sl)
        else:
            found = _findall_at(v.excitement.rx, sl, excite) if excite else ()
        if any(h not in weak for h in found):
            return [s]
    return []


def _own_voice(a: Analysis) -> tuple[list[Line], str, str]:
    """The answer's lines but code, their text, and its voice: the text less the bold segments that
    are titles (bold text, titles the user named, picks: "Sorry, Baby" or "Airplane!" say nothing of
    tone), as ``"\n".join("".join(sg.text for sg in l.segments if not (sg.bold and sg.text.strip() in
    title_spans)) for l in lines)``, ``title_spans`` the raw spans of ``a.bold_titles``.

    Every bold segment with a stripped text is a bold span of its line (and a raw span is never
    empty), so only the lines of the bold spans that are titles change: each other line stays its
    text (its segments' texts joined). The document's text is its lines' texts joined with "\n", at
    their offsets, and its bold spans come in the order of their lines.
    """
    doc = a.doc
    lines = doc.lines
    code_free = "code" not in map(_KIND, lines)
    if not code_free:
        lines = [l for l in lines if l.kind != "code"]
    text = doc.text if code_free else "\n".join([l.text for l in lines])
    if not a.bold_titles:
        return lines, text, text
    title_spans = {b.raw for b in a.bold_titles}
    if not code_free:
        cut = {sp.line for sp in doc.bold_spans if sp.text in title_spans}
        return lines, text, "\n".join([l.text if l.index not in cut else
                                       "".join([sg.text for sg in l.segments
                                                if not (sg.bold and sg.text.strip() in title_spans)])
                                       for l in lines])
    parts = []  # splice the changed lines into the text
    pos = 0
    last = -1
    for sp in doc.bold_spans:
        if sp.line != last and sp.text in title_spans:
            last = sp.line
            l = lines[last]
            parts.append(text[pos:l.offset])
            for sg in l.segments:
                if not (sg.bold and sg.text.strip() in title_spans):
                    parts.append(sg.text)
            pos = l.offset + len(l.text)
    if not parts:
        return lines, text, text
    parts.append(text[pos:])
    return lines, text, "".join(parts)


class Enthusiasm(Check):
    """The voice is enthusiastic and personal, never flat, sarcastic or apologetic.

    Signals (all from ``[enthusiasm]`` in style.toml), combined because a lexicon
    alone is easy to fool:

    * required: at least ``min_exclamations`` '!' in the prose, and one sentence that
      addresses the user ("you", "your"...) with excitement (a '!' or a strong excitement
      phrase), not made of stock politeness ("I hope you enjoy these!", "Let me know if...");
    * score = 0.3 x excitement phrases (2 saturate) + 0.2 x exclamations (2 saturate)
      + 0.2 x the personal excited sentence + ``vader_weight`` x VADER compound sentiment
      of the prose outside the bullets (hook and sign-off), minus 0.25 per flat framing
      ("Here is a list", "The following"). VADER is computed only when it can change the
      verdict, and the evidence says so;
    * vetoes: any apologetic ("As an AI", "Sorry,", "Unfortunately") or sarcastic
      ("I guess", "Oh great", "if you must") framing fails the voice outright.

    Passes when the required signals are there, no veto fires and the score reaches
    ``pass_threshold``.
    """

    id = "enthusiasm"
    title = "Enthusiastic, personal voice"

    def run(self, prompt: str, response: str, spec: StyleSpec, meta: dict | None = None) -> CheckResult:
        es = spec.enthusiasm
        v = _voice_lists(es)
        a = analyse(prompt, response, spec, meta)
        lines, text, voice = _own_voice(a)
        if not text.strip():  # (lower-casing turns no character into whitespace, nor whitespace into another)
            return self.failed(0.0, ["empty response"])
        # The assistant's own voice: not the titles (bold ones are out already, then the titles the user
        # named and the picks, wherever they are), not quoted speech (a famous line). (The set is built
        # as before, the same titles in the same order, so equal lengths keep their order.)
        titles = sorted({*a.taste.titles, *map(_TEXT, a.picks)}, key=len, reverse=True)
        if titles and len(titles[0]) >= 3:
            voice, low = _without_titles_low(voice, titles)
        else:
            low = None
        if '"' in voice or "“" in voice:
            voice = _QUOTED_SPEECH.sub(" ", voice)
            low = None
        if low is None:
            low = voice.lower()
        exclamations = voice.count("!")
        (excite, apologetic, sarcastic, flat), candidates = v.voice_lists.findall(low)
        personal = _first_personal(voice, v, low, candidates)
        base = (0.3 * min(1.0, len(excite) / 2) + 0.2 * min(1.0, exclamations / 2)
                + 0.2 * (1.0 if personal else 0.0) - 0.25 * len(flat))
        required = exclamations >= es.min_exclamations and bool(personal) and not apologetic and not sarcastic
        # VADER only when it can change the verdict (it costs more than every other signal together).
        compound = None
        if required and base < es.pass_threshold <= base + es.vader_weight:
            # the voice, not the titles: "The Killing" or "Anatomy of a Murder" say nothing of tone
            prose = "\n".join("".join(sg.text for sg in l.segments if not sg.bold)
                              for l in lines if l.kind != "bullet") or text
            compound = _vader().polarity_scores(prose[:2000])["compound"]
        score = max(0.0, min(1.0, base + es.vader_weight * max(0.0, compound or 0.0)))
        ev = [f"{exclamations} exclamation mark(s)", f"excitement phrases: {sorted(set(excite))[:8]}",
              f"VADER compound of the prose: {compound:+.2f}" if compound is not None
              else "VADER not needed: the other signals decide"]
        if personal:
            ev.append(f"speaks to the user: {personal[0][:120]!r}")
        else:
            ev.append("no sentence addresses the user with excitement")
        if flat:
            ev.append(f"flat framing: {sorted(set(flat))}")
        if apologetic:
            ev.append(f"apologetic framing: {sorted(set(apologetic))}")
        if sarcastic:
            ev.append(f"sarcastic framing: {sorted(set(sarcastic))}")
        ok = (exclamations >= es.min_exclamations and bool(personal) and not apologetic and not sarcastic
              and score >= es.pass_threshold)
        if apologetic or sarcastic:
            score = min(score, 0.2)
        return self.verdict(ok, score, ev, vader=compound, exclamations=exclamations)
