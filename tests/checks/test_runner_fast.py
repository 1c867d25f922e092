"""The runner's fast paths agree with their plain definitions."""

import itertools
from dataclasses import replace

import pytest

from checks import load_spec, score_pair
from checks.base import Check, CheckResult, Status
from checks.registry import REGISTRY
from checks.runner import OVERALL, check_ids, overall


def _plain_overall(results, spec):
    crit = [results[c] for c in spec.criteria if c in results]
    failed = [r.check_id for r in crit if r.status is Status.FAILED]
    unscored = [r.check_id for r in crit if r.status is Status.UNSCORED]
    score = sum(r.score or 0.0 for r in crit if r.score is not None) / max(1, len(crit))
    if failed:
        return CheckResult(OVERALL, Status.FAILED, round(score, 4), [f"failed: {', '.join(failed)}"])
    if unscored:
        return CheckResult(OVERALL, Status.UNSCORED, None, [f"unscored: {', '.join(unscored)}"])
    return CheckResult(OVERALL, Status.PASSED, round(score, 4), ["all criteria pass"])


def test_overall_matches_its_plain_definition():
    spec = load_spec()
    crit = list(spec.criteria)
    outcomes = [(Status.PASSED, 1.0), (Status.PASSED, 0.3333), (Status.FAILED, 0.0), (Status.FAILED, 0),
                (Status.UNSCORED, None), None]  # None: the check is absent from the results
    for combo in itertools.product(outcomes, repeat=len(crit)):
        results = {c: CheckResult(c, *o) for c, o in zip(crit, combo) if o is not None}
        assert overall(results, spec).to_dict() == _plain_overall(results, spec).to_dict(), combo


def test_score_pair_makes_a_fresh_check_per_pair_and_rejects_unknown_ids():
    made = []

    class Counting(Check):
        id = "counting_test_check"
        kind = "supporting"

        def __init__(self):
            made.append(self)

        def run(self, prompt, response, spec, meta=None):
            return self.unscored(["-"])

    spec = load_spec()
    REGISTRY[Counting.id] = Counting
    try:
        spec2 = replace(spec, supporting=list(spec.supporting) + [Counting.id])
        score_pair("p", "r", spec2)
        score_pair("p", "r", spec2)
        assert len(made) == 2 and made[0] is not made[1]
    finally:
        del REGISTRY[Counting.id]
    with pytest.raises(KeyError, match="unknown check"):
        check_ids(spec2)
    with pytest.raises(KeyError, match="unknown check"):
        score_pair("p", "r", spec2)
