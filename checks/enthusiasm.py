from __future__ import annotations

import re
from functools import lru_cache

from .analysis import analyse, iter_sentences
from .base import Check, CheckResult
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
def _without_titles(voice: str, titles: list[str]) -> str:
    """``voice`` with each title (longest first, those of 3 characters or more) replaced by " " wherever
    ``re.sub(re.escape(title), " ", voice, flags=re.I)`` replaces it, with the same result.

    An ASCII title in a voice without 'İ', 'ı' or 'ſ' is found with ``str.find`` in the lower-cased
    voice instead: there IGNORECASE matches an ASCII character only to itself in either case and 'K'
    (Kelvin, which lower() turns into 'k'), and lower() keeps every other character non-ASCII and the
    voice's length, so the positions are the same (leftmost, not overlapping, as ``re.sub``).
    Removing a title adds no character, so the first voice's test for those letters holds for the rest.
    """
    plain = voice.isascii() or not ("İ" in voice or "ı" in voice or "ſ" in voice)
    low = voice.lower()
    for title in titles:
        if len(title) < 3:
            break  # longest first: the rest are shorter
        if plain and title.isascii():
            tl = title.lower()
            i = low.find(tl)
            if i < 0:
                continue
            parts = []
            pos = 0
            while i >= 0:
                parts.append(voice[pos:i])
                pos = i + len(tl)
                i = low.find(tl, pos)
            parts.append(voice[pos:])
            voice = " ".join(parts)
        else:
            voice = re.sub(re.escape(title), " ", voice, flags=re.I)
        low = voice.lower()
    return voice


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
        # word -> (list, phrase, the other words it needs): a phrase is filed under its last run with
        # each inflection when that run ends it, else under its longest run
        self.by_word: dict[bytes, list[tuple[int, str, frozenset[bytes]]]] = {}
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
                    self.by_word.setdefault(k, []).append((li, p, need))
                vocabulary.update(keys, need)
        self.vocabulary = frozenset(vocabulary)

    def findall(self, text: str) -> list[list[str]]:
        """Each list's ``findall(text)``."""
        present = self.vocabulary.intersection(_text_words(text))
        candidates = [set(w) for w in self.wordless]
        by_word = self.by_word
        for w in present:
            entries = by_word.get(w)
            if entries:
                for li, p, need in entries:
                    if need <= present:
                        candidates[li].add(p)
        out = []
        for m, phrases, scanned in zip(self.matchers, candidates, self.scanned):
            out.append(m.rx.findall(text) if scanned else _findall_at(m.rx, text, phrases) if phrases else [])
        return out


def _findall_at(rx: re.Pattern, text: str, phrases: set[str]) -> list[str]:
    """``rx.findall(text)`` when ``rx`` can match only where one of ``phrases`` starts."""
    starts = set()
    for p in phrases:
        i = text.find(p)
        while i >= 0:
            starts.add(i)
            i = text.find(p, i + 1)
    out = []
    pos = 0
    match = rx.match
    for i in sorted(starts):
        if i >= pos:
            m = match(text, i)
            if m is not None:
                out.append(m.group(1))
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
        self.second_probes = tuple(sorted(w for w in tokens if not any(v != w and v in w for v in tokens)))
        self.weak = frozenset(es.weak_phrases)
        self.excitement = phrase_matcher(tuple(es.excitement_phrases))
        self.stock = phrase_matcher(tuple(es.stock_phrases))
        # the lists matched in the whole voice
        self.voice_lists = _PhraseLists([tuple(es.excitement_phrases), tuple(es.apologetic_phrases),
                                         tuple(es.sarcastic_phrases), tuple(es.flat_phrases)])


@built_per_spec(lambda es: [es.second_person, es.weak_phrases, es.excitement_phrases, es.apologetic_phrases,
                            es.sarcastic_phrases, es.flat_phrases, es.stock_phrases])
def _voice_lists(es: EnthusiasmSpec) -> _Voice:
    """The spec's lists, ready to match (built once per spec)."""
    return _Voice(es)


def _first_personal(voice: str, v: _Voice, low: str) -> list[str]:
    """The first sentence that addresses the user with excitement ('!' or a strong excitement
    phrase) and is not stock politeness, as a list (empty when there is none); ``low``: ``voice.lower()``."""
    probes = v.second_probes
    # A sentence lower-cased is a piece of ``low`` (lower() depends on nothing across whitespace), and
    # a probe without an apostrophe occurs in it whether or not '’' is made "'": none in ``low``, no sentence.
    if not any(p in low for p in probes) and not any("'" in p for p in probes):
        return []
    for s in iter_sentences(voice):
        sl = s.lower().replace("’", "'")
        for p in probes:
            if p in sl:
                break
        else:
            continue  # no second-person word can be among its words
        if v.second.isdisjoint(_APOSTROPHE_WORD.findall(sl)) or v.stock.any(sl):
            continue
        if "!" in s:
            return [s]
        weak = v.weak
        if any(h not in weak for h in v.excitement.findall(sl)):
            return [s]
    return []


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
        lines = [l for l in a.doc.lines if l.kind != "code"]
        text = "\n".join([l.text for l in lines])
        if not text.strip():  # (lower-casing turns no character into whitespace, nor whitespace into another)
            return self.failed(0.0, ["empty response"])
        # The assistant's own voice: not the titles (bold text, titles the user named, picks:
        # "Sorry, Baby" or "Airplane!" say nothing of tone), not quoted speech (a famous line).
        title_spans = {b.raw for b in a.bold_titles}
        if not title_spans:
            voice = text
        else:
            parts = []
            for l in lines:
                segs = l.segments
                if len(segs) == 1 and not segs[0].bold:
                    parts.append(l.text)  # (a line's text is its segments' texts joined)
                else:
                    parts.append("".join([sg.text for sg in segs if not (sg.bold and sg.text.strip() in title_spans)]))
            voice = "\n".join(parts)
        titles = sorted({*a.taste.titles, *(p.text for p in a.picks)}, key=len, reverse=True)
        if titles and len(titles[0]) >= 3:
            voice = _without_titles(voice, titles)
        if '"' in voice or "“" in voice:
            voice = _QUOTED_SPEECH.sub(" ", voice)
        low = voice.lower()
        exclamations = voice.count("!")
        excite, apologetic, sarcastic, flat = v.voice_lists.findall(low)
        personal = _first_personal(voice, v, low)
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
