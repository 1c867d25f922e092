from __future__ import annotations

from .analysis import analyse
from .base import Check, CheckResult
from .spec import StyleSpec


class PickCount(Check):
    """The number of distinct recommended titles is within ``[picks] min..max``.

    Counts bold and unbolded recommendations alike (see ``bold_titles``).
    Score: 1 inside the range, else 0.
    """

    id = "pick_count"
    title = "Number of picks in range"
    kind = "supporting"

    def run(self, prompt: str, response: str, spec: StyleSpec, meta: dict | None = None) -> CheckResult:
        a = analyse(prompt, response, spec, meta)
        n = len(a.picks)
        lo, hi = spec.picks.min, spec.picks.max
        ok = lo <= n <= hi
        return self.verdict(ok, 1.0 if ok else 0.0, [f"{n} pick(s); allowed {lo} to {hi}"], count=n)
