from __future__ import annotations

import re

from .analysis import analyse
from .base import Check, CheckResult
from .markdown import Line
from .spec import StyleSpec

_LEAD = re.compile(r"^[\W_]*")


def find_label(lines: list[Line], pattern: str) -> int | None:
    """Index (within ``lines``) of the first line whose label is "Why it fits"."""
    rx = re.compile(pattern + r"\b", re.I)
    for i, line in enumerate(lines):
        if line.kind == "code":
            continue
        body = _LEAD.sub("", line.text)
        if rx.match(body):
            return i
    return None


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
        good = 0
        ev = []
        for i, pick in enumerate(a.picks):
            lines = a.section_lines(i)
            label = find_label(lines, spec.why_it_fits.label_pattern)
            if label is None:
                ev.append(f"{pick.text!r}: no 'Why it fits' line before the next pick")
                continue
            after = lines[label + 1:]
            bullets = 0
            for line in after:
                if find_label([line], spec.why_it_fits.label_pattern) is not None:
                    break
                if line.is_bullet:
                    bullets += 1
            numbered = sum(1 for line in after if line.kind == "ordered" and line.item_start)
            if bullets >= need:
                good += 1
                ev.append(f"{pick.text!r}: 'Why it fits' on line {lines[label].index + 1} with {bullets} bullets")
            else:
                extra = f" (a numbered list of {numbered} instead)" if numbered else ""
                ev.append(f"{pick.text!r}: 'Why it fits' has {bullets} bullet(s), needs {need}{extra}")
        return self.verdict(good == len(a.picks), good / len(a.picks), ev)
