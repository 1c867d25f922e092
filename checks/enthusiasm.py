from __future__ import annotations

import re
from functools import lru_cache

from .analysis import analyse, sentences
from .base import Check, CheckResult
from .phrases import phrase_matcher, words_of
from .spec import StyleSpec


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def _hits(phrases: list[str], text: str, words: frozenset[str] | None = None) -> list[str]:
    """Every phrase of the list in ``text``, whole words, an optional inflection allowed
    ("gem" matches "gems"); ``words``: ``words_of(text)`` when the caller has it."""
    return phrase_matcher(tuple(phrases)).findall(text, words)


_QUOTED_SPEECH = re.compile(r"[\"“][^\"”\n]{0,200}[\"”]")
_CASE_SPECIAL = frozenset("İıſK")  # non-ASCII letters that IGNORECASE matches to ASCII ones
_APOSTROPHE_WORD = re.compile(r"[a-z']+")


def _may_contain(text: str, title: str) -> bool:
    """False only when ``re.search(re.escape(title), text, re.I)`` cannot match: an ASCII
    title matches case-insensitively only where the lower-cased text contains it."""
    if not title.isascii() or not _CASE_SPECIAL.isdisjoint(text):
        return True
    return title.lower() in text.lower()


def _first_personal(voice: str, es) -> list[str]:
    """The first sentence that addresses the user with excitement ('!' or a strong excitement
    phrase) and is not stock politeness, as a list (empty when there is none)."""
    second = {w.lower() for w in es.second_person}
    weak = set(es.weak_phrases)
    for s in sentences(voice):
        sl = s.lower().replace("’", "'")
        if second.isdisjoint(_APOSTROPHE_WORD.findall(sl)) or _hits(es.stock_phrases, sl):
            continue
        if "!" in s or any(h not in weak for h in _hits(es.excitement_phrases, sl)):
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
        a = analyse(prompt, response, spec, meta)
        lines = [l for l in a.doc.lines if l.kind != "code"]
        text = "\n".join(l.text for l in lines)
        low = text.lower()
        if not low.strip():
            return self.failed(0.0, ["empty response"])
        # The assistant's own voice: not the titles (bold text, titles the user named, picks:
        # "Sorry, Baby" or "Airplane!" say nothing of tone), not quoted speech (a famous line).
        title_spans = {b.raw for b in a.bold_titles}
        voice = "\n".join("".join(sg.text for sg in l.segments if not (sg.bold and sg.text.strip() in title_spans))
                          for l in lines)
        for title in sorted({*a.taste.titles, *(p.text for p in a.picks)}, key=len, reverse=True):
            if len(title) >= 3 and _may_contain(voice, title):
                voice = re.sub(re.escape(title), " ", voice, flags=re.I)
        if '"' in voice or "“" in voice:
            voice = _QUOTED_SPEECH.sub(" ", voice)
        voice_low = voice.lower()
        low = voice_low
        exclamations = voice.count("!")
        words = words_of(low)
        excite = _hits(es.excitement_phrases, voice_low, words)
        apologetic = _hits(es.apologetic_phrases, low, words)
        sarcastic = _hits(es.sarcastic_phrases, low, words)
        flat = _hits(es.flat_phrases, low, words)
        personal = _first_personal(voice, es)
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
