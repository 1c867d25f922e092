"""Run every check on a pair and combine the criteria into ``overall``."""

from __future__ import annotations

from .base import CheckResult, Status
from .registry import REGISTRY, get_check
from .spec import StyleSpec

OVERALL = "overall"


def overall(results: dict[str, CheckResult], spec: StyleSpec) -> CheckResult:
    """Passes when every criterion passes; fails when any fails; else unscored."""
    crit = [results[c] for c in spec.criteria if c in results]
    failed = [r.check_id for r in crit if r.status is Status.FAILED]
    unscored = [r.check_id for r in crit if r.status is Status.UNSCORED]
    score = sum(r.score or 0.0 for r in crit if r.score is not None) / max(1, len(crit))
    if failed:
        return CheckResult(OVERALL, Status.FAILED, round(score, 4), [f"failed: {', '.join(failed)}"])
    if unscored:
        return CheckResult(OVERALL, Status.UNSCORED, None, [f"unscored: {', '.join(unscored)}"])
    return CheckResult(OVERALL, Status.PASSED, round(score, 4), ["all criteria pass"])


def check_ids(spec: StyleSpec) -> list[str]:
    ids = list(dict.fromkeys(list(spec.criteria) + list(spec.supporting)))
    for cid in ids:
        if cid not in REGISTRY:
            raise KeyError(f"style spec names unknown check {cid!r}; known: {', '.join(REGISTRY)}")
    return ids


def score_pair(prompt: str, response: str, spec: StyleSpec, meta: dict | None = None) -> dict[str, CheckResult]:
    """Every check of the spec plus ``overall`` for one (prompt, response)."""
    results = {cid: get_check(cid).run(prompt, response, spec, meta) for cid in check_ids(spec)}
    results[OVERALL] = overall(results, spec)
    return results
