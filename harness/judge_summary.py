"""judge_summary.json from judge.jsonl rows: means with intervals, pairwise rates, bias.

Unscored answers are counted and reported; they are left out of every mean, rate and
interval (never a pass, a fail, the lowest or the highest score).
"""

from __future__ import annotations

import numpy as np

from .agreement import bootstrap_mean
from .stats import paired_bootstrap, wilson


def _rate(k: int, n: int) -> dict:
    lo, hi = wilson(k, n)
    return {"k": k, "n": n, "rate": (k / n) if n else None, "ci": [lo, hi]}


def summarise_judge(rows: list[dict], identity: dict, versions: dict, systems: list[str],
                    pairs: list[tuple[str, str]], thresholds: dict[str, float]) -> dict:
    from .judge import judge_key

    point = [r for r in rows if r["kind"] == "point"]
    crit_ids = list(dict.fromkeys(r["criterion"] for r in point))
    criteria = {}
    for c in crit_ids:
        thr = thresholds.get(c, 3.0)
        per: dict[str, dict[str, list[float]]] = {s: {} for s in systems}
        unsc = {s: 0 for s in systems}
        total = {s: 0 for s in systems}
        for r in point:
            if r["criterion"] != c or r["system"] not in per:
                continue
            total[r["system"]] += 1
            if r["status"] != "scored":
                unsc[r["system"]] += 1
                continue
            per[r["system"]].setdefault(r["prompt_id"], []).append(r["score"])
        entry = {"pass_threshold": thr, "systems": {}, "paired": {}}
        for s in systems:
            means = [float(np.mean(v)) for v in per[s].values()]
            lo, hi = bootstrap_mean(means)
            passed = sum(1 for m in means if m >= thr)
            entry["systems"][s] = {"mean": float(np.mean(means)) if means else None, "ci": [lo, hi], "n": len(means),
                                   "unscored": unsc[s], "judged": total[s],
                                   "unscored_rate": unsc[s] / total[s] if total[s] else None,
                                   "pass": _rate(passed, len(means))}
        for a, b in pairs:
            shared = [p for p in per[a] if p in per[b]]
            va = np.array([np.mean(per[a][p]) for p in shared])
            vb = np.array([np.mean(per[b][p]) for p in shared])
            lo, hi = paired_bootstrap(va, vb) if shared else (None, None)
            entry["paired"][f"{a}->{b}"] = {"n": len(shared), "difference": float((vb - va).mean()) if shared else None,
                                            "ci": [lo, hi]}
        criteria[c] = entry
    pairwise = {}
    all_first = [0, 0]
    all_longer = [0, 0]
    all_flip = [0, 0]
    for a, b in pairs:
        name = f"{a}->{b}"
        prs = [r for r in rows if r["kind"] == "pair" and r["pair"] == name]
        sc = [r for r in prs if r["status"] == "scored"]
        wins = sum(1 for r in sc if r["verdict"] == b)
        losses = sum(1 for r in sc if r["verdict"] == a)
        ties = sum(1 for r in sc if r["verdict"] == "tie")
        flips = sum(1 for r in sc if r["flip"])
        first = longer = n_longer = 0
        for r in sc:
            for o in r["orders"]:
                preferred = o["first"] if o["winner_shown"] == "A" else o["second"]
                first += preferred == o["first"]
                wa, wb = r["words"][o["first"]], r["words"][o["second"]]
                if wa != wb:
                    n_longer += 1
                    longer += preferred == (o["first"] if wa > wb else o["second"])
        p_b = [r["p_b"] for r in sc]
        lo, hi = bootstrap_mean(p_b)
        pairwise[name] = {"a": a, "b": b, "pairs": len(prs), "scored": len(sc), "unscored": len(prs) - len(sc),
                          "unscored_rate": (len(prs) - len(sc)) / len(prs) if prs else None,
                          "win": _rate(wins, len(sc)), "tie": _rate(ties, len(sc)), "loss": _rate(losses, len(sc)),
                          "flip": _rate(flips, len(sc)), "prefer_first": _rate(first, 2 * len(sc)),
                          "prefer_longer": _rate(longer, n_longer),
                          "mean_p_b": float(np.mean(p_b)) if p_b else None, "mean_p_b_ci": [lo, hi]}
        all_first = [all_first[0] + first, all_first[1] + 2 * len(sc)]
        all_longer = [all_longer[0] + longer, all_longer[1] + n_longer]
        all_flip = [all_flip[0] + flips, all_flip[1] + len(sc)]
    n_point = len(point)
    n_point_uns = sum(1 for r in point if r["status"] != "scored")
    prs = [r for r in rows if r["kind"] == "pair"]
    n_pair_uns = sum(1 for r in prs if r["status"] != "scored")
    methods: dict[str, int] = {}
    for r in point:
        if r["status"] == "scored":
            methods[r.get("method") or "?"] = methods.get(r.get("method") or "?", 0) + 1
    masses = [r["mass"] for r in point if r["status"] == "scored" and r.get("mass") is not None]
    return {
        "judge": {"identity": identity, "key": judge_key(identity), "rubric_versions": versions},
        "systems": systems, "pairs": [f"{a}->{b}" for a, b in pairs], "criteria": criteria,
        "pairwise": pairwise,
        "bias": {"flip": _rate(*all_flip), "prefer_first": _rate(*all_first), "prefer_longer": _rate(*all_longer)},
        "unscored": {"point": {"n": n_point, "unscored": n_point_uns, "rate": n_point_uns / n_point if n_point else None},
                     "pair": {"n": len(prs), "unscored": n_pair_uns, "rate": n_pair_uns / len(prs) if prs else None},
                     "rate": (n_point_uns + n_pair_uns) / (n_point + len(prs)) if (n_point + len(prs)) else None},
        "methods": methods,
        "mean_label_mass": float(np.mean(masses)) if masses else None,
    }
