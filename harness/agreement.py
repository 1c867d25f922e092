"""Agreement and interval helpers for the LLM judge (kept apart from harness.stats).

* ``cohen_kappa``: chance-corrected agreement of two pass/fail raters;
* ``bootstrap_mean``: a seeded percentile interval for a mean over prompts;
* ``strip_markdown``: the same words without the markup, for the judge's style-sensitivity test.
"""

from __future__ import annotations

import math
import re

import numpy as np

ALPHA = 0.05


def cohen_kappa(a: list[bool], b: list[bool]) -> dict:
    """Cohen's kappa of two binary raters over the same items.

    Returns ``{"n", "agree", "accuracy", "kappa", "confusion"}``; ``kappa`` is None when
    it is undefined (chance agreement is 1: both raters gave one label to everything),
    so a degenerate set is never reported as perfect or as zero agreement.
    ``confusion`` counts (a, b) as ``tp`` (pass, pass), ``fn`` (pass, fail), ``fp`` (fail, pass), ``tn``.
    """
    if len(a) != len(b):
        raise ValueError("the two raters must rate the same items")
    n = len(a)
    tp = sum(1 for x, y in zip(a, b) if x and y)
    tn = sum(1 for x, y in zip(a, b) if not x and not y)
    fn = sum(1 for x, y in zip(a, b) if x and not y)
    fp = sum(1 for x, y in zip(a, b) if not x and y)
    out = {"n": n, "agree": tp + tn, "accuracy": (tp + tn) / n if n else None, "kappa": None,
           "confusion": {"tp": tp, "fn": fn, "fp": fp, "tn": tn}}
    if n == 0:
        return out
    po = (tp + tn) / n
    pa, pb = (tp + fn) / n, (tp + fp) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    if pe >= 1.0:
        return out
    out["kappa"] = (po - pe) / (1 - pe)
    return out


def bootstrap_mean(values, n_boot: int = 10000, seed: int = 0) -> tuple[float | None, float | None]:
    """95% percentile interval of the mean of ``values`` resampled with replacement."""
    v = np.asarray([x for x in values if x is not None], dtype=float)
    if len(v) == 0:
        return None, None
    if len(v) == 1:
        return float(v[0]), float(v[0])
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, len(v), size=(n_boot, len(v)))].mean(axis=1)
    return float(np.quantile(means, ALPHA / 2)), float(np.quantile(means, 1 - ALPHA / 2))


def auc(pos, neg) -> float | None:
    """P(a random pass-labelled item scores above a random fail-labelled one), ties half:
    the judge's separation of pass from fail without any threshold (0.5 = none)."""
    pos = [x for x in pos if x is not None]
    neg = [x for x in neg if x is not None]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def kappa_label(k: float | None) -> str:
    """Landis & Koch's words for a kappa, so a weak judge reads as weak."""
    if k is None or (isinstance(k, float) and math.isnan(k)):
        return "undefined"
    if k < -0.005:
        return "worse than chance"
    if k <= 0.005:
        return "chance"
    for bound, word in ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial")):
        if k < bound:
            return word
    return "almost perfect"


_BOLD = re.compile(r"(\*\*|__)(.+?)\1", re.S)
_EMPH = re.compile(r"(?<![\w*])([*_])(?!\s)(.+?)(?<!\s)\1(?![\w*])")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.M)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.M)
_NUMBERED = re.compile(r"^(\s*)\d{1,2}[.)]\s+", re.M)
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$", re.M)


def strip_markdown(text: str) -> str:
    """The same words with the markdown removed: bold, emphasis, headings, bullets and
    list numbers, horizontal rules. Line breaks stay (they are layout, not markup)."""
    t = _RULE.sub("", text)
    t = _BOLD.sub(r"\2", t)
    t = _EMPH.sub(r"\2", t)
    t = _HEADING.sub("", t)
    t = _BULLET.sub(r"\1", t)
    t = _NUMBERED.sub(r"\1", t)
    return t
