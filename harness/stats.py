"""Paired statistics for base-vs-tuned (or candidate-vs-previous) comparisons.

Metrics are kept apart from the checks: the checks say pass/fail/unscored per
answer; this module turns paired verdicts into rates, intervals and tests.

* pass rate per system with a 95% Wilson interval (scipy's binomtest);
* paired difference (B - A) with a paired bootstrap interval (numpy, seeded);
* McNemar's exact test on the discordant pairs (scipy's binomtest, two-sided);
* flips (A pass -> B fail and the reverse);
* how small a difference the prompt set can detect at all.

With K samples per prompt a prompt's verdict is pass^K (all K pass), and the
per-sample pass rate and its spread are reported beside it.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import binomtest

ALPHA = 0.05


def wilson(k: int, n: int) -> tuple[float | None, float | None]:
    if n == 0:
        return None, None
    ci = binomtest(k, n).proportion_ci(confidence_level=1 - ALPHA, method="wilson")
    return float(ci.low), float(ci.high)


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts."""
    n = a_only + b_only
    if n == 0:
        return 1.0
    return float(binomtest(min(a_only, b_only), n, 0.5).pvalue)


def paired_bootstrap(a: np.ndarray, b: np.ndarray, n_boot: int = 10000, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of mean(b - a) over prompts resampled with replacement."""
    d = (b - a).astype(float)
    if len(d) == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(d), size=(n_boot, len(d)))
    means = d[idx].mean(axis=1)
    return float(np.quantile(means, ALPHA / 2)), float(np.quantile(means, 1 - ALPHA / 2))


def min_detectable(n: int) -> dict:
    """How small a difference n paired prompts can show.

    ``mcnemar_min_flips``: the fewest one-way flips an exact McNemar test calls significant
    (so no difference under ``flips / n`` can ever be significant); ``wilson_halfwidth_50``:
    half the width of a 95% interval for a pass rate near 50%.
    """
    if n == 0:
        return {"n": 0}
    k = 1
    while k <= n and binomtest(0, k, 0.5).pvalue >= ALPHA:
        k += 1
    lo, hi = wilson(n // 2, n)
    return {"n": n, "mcnemar_min_flips": k if k <= n else None,
            "min_detectable_difference": round(k / n, 4) if k <= n else None,
            "wilson_halfwidth_50": round((hi - lo) / 2, 4)}


def compare_criterion(verdicts: dict[str, dict[str, list[bool | None]]], a: str, b: str, criterion: str,
                      seed: int = 0) -> dict:
    """Statistics for one criterion.

    ``verdicts[system][prompt_id]`` is the list of per-sample verdicts (True/False/None).
    A prompt's verdict is pass^K over its scored samples; prompts where either system
    is unscored on every sample are left out of the paired figures and counted.
    """
    out: dict = {"criterion": criterion, "systems": {}}
    for sysname in (a, b):
        per = verdicts[sysname]
        k_all = sum(1 for v in per.values() for x in v if x is True)
        n_all = sum(1 for v in per.values() for x in v if x is not None)
        prompt_pass = [all(x for x in v if x is not None) for v in per.values() if any(x is not None for x in v)]
        rates = [sum(1 for x in v if x) / len([x for x in v if x is not None])
                 for v in per.values() if any(x is not None for x in v)]
        lo, hi = wilson(sum(prompt_pass), len(prompt_pass))
        out["systems"][sysname] = {
            "pass_rate": (sum(prompt_pass) / len(prompt_pass)) if prompt_pass else None,
            "ci": [lo, hi], "passed": sum(prompt_pass), "n": len(prompt_pass),
            "unscored": sum(1 for v in per.values() for x in v if x is None),
            "sample_pass_rate": (k_all / n_all) if n_all else None,
            "sample_spread": float(np.std(rates)) if rates else None,
        }
    shared = [p for p in verdicts[a] if p in verdicts[b]
              and any(x is not None for x in verdicts[a][p]) and any(x is not None for x in verdicts[b][p])]
    va = np.array([all(x for x in verdicts[a][p] if x is not None) for p in shared], dtype=int)
    vb = np.array([all(x for x in verdicts[b][p] if x is not None) for p in shared], dtype=int)
    a_only = [p for p, x, y in zip(shared, va, vb) if x and not y]
    b_only = [p for p, x, y in zip(shared, va, vb) if y and not x]
    diff = float((vb - va).mean()) if len(shared) else None
    lo, hi = paired_bootstrap(va, vb, seed=seed) if len(shared) else (None, None)
    out["paired"] = {
        "n": len(shared), "difference": diff, "ci": [lo, hi],
        "mcnemar_p": mcnemar_exact(len(a_only), len(b_only)),
        "flips": {f"{a}_pass_{b}_fail": len(a_only), f"{b}_pass_{a}_fail": len(b_only)},
        "regressed": a_only, "improved": b_only,
    }
    return out
