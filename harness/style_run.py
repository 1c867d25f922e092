"""A scored run folder with assertions on it: what `style_run` gives a pytest test.

Everything is read from the run folder (summary.json, scores.jsonl and, when the run
was gated against a baseline, gate.json). Assertion messages name the check, the
figures with their 95% intervals and the worst prompts, so a failing CI log says
what regressed without opening the report.
"""

from __future__ import annotations

import json
from pathlib import Path

from checks import OVERALL

from reports.gate import ci_text, pct

from .jsonl import read_rows, read_summary
from .gate import PAIR


class StyleAssertionError(AssertionError):
    """A style gate failed; the message carries the figures and the worst prompts."""


class StyleRun:
    """The candidate's ("tuned") answers in a finished run folder, with their verdicts."""

    candidate = "tuned"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.summary = read_summary(self.path)
        self.scores = read_rows(self.path / "scores.jsonl")
        g = self.path / "gate.json"
        self.gate = json.loads(g.read_text(encoding="utf-8")) if g.exists() else None
        if self.candidate not in self.summary["provenance"]["systems"]:
            raise ValueError(f"{self.path}: the run has no {self.candidate!r} answers")

    # -- figures -------------------------------------------------------------------------
    @property
    def checks(self) -> list[str]:
        return list(self.summary["criteria"])

    def _criterion(self, check: str) -> dict:
        if check not in self.summary["criteria"]:
            raise KeyError(f"unknown check {check!r}; this run has: {', '.join(self.summary['criteria'])}")
        return self.summary["criteria"][check]

    def rate(self, check: str = OVERALL) -> dict:
        """{pass_rate, ci, passed, n, unscored} of the candidate (pass^K per prompt)."""
        c = self._criterion(check)
        for st in c["pairs"].values():
            return st["systems"][self.candidate]
        r = c["rates"][self.candidate]
        return {**r, "ci": [None, None], "passed": None}

    def pass_rate(self, check: str = OVERALL) -> float | None:
        return self.rate(check)["pass_rate"]

    def answers(self, prompt_id: str) -> list[dict]:
        return [r for r in self.scores if r["system"] == self.candidate and r["id"] == prompt_id]

    def worst(self, check: str = OVERALL, limit: int = 5) -> list[str]:
        """The candidate's failing prompts for ``check``, each with its evidence."""
        out = []
        for r in self.scores:
            if r["system"] != self.candidate:
                continue
            res = r["overall"] if check == OVERALL else r["checks"].get(check, {})
            if res.get("status") == "failed":
                out.append(f"{r['id']}" + (f"#{r['sample']}" if self.summary.get("samples", 1) > 1 else "")
                           + f" ({'; '.join(res.get('evidence') or [])[:100]})")
        return out[:limit]

    # -- assertions ----------------------------------------------------------------------
    def assert_pass_rate(self, check: str, at_least: float) -> None:
        r = self.rate(check)
        if r["pass_rate"] is None or r["pass_rate"] < at_least:
            raise StyleAssertionError(
                f"{check}: pass rate {pct(r['pass_rate'])}{ci_text(r['ci'])} over {r['n']} prompts is below "
                f"{pct(at_least)} ({r.get('unscored', 0)} unscored). Worst prompts: "
                f"{', '.join(self.worst(check)) or 'none'}. Report: {self.path / 'report.html'}")

    def assert_prompt_passes(self, prompt_id: str, check: str = OVERALL) -> None:
        rows = self.answers(prompt_id)
        if not rows:
            raise StyleAssertionError(f"prompt {prompt_id!r} is not in the run {self.path}")
        bad = []
        for r in rows:
            res = r["overall"] if check == OVERALL else r["checks"][check]
            if res["status"] != "passed":
                bad.append(f"sample {r['sample']}: {res['status']} ({'; '.join(res.get('evidence') or [])})")
        if bad:
            raise StyleAssertionError(f"{check} on prompt {prompt_id}: " + " | ".join(bad))

    def assert_no_regression(self, check: str = OVERALL, margin: float | None = None) -> None:
        """Non-inferiority against the baseline: the lower bound of the paired 95% interval of
        (candidate − baseline) must not fall below −margin (default: the baseline's margin)."""
        st = self._criterion(check)["pairs"].get(PAIR)
        if st is None:
            raise StyleAssertionError("no baseline in this run: pass --style-baseline (or style_baseline in the "
                                      "pytest ini options) to compare against one")
        if margin is None:
            margin = (self.gate or {}).get("thresholds", {}).get("margin", 0.05)
        p = st["paired"]
        lo, hi = p["ci"]
        if lo is not None and lo < -margin:
            cand, base = st["systems"][self.candidate], st["systems"]["baseline"]
            raise StyleAssertionError(
                f"{check}: candidate {pct(cand['pass_rate'])}{ci_text(cand['ci'])} vs baseline "
                f"{pct(base['pass_rate'])}{ci_text(base['ci'])}: {100 * p['difference']:+.0f} pts "
                f"[{100 * lo:+.0f}, {100 * hi:+.0f}], lower bound below the −{100 * margin:.0f}-point margin "
                f"({'a significant regression' if hi is not None and hi < 0 else 'not shown non-inferior'}). "
                f"Regressed prompts (baseline pass → candidate fail): {', '.join(p['regressed'][:8]) or 'none'}. "
                f"Worst: {', '.join(self.worst(check)) or 'none'}")

    def assert_gate(self) -> None:
        """The full gate verdict (floors, non-inferiority, unscored share, drift)."""
        if self.gate is None:
            raise StyleAssertionError("this run was not gated: pass --style-baseline to gate against a baseline")
        if not self.gate["passed"]:
            from reports.gate import gate_markdown

            raise StyleAssertionError(gate_markdown(self.gate))
