"""`moviestyle judge calibrate`: how far the judge can be trusted.

* agreement with the rule checks on the criteria both judge (Cohen's kappa), on a run;
* agreement with hand labels (``golden/labels.jsonl``): kappa and accuracy per criterion;
* bias: position-flip rate, P(prefer first shown), P(prefer longer) from the run's pairs;
* style sensitivity: the tuned answers judged again with their markdown stripped (same
  words); how far each criterion's score moves.

The result is written to ``golden/judge_calibration/<judge>.json`` (committed for the
default judge) and is copied into every judge_summary.json made with the same judge and
rubric versions, so reports show it beside the judge's numbers.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from checks.errors import InputError

from .agreement import auc, cohen_kappa, kappa_label, strip_markdown
from .cache import DiskCache
from .judge import (ROOT, PointTask, calibration_path, find_calibration, judge_key, judge_run, load_rubrics,
                    rubric_versions, run_tasks)
from .jsonl import read_jsonl, write_json_atomic
from .stats import paired_bootstrap

DEFAULT_LABELS = ROOT / "golden" / "labels.jsonl"


def _shown(path: Path) -> str:
    """A path for a committed file: relative to the project (never this machine's layout)."""
    p = Path(path)
    if not p.is_absolute():
        return str(p)
    for base in (ROOT, Path.cwd()):
        try:
            return str(p.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return p.name


def load_labels(path: str | Path) -> list[dict]:
    rows = []
    for lineno, obj in read_jsonl(path, required={"id": (str, int), "prompt": str, "response": str, "labels": dict}):
        for c, v in obj["labels"].items():
            if not isinstance(v, bool):
                raise InputError(path, lineno, f"labels.{c}", f"must be true or false, got {v!r}")
        rows.append(obj)
    if not rows:
        raise InputError(path, None, None, "no labelled answers")
    return rows


def _pass(score: float, thr: float) -> bool:
    return score >= thr


def calibrate(judge, run_dir: str | Path = "runs/demo", labels: str | Path | None = None, out: str | Path | None = None,
              rubric_dir=None, cache: DiskCache | None = None, log=print) -> dict:
    t0 = time.perf_counter()
    run = Path(run_dir)
    labels_path = Path(labels) if labels else DEFAULT_LABELS
    label_rows = load_labels(labels_path)  # bad labels fail before any judging
    if not (run / "scores.jsonl").exists():
        raise InputError(run / "scores.jsonl", None, None, "not found",
                         "pass --run with a folder written by `moviestyle compare`")
    point_rubrics, pair_rubric = load_rubrics(rubric_dir)
    versions = rubric_versions(point_rubrics, pair_rubric)
    cache = cache or DiskCache("judge")
    calls0 = judge.calls

    # 1. the run itself (cached: a judged run costs nothing)
    log(f"calibration: judging {run} (cached answers are free)")
    summary = judge_run(run, judge, rubric_dir=rubric_dir, cache=cache, log=log)
    jrows = [json.loads(line) for line in (run / "judge.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    point = {(r["prompt_id"], r["system"], r["sample"], r["criterion"]): r for r in jrows if r["kind"] == "point"}

    # 2. agreement with the rule checks
    rules = {}
    scores = [json.loads(line) for line in (run / "scores.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    for c, rub in point_rubrics.items():
        a, b, by_rule = [], [], {True: [], False: []}
        for s in scores:
            chk = (s.get("checks") or {}).get(c)
            if not chk or chk.get("status") not in ("passed", "failed"):
                continue
            jr = point.get((s["id"], s["system"], s.get("sample", 0), c))
            if not jr or jr["status"] != "scored":
                continue
            rule_pass = chk["status"] == "passed"
            a.append(rule_pass)
            b.append(_pass(jr["score"], rub.pass_threshold))
            by_rule[rule_pass].append(jr["score"])
        if not a:
            continue  # no rule check for this criterion (helpfulness)
        k = cohen_kappa(a, b)
        rules[c] = {**k, "label": kappa_label(k["kappa"]), "auc": auc(by_rule[True], by_rule[False]),
                    "mean_score_rule_pass": float(np.mean(by_rule[True])) if by_rule[True] else None,
                    "mean_score_rule_fail": float(np.mean(by_rule[False])) if by_rule[False] else None}

    # 3. agreement with the hand labels
    tasks = []
    for row in label_rows:
        for c, v in row["labels"].items():
            if c in point_rubrics:
                tasks.append(PointTask(row["prompt"], row["response"], point_rubrics[c], (str(row["id"]), c, v)))
    log(f"calibration: judging {len(label_rows)} hand-labelled answers")
    done, _, st_labels = run_tasks(judge, tasks, [], cache=cache)
    label_fig = {}
    for c, rub in point_rubrics.items():
        got = [(t.tag[2], r) for t, r in done if t.tag[1] == c]
        if not got:
            continue
        scored = [(v, r["score"]) for v, r in got if r["status"] == "scored"]
        k = cohen_kappa([v for v, _ in scored], [_pass(s, rub.pass_threshold) for _, s in scored])
        pos = [s for v, s in scored if v]
        neg = [s for v, s in scored if not v]
        label_fig[c] = {**k, "label": kappa_label(k["kappa"]), "auc": auc(pos, neg), "unscored": len(got) - len(scored),
                        "labelled_pass": len(pos), "labelled_fail": len(neg),
                        "mean_score_labelled_pass": float(np.mean(pos)) if pos else None,
                        "mean_score_labelled_fail": float(np.mean(neg)) if neg else None}

    # 4. style sensitivity: the tuned answers with their markdown stripped
    gens = [json.loads(line) for line in (run / "generations.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    target = "tuned" if any(g["system"] == "tuned" for g in gens) else (gens[0]["system"] if gens else "tuned")
    stasks = []
    for g in gens:
        if g["system"] != target or g.get("error") or not g["response"].strip():
            continue
        plain = strip_markdown(g["response"])
        if plain == g["response"]:
            continue
        for c, rub in point_rubrics.items():
            stasks.append(PointTask(g["prompt"], plain, rub, (g["prompt_id"], g.get("sample", 0), c)))
    log(f"calibration: judging {len(stasks) // max(1, len(point_rubrics))} {target} answers again without markdown")
    sdone, _, st_style = run_tasks(judge, stasks, [], cache=cache)
    style = {}
    for c in point_rubrics:
        orig, plain = [], []
        for t, r in sdone:
            pid, k, cc = t.tag
            o = point.get((pid, target, k, c))
            if cc != c or r["status"] != "scored" or not o or o["status"] != "scored":
                continue
            orig.append(o["score"])
            plain.append(r["score"])
        if not orig:
            continue
        o, p = np.array(orig), np.array(plain)
        lo, hi = paired_bootstrap(p, o)
        style[c] = {"n": len(o), "mean_original": float(o.mean()), "mean_stripped": float(p.mean()),
                    "shift": float((o - p).mean()), "ci": [lo, hi], "mean_abs_shift": float(np.abs(o - p).mean())}

    halo = criterion_correlation(point)
    bias = summary["bias"]
    lab_k = [f["kappa"] for f in label_fig.values() if f["kappa"] is not None]
    rule_k = [f["kappa"] for f in rules.values() if f["kappa"] is not None]
    lab_auc = [f["auc"] for f in label_fig.values() if f.get("auc") is not None]
    verdict = _verdict(lab_k, rule_k, bias, style, lab_auc, halo)
    ident = judge.identity()
    cal = {
        "judge": ident, "judge_key": judge_key(ident), "slug": judge.slug, "rubric_versions": versions,
        "made": time.strftime("%Y-%m-%d"), "run": _shown(run), "n_run_answers": len({k[:3] for k in point}),
        "labels": {"path": _shown(labels_path), "sha256": hashlib.sha256(labels_path.read_bytes()).hexdigest(),
                   "answers": len(label_rows)},
        "agreement_rules": rules, "agreement_labels": label_fig,
        "bias": {"flip": bias["flip"], "prefer_first": bias["prefer_first"], "prefer_longer": bias["prefer_longer"]},
        "style_sensitivity": {"system": target, "criteria": style},
        "criterion_correlation": halo,
        "verdict": verdict,
        "timing": {"seconds": round(time.perf_counter() - t0, 1), "judge_calls": judge.calls - calls0,
                   "labels": st_labels.as_dict(), "style": st_style.as_dict()},
    }
    if out:
        target_path = Path(out)
        if target_path.is_dir() or not target_path.suffix:
            target_path = target_path / "judge_calibration.json"
    else:
        target_path = calibration_path(judge.slug)
    write_json_atomic(target_path, cal)
    cal["written_to"] = _shown(target_path)
    # the run's summary now carries the fresh figures
    if target_path.resolve() == calibration_path(judge.slug).resolve():
        summary["calibration"] = find_calibration(judge.slug, ident, summary["judge"]["rubric_versions"])
        write_json_atomic(run / "judge_summary.json", summary)
    return cal


def criterion_correlation(point: dict) -> dict | None:
    """Mean Pearson correlation between the criteria's scores over the run's answers. Near 1:
    the judge gives one overall impression (a halo), not separate criteria."""
    by: dict[tuple, dict] = {}
    for (pid, s, k, c), r in point.items():
        if r["status"] == "scored":
            by.setdefault((pid, s, k), {})[c] = r["score"]
    crits = sorted({c for v in by.values() for c in v})
    rows = [[v[c] for c in crits] for v in by.values() if len(v) == len(crits)]
    if len(crits) < 2 or len(rows) < 3:
        return None
    m = np.corrcoef(np.array(rows).T)
    off = [m[i, j] for i in range(len(crits)) for j in range(i + 1, len(crits)) if not np.isnan(m[i, j])]
    return {"criteria": crits, "answers": len(rows), "mean": float(np.mean(off)) if off else None,
            "matrix": [[round(float(x), 3) for x in row] for row in m]}


def _verdict(lab_k: list[float], rule_k: list[float], bias: dict, style: dict, lab_auc: list[float] | None = None,
             halo: dict | None = None) -> str:
    parts = []
    if lab_k:
        lo, hi = min(lab_k), max(lab_k)
        word = kappa_label(sum(lab_k) / len(lab_k))
        parts.append(f"kappa with the hand labels {lo:+.2f} to {hi:+.2f} ({word} agreement on average)")
    if lab_auc:
        parts.append(f"ranks pass above fail with AUC {min(lab_auc):.2f} to {max(lab_auc):.2f} "
                     "(it orders answers better than its 1-5 scale places them)")
    if rule_k:
        parts.append(f"with the rule checks {min(rule_k):+.2f} to {max(rule_k):+.2f}")
    flip = bias["flip"]["rate"]
    if flip is not None:
        parts.append(f"{100 * flip:.0f}% of pairwise verdicts flip with the order")
    pf = bias["prefer_first"]["rate"]
    if pf is not None:
        parts.append(f"prefers the first answer shown {100 * pf:.0f}% of the time")
    fmt = [c for c, s in style.items() if c not in ("bold_titles", "why_it_fits") and abs(s["shift"]) >= 0.25]
    if fmt:
        parts.append("formatting moves its content scores (" + ", ".join(fmt) + ")")
    if halo and halo.get("mean") is not None and halo["mean"] > 0.7:
        parts.append(f"its criteria move together (mean correlation {halo['mean']:.2f}): one overall impression "
                     "more than separate criteria")
    weak = (not lab_k) or (sum(lab_k) / len(lab_k) < 0.4) or (flip is not None and flip > 0.3)
    head = "WEAK JUDGE: do not read its scores as evidence on their own" if weak else "usable judge"
    return head + ("; " + "; ".join(parts) if parts else "")
