"""CheckResult: a frozen record built by its own fast __init__, with the dataclass's behaviour."""

import dataclasses

import pytest

from checks.base import CheckResult, Status


def test_defaults_are_fresh_per_result():
    a, b = CheckResult("x", Status.PASSED, 1.0), CheckResult("x", Status.PASSED, 1.0)
    a.evidence.append("only a")
    assert b.evidence == [] and a.details == {} and a.details is not b.details  # near miss: a shared default


def test_frozen():
    r = CheckResult("x", Status.FAILED, 0.0, ["why"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.score = 1.0  # type: ignore[misc]


def test_equality_replace_and_fields_as_a_dataclass():
    r = CheckResult("x", Status.PASSED, 0.5, ["e"], {"k": 1})
    assert r == CheckResult("x", Status.PASSED, 0.5, ["e"], {"k": 1})
    assert r != CheckResult("x", Status.PASSED, 0.5, ["e"])  # near miss: details differ
    assert dataclasses.replace(r, score=0.25).score == 0.25
    assert [f.name for f in dataclasses.fields(r)] == ["check_id", "status", "score", "evidence", "details"]
    assert CheckResult(check_id="x", status=Status.UNSCORED, score=None).passed is None


@pytest.mark.parametrize("status,passed", [
    (Status.PASSED, True),
    (Status.FAILED, False),
    (Status.UNSCORED, None),  # unscored is its own state, never a pass or a fail
])
def test_to_dict_round_trips(status, passed):
    r = CheckResult("x", status, None if status is Status.UNSCORED else 1.0, ["e"], {"d": 2})
    d = r.to_dict()
    assert d["passed"] is passed and d["status"] == status.value
    assert CheckResult.from_dict("x", d) == r
