from __future__ import annotations

from .analysis import analyse
from .base import Check, CheckResult
from .spec import StyleSpec


class NoRepeat(Check):
    """Never recommends a title the user said they liked, nor the same pick twice.

    A liked title presented as a pick (bold at the head of a line, or with its year
    beside it) fails; so does one film presented as a pick on two separate lines.
    Mentions such as "Since you loved **Inception**" are not picks. Score: 1 or 0.
    """

    id = "no_repeat"
    title = "No liked or repeated picks"
    kind = "supporting"

    def run(self, prompt: str, response: str, spec: StyleSpec, meta: dict | None = None) -> CheckResult:
        a = analyse(prompt, response, spec, meta)
        ev = [f"recommends a title the user already liked: {b.text!r} (line {b.line + 1})"
              for b in a.liked_recommended]
        ev += [f"recommends {t!r} more than once" for t in a.duplicate_picks]
        ok = not ev
        if ok:
            ev = [f"{len(a.picks)} distinct pick(s), none of them a liked title"]
        return self.verdict(ok, 1.0 if ok else 0.0, ev)
