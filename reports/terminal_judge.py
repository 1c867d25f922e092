"""Rich tables for the LLM judge (judge_summary.json, judge calibration): renders, computes nothing.

``judge_renderables(run_dir)`` is what `moviestyle judge run/show` prints, and what
`moviestyle report` can print after its own tables (an empty list when the run was
never judged).
"""

from __future__ import annotations

import json
from pathlib import Path

from rich.table import Table
from rich.text import Text


def _f(x, nd: int = 2) -> str:
    return "—" if x is None else f"{x:.{nd}f}"


def _ci(ci, nd: int = 2, signed: bool = False) -> str:
    if not ci or ci[0] is None:
        return ""
    fmt = f"{{:+.{nd}f}}" if signed else f"{{:.{nd}f}}"
    return f"[{fmt.format(ci[0])}, {fmt.format(ci[1])}]"


def _pct(r: dict | None) -> str:
    if not r or r.get("rate") is None:
        return "—"
    lo, hi = r["ci"]
    return f"{100 * r['rate']:.0f}% [{100 * lo:.0f}, {100 * hi:.0f}]"


def _kappa(fig: dict | None) -> str:
    if not fig:
        return "—"
    if fig.get("kappa") is None:
        return f"undef. (acc {100 * fig['accuracy']:.0f}%)" if fig.get("accuracy") is not None else "—"
    return f"{fig['kappa']:+.2f} ({fig.get('label', '')})"


def judge_identity_line(summary: dict) -> Text:
    ident = summary["judge"]["identity"]
    model = ident.get("model")
    name = model.get("name") if isinstance(model, dict) else model
    where = f" at {ident['url']}" if ident.get("url") else ""
    vers = ", ".join(f"{k} {v}" for k, v in summary["judge"]["rubric_versions"].items())
    return Text(f"judge: {name}{where} ({ident.get('backend')}, {ident.get('method')}); rubrics: {vers}", style="dim")


def calibration_line(cal: dict | None) -> Text:
    if not cal or cal.get("status") in (None, "missing", "unreadable"):
        return Text("calibration: NONE for this judge: its scores carry no stated reliability "
                    f"({(cal or {}).get('note', 'run `moviestyle judge calibrate`')})", style="bold yellow")
    style = "bold red" if str(cal.get("verdict", "")).startswith("WEAK") else "green"
    stale = f" [STALE: {cal.get('note')}]" if cal.get("status") == "stale" else ""
    return Text(f"calibration ({cal.get('path')}, {cal.get('made')}){stale}: {cal.get('verdict')}", style=style)


def scores_table(summary: dict) -> Table:
    systems = summary["systems"]
    pair = summary["pairs"][0] if summary["pairs"] else None
    cal = summary.get("calibration") or {}
    lab = cal.get("agreement_labels") or {}
    rul = cal.get("agreement_rules") or {}
    sty = (cal.get("style_sensitivity") or {}).get("criteria") or {}
    t = Table(title="LLM judge: mean score 1-5 per criterion [95% bootstrap CI]; κ: agreement with the hand "
                    "labels and the rule checks; Δ no-markdown: score change with the markdown stripped",
              title_justify="left")
    t.add_column("criterion", no_wrap=True)
    for s in systems:
        t.add_column(s, justify="right")
    if pair:
        a, b = pair.split("->")
        t.add_column(f"{b} − {a}", justify="right")
    t.add_column("unscored", justify="right")
    t.add_column("κ labels", justify="right")
    t.add_column("κ rules", justify="right")
    t.add_column("Δ no-markdown", justify="right")
    for c, e in summary["criteria"].items():
        cells = [c]
        for s in systems:
            st = e["systems"][s]
            cells.append(f"{_f(st['mean'])} {_ci(st['ci'])}")
        if pair:
            p = e["paired"].get(pair) or {}
            cells.append(f"{'—' if p.get('difference') is None else format(p['difference'], '+.2f')} "
                         f"{_ci(p.get('ci'), signed=True)}")
        cells.append(" / ".join(str(e["systems"][s]["unscored"]) for s in systems))
        cells.append(_kappa(lab.get(c)))
        cells.append(_kappa(rul.get(c)))
        sc = sty.get(c)
        cells.append("—" if not sc else f"{sc['shift']:+.2f} {_ci(sc['ci'], signed=True)}")
        t.add_row(*cells)
    return t


def pairwise_table(summary: dict) -> Table:
    t = Table(title="LLM judge: pairwise, each pair judged in both orders (a verdict that flips is a tie) "
                    "[95% Wilson CI]; P(first)/P(longer): how often the answer shown first/the longer one is "
                    "preferred; P(b better): averaged over both orders", title_justify="left")
    for col in ("pair", "win", "tie", "loss", "flips", "P(first)", "P(longer)", "P(b better)", "unscored"):
        t.add_column(col, justify="left" if col == "pair" else "right", no_wrap=col == "pair")
    for name, p in summary["pairwise"].items():
        t.add_row(f"{p['b']} vs {p['a']} (n={p['scored']})", _pct(p["win"]), _pct(p["tie"]), _pct(p["loss"]),
                  _pct(p["flip"]), _pct(p["prefer_first"]), _pct(p["prefer_longer"]),
                  f"{_f(p['mean_p_b'])} {_ci(p['mean_p_b_ci'])}", str(p["unscored"]))
    return t


def judge_renderables(run_dir: str | Path) -> list:
    """The judge section for a run folder, or [] when it was never judged."""
    path = Path(run_dir) / "judge_summary.json"
    if not path.exists():
        return []
    summary = json.loads(path.read_text(encoding="utf-8"))
    out: list = [judge_identity_line(summary), calibration_line(summary.get("calibration")), scores_table(summary)]
    if summary["pairwise"]:
        out.append(pairwise_table(summary))
    u = summary["unscored"]
    tm = summary.get("timing") or {}
    out.append(Text(f"unscored: {u['point']['unscored']}/{u['point']['n']} scores, {u['pair']['unscored']}/"
                    f"{u['pair']['n']} pairs (never counted as a pass, a fail, a 1 or a 5); judge calls "
                    f"{tm.get('judge_calls', 0)}, from cache {tm.get('cached', 0)}, {tm.get('seconds', 0)}s",
                    style="dim"))
    return out


def calibration_renderables(cal: dict) -> list:
    out: list = [Text(f"calibration of {cal['slug']} (rubrics: "
                      + ", ".join(f"{k} {v}" for k, v in cal["rubric_versions"].items()) + ")", style="bold"),
                 Text(cal["verdict"], style="bold red" if cal["verdict"].startswith("WEAK") else "green")]
    t = Table(title=f"agreement per criterion (pass = score ≥ threshold); labels: {cal['labels']['path']} "
                    f"({cal['labels']['answers']} answers); rules: {cal['run']}", title_justify="left")
    for col in ("criterion", "κ vs labels", "accuracy vs labels", "mean score: labelled pass / fail", "AUC vs labels",
                "κ vs rules", "AUC vs rules", "Δ if markdown stripped [95% CI]"):
        t.add_column(col, justify="left" if col == "criterion" else "right")
    crits = list(dict.fromkeys(list(cal["agreement_labels"]) + list(cal["agreement_rules"])
                               + list(cal["style_sensitivity"]["criteria"])))
    for c in crits:
        lab = cal["agreement_labels"].get(c)
        rul = cal["agreement_rules"].get(c)
        sty = cal["style_sensitivity"]["criteria"].get(c)
        t.add_row(c, _kappa(lab), "—" if not lab or lab["accuracy"] is None else f"{100 * lab['accuracy']:.0f}% (n={lab['n']})",
                  "—" if not lab else f"{_f(lab['mean_score_labelled_pass'])} / {_f(lab['mean_score_labelled_fail'])}",
                  _f((lab or {}).get("auc")), _kappa(rul), _f((rul or {}).get("auc")),
                  "—" if not sty else f"{sty['shift']:+.2f} {_ci(sty['ci'], signed=True)}")
    out.append(t)
    b = cal["bias"]
    out.append(Text(f"position: {_pct(b['flip'])} of pairs flip with the order; prefers the first shown "
                    f"{_pct(b['prefer_first'])}; prefers the longer answer {_pct(b['prefer_longer'])}"))
    return out
