import math

import numpy as np
import pytest

from harness.stats import compare_criterion, mcnemar_exact, min_detectable, paired_bootstrap, wilson


@pytest.mark.parametrize("k,n,lo,hi", [
    (0, 10, 0.0, 0.2775),   # Wilson never collapses to [0, 0]
    (10, 10, 0.7225, 1.0),
    (5, 10, 0.2366, 0.7634),
])
def test_wilson(k, n, lo, hi):
    a, b = wilson(k, n)
    assert a == pytest.approx(lo, abs=1e-3) and b == pytest.approx(hi, abs=1e-3)


def test_wilson_empty():
    assert wilson(0, 0) == (None, None)


@pytest.mark.parametrize("b,c,p", [
    (0, 0, 1.0),
    (0, 6, 0.03125),   # six one-way flips: the fewest that reach p < 0.05
    (0, 5, 0.0625),    # near miss: five are not enough
    (3, 3, 1.0),
])
def test_mcnemar_exact(b, c, p):
    assert mcnemar_exact(b, c) == pytest.approx(p)


def test_min_detectable():
    md = min_detectable(78)
    assert md["mcnemar_min_flips"] == 6
    assert md["min_detectable_difference"] == pytest.approx(6 / 78, abs=1e-4)


def test_paired_bootstrap_contains_the_difference_and_is_seeded():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 2, 60)
    b = np.maximum(a, rng.integers(0, 2, 60))
    lo, hi = paired_bootstrap(a, b, seed=3)
    d = (b - a).mean()
    assert lo <= d <= hi
    assert (lo, hi) == paired_bootstrap(a, b, seed=3)


def test_compare_criterion_counts_flips_and_unscored():
    v = {"base": {"p1": [True], "p2": [False], "p3": [False], "p4": [None]},
         "tuned": {"p1": [False], "p2": [True], "p3": [True], "p4": [True]}}
    out = compare_criterion(v, "base", "tuned", "bold_titles")
    assert out["paired"]["n"] == 3  # p4 left out: base unscored
    assert out["paired"]["flips"] == {"base_pass_tuned_fail": 1, "tuned_pass_base_fail": 2}
    assert out["paired"]["regressed"] == ["p1"] and sorted(out["paired"]["improved"]) == ["p2", "p3"]
    assert out["systems"]["base"]["unscored"] == 1
    assert out["paired"]["difference"] == pytest.approx(1 / 3)


def test_pass_at_k():
    v = {"base": {"p1": [True, True, True], "p2": [True, False, True]},
         "tuned": {"p1": [True, True, True], "p2": [True, True, True]}}
    out = compare_criterion(v, "base", "tuned", "x")
    assert out["systems"]["base"]["pass_rate"] == 0.5        # pass^3: p2 failed once
    assert out["systems"]["base"]["sample_pass_rate"] == pytest.approx(5 / 6)
    assert out["systems"]["tuned"]["pass_rate"] == 1.0
