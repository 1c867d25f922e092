from __future__ import annotations

from .analysis import analyse
from .base import Check, CheckResult
from .spec import StyleSpec


class BoldTitles(Check):
    """Every recommended title is in markdown bold, and there is at least one.

    Passes when the answer recommends at least one movie and each recommended title
    is ``**bold**`` (a year in parentheses may sit inside or right after the bold).
    Fails with no recommendations; when a recommended title appears only as plain
    text, italics, quotes or a plain list item; when bold holds only labels
    (``**Why it fits:**``), cheers (``**Great picks!**``) or whole sentences.
    Titles the user said they liked are not recommendations. Escaped asterisks
    (``\\*\\*Heat\\*\\*``) are not bold (markdown-it decides what is bold).
    Score: the share of recommended titles that are bold.
    """

    id = "bold_titles"
    title = "Recommended titles in bold"

    def run(self, prompt: str, response: str, spec: StyleSpec, meta: dict | None = None) -> CheckResult:
        a = analyse(prompt, response, spec, meta)
        if not a.picks:
            ev = ["no recommended title found"]
            if a.bold_other:
                ev.append("bold used only for non-title text: " + ", ".join(repr(b) for b in a.bold_other[:5]))
            return self.failed(0.0, ev, picks=[])
        ev = []  # the bold titles, then the others
        plain = []
        for p in a.picks:
            if p.bold:
                ev.append(f"bold title: {p.text!r}")
            else:
                plain.append(f"not bold ({p.style}, {p.reason}): {p.text!r} on line {p.line + 1}")
        n = len(a.picks)
        return self.verdict(not plain, (n - len(plain)) / n, ev + plain, picks=[p.to_dict() for p in a.picks])
