"""The checks against hand-labelled answers written from the contract alone.

contract_cases.jsonl was written first and used while building the checks;
contract_holdout.jsonl was written later by another hand and first scored as a
held-out set (see README: agreement before and after). Disagreements we accept
are listed in KNOWN with the reason, as strict xfails: if one starts agreeing,
the test says so.
"""

import json
from pathlib import Path

import pytest

from checks import score_pair

DATA = Path(__file__).resolve().parents[1] / "data"
CRITERIA = ("bold_titles", "why_it_fits", "enthusiasm", "taste_reasoning")
KNOWN = {
    ("h003", "enthusiasm"): "polite listicle whose '!' sits in a sentence that addresses the user; labelled flat",
    ("h013", "enthusiasm"): "mild 'You might also enjoy...' voice with one '!'; labelled flat",
}


def _cases():
    for name in ("contract_cases.jsonl", "contract_holdout.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                for crit in CRITERIA:
                    marks = []
                    if (case["id"], crit) in KNOWN:
                        marks.append(pytest.mark.xfail(reason=KNOWN[(case["id"], crit)], strict=True))
                    yield pytest.param(case, crit, id=f"{case['id']}-{crit}", marks=marks)


@pytest.mark.parametrize("case,criterion", list(_cases()))
def test_agrees_with_the_hand_label(spec, case, criterion):
    result = score_pair(case["prompt"], case["response"], spec)[criterion]
    assert result.passed is case["labels"][criterion], f"{case['note']}\nevidence: {result.evidence}"
