from __future__ import annotations

from .analysis import analyse
from .base import Check, CheckResult
from .spec import StyleSpec


class KnownTitles(Check):
    """Every bold title matches a catalogue film (possible hallucinations are flagged).

    Bold spans read as titles are looked up in the catalogue (case, punctuation,
    leading "The", years, aliases and small typos are tolerated via rapidfuzz).
    Unknown titles are listed as possible hallucinations. Unscored when the answer
    has no bold title. Score: the share of bold titles found.
    """

    id = "known_titles"
    title = "Titles exist in the catalogue"
    kind = "supporting"

    def run(self, prompt: str, response: str, spec: StyleSpec, meta: dict | None = None) -> CheckResult:
        a = analyse(prompt, response, spec, meta)
        titles = {}
        for b in a.bold_titles:
            titles.setdefault(b.text.lower(), b)
        if not titles:
            return self.unscored(["no bold title to look up"])
        ev = []  # the known titles, then the unknown ones
        unknown = []
        for b in titles.values():
            if b.film:
                ev.append(f"known: {b.text!r} = {b.film.label}")
            else:
                unknown.append(b.text)
        n = len(titles)
        ev += [f"not in the catalogue (possible hallucination): {t!r}" for t in unknown]
        return self.verdict(not unknown, (n - len(unknown)) / n, ev, unknown=unknown)
