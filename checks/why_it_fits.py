from __future__ import annotations

import re
from functools import lru_cache

from .analysis import analyse
from .base import Check, CheckResult
from .markdown import Line
from .spec import StyleSpec

_LEAD = re.compile(r"^[\W_]*")


@lru_cache(maxsize=16)
def _label_rx(pattern: str) -> re.Pattern:
    return re.compile(pattern + r"\b", re.I)


def _is_label(line: Line, rx: re.Pattern) -> bool:
    """The line's label (its text after any leading punctuation) matches ``rx``."""
    if line.kind == "code":
        return False
    text = line.text
    if text[:1].isalnum():  # nothing for _LEAD to cut ([\W_] is what is not alnum)
        return rx.match(text) is not None
    return rx.match(_LEAD.sub("", text)) is not None


class WhyItFits(Check):
    """Every pick has its own "Why it fits" section with at least two bullets.

    For each recommended title, the lines from the title to the next recommended
    title must contain a line whose label is "Why it fits" (any case, optionally
    bold, optionally ending with ':'), followed by at least ``why_it_fits.min_bullets``
    unordered bullets (``-``, ``*``, ``+`` or ``•``). A paragraph or a numbered list
    after the label does not count. Fails when any pick lacks its section or there
    are no picks. Score: the share of picks with a complete section.
    """

    id = "why_it_fits"
    title = '"Why it fits" bullets per pick'

    def run(self, prompt: str, response: str, spec: StyleSpec, meta: dict | None = None) -> CheckResult:
        a = analyse(prompt, response, spec, meta)
        if not a.picks:
            return self.failed(0.0, ["no recommended title found, so no 'Why it fits' sections to check"])
        need = spec.why_it_fits.min_bullets
        rx = _label_rx(spec.why_it_fits.label_pattern)
        doc_lines = a.doc.lines
        good = 0
        ev = []
        for i, pick in enumerate(a.picks):
            first, end = a.sections[i]  # the lines of a.section_lines(i)
            label = None  # the first label line; the bullets follow it, up to the next label
            bullets = 0
            for k in range(first, end):
                line = doc_lines[k]
                if _is_label(line, rx):
                    if label is not None:
                        break
                    label = k
                elif label is not None and line.is_bullet:
                    bullets += 1
            if label is None:
                ev.append(f"{pick.text!r}: no 'Why it fits' line before the next pick")
                continue
            if bullets >= need:
                good += 1
                ev.append(f"{pick.text!r}: 'Why it fits' on line {doc_lines[label].index + 1} with {bullets} bullets")
            else:
                numbered = sum(1 for line in doc_lines[label + 1:end] if line.kind == "ordered" and line.item_start)
                extra = f" (a numbered list of {numbered} instead)" if numbered else ""
                ev.append(f"{pick.text!r}: 'Why it fits' has {bullets} bullet(s), needs {need}{extra}")
        return self.verdict(good == len(a.picks), good / len(a.picks), ev)
