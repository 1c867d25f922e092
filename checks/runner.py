"""Run every check on a pair and combine the criteria into ``overall``."""

from __future__ import annotations

from .base import CheckResult, Status
from .registry import REGISTRY
from .spec import StyleSpec

OVERALL = "overall"
_FAILED, _UNSCORED, _PASSED = Status.FAILED, Status.UNSCORED, Status.PASSED


def overall(results: dict[str, CheckResult], spec: StyleSpec) -> CheckResult:
    """Passes when every criterion passes; fails when any fails; else unscored."""
    # One pass over the criteria: the same lists, in the same order, as the plain
    # ``[r.check_id for r in crit if r.status is Status.FAILED]`` (and UNSCORED), and the
    # same scores summed by ``sum`` in the same order.
    failed, unscored, scores = [], [], []
    n = 0
    for c in spec.criteria:
        if c in results:
            r = results[c]
            n += 1
            status = r.status
            if status is _FAILED:
                failed.append(r.check_id)
            elif status is _UNSCORED:
                unscored.append(r.check_id)
            score = r.score
            if score is not None:
                scores.append(score or 0.0)
    score = sum(scores) / max(1, n)
    if failed:
        return CheckResult(OVERALL, _FAILED, round(score, 4), [f"failed: {', '.join(failed)}"])
    if unscored:
        return CheckResult(OVERALL, _UNSCORED, None, [f"unscored: {', '.join(unscored)}"])
    return CheckResult(OVERALL, _PASSED, round(score, 4), ["all criteria pass"])


def check_ids(spec: StyleSpec) -> list[str]:
    ids = list(dict.fromkeys(list(spec.criteria) + list(spec.supporting)))
    for cid in ids:
        if cid not in REGISTRY:
            raise KeyError(f"style spec names unknown check {cid!r}; known: {', '.join(REGISTRY)}")
    return ids


def score_pair(prompt: str, response: str, spec: StyleSpec, meta: dict | None = None) -> dict[str, CheckResult]:
    """Every check of the spec plus ``overall`` for one (prompt, response)."""
    # ``REGISTRY[cid]()`` is ``get_check(cid)``: check_ids has just found every id in REGISTRY.
    # A fresh instance per pair, as before (a user's check may keep state).
    registry = REGISTRY
    results = {}
    for cid in check_ids(spec):
        results[cid] = registry[cid]().run(prompt, response, spec, meta)
    results[OVERALL] = overall(results, spec)
    return results
