"""Rich tables for a saved comparison (summary.json): renders, computes nothing."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text


def _pct(x) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def _ci(ci) -> str:
    if not ci or ci[0] is None:
        return ""
    return f"[{100 * ci[0]:.0f}, {100 * ci[1]:.0f}]"


def _delta(d, ci) -> str:
    if d is None:
        return "—"
    return f"{100 * d:+.0f} pts {_signed_ci(ci)}"


def _signed_ci(ci) -> str:
    if not ci or ci[0] is None:
        return ""
    return f"[{100 * ci[0]:+.0f}, {100 * ci[1]:+.0f}]"


def _p(p) -> str:
    if p is None:
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def summary_table(summary: dict, pair: str = "base->tuned") -> Table:
    a, b = pair.split("->")
    t = Table(title=f"{a} vs {b}: pass rate per criterion ({summary['n_prompts']} prompts"
                    f"{', pass^' + str(summary['samples']) if summary['samples'] > 1 else ''})", title_justify="left")
    t.add_column("criterion")
    t.add_column(a, justify="right")
    t.add_column(b, justify="right")
    t.add_column(f"{b} − {a} [95% CI]", justify="right")
    t.add_column("McNemar p", justify="right")
    t.add_column("flips ↓/↑", justify="right")
    for cid, c in summary["criteria"].items():
        st = c["pairs"].get(pair)
        if not st:
            continue
        sa, sb, pd = st["systems"][a], st["systems"][b], st["paired"]
        d = pd["difference"]
        style = "green" if d and pd["ci"][0] is not None and pd["ci"][0] > 0 else (
            "red" if d and pd["ci"][1] is not None and pd["ci"][1] < 0 else "")
        name = f"[bold]{cid}[/bold]" if c["kind"] == "overall" else (cid if c["kind"] == "criterion" else f"[dim]{cid}[/dim]")
        flips = pd["flips"]
        down = flips[f"{a}_pass_{b}_fail"]
        up = flips[f"{b}_pass_{a}_fail"]
        t.add_row(name, f"{_pct(sa['pass_rate'])} {_ci(sa['ci'])}", f"{_pct(sb['pass_rate'])} {_ci(sb['ci'])}",
                  Text(_delta(d, pd["ci"]), style=style), _p(pd["mcnemar_p"]), f"{down}/{up}")
    return t


def detail(summary: dict, pair: str = "base->tuned", limit: int = 8) -> Group:
    a, b = pair.split("->")
    lines = []
    md = summary.get("min_detectable") or {}
    if md.get("min_detectable_difference"):
        lines.append(Text(f"With {md['n']} prompts, no difference below {100 * md['min_detectable_difference']:.0f} "
                          f"points can reach p<0.05 (McNemar needs ≥{md['mcnemar_min_flips']} one-way flips); a pass "
                          f"rate near 50% has a 95% interval of ±{100 * md['wilson_halfwidth_50']:.0f} points.",
                          style="dim"))
    overall = summary["criteria"].get("overall", {}).get("pairs", {}).get(pair)
    if overall:
        reg = overall["paired"]["regressed"]
        imp = overall["paired"]["improved"]
        lines.append(Text(f"overall flips: {len(imp)} prompt(s) {a} fail → {b} pass; {len(reg)} {a} pass → {b} fail"
                          + (f" ({', '.join(reg[:limit])})" if reg else "")))
    worst = summary.get("worst", {}).get(b, [])
    if worst:
        t = Table(title=f"worst {b} answers", title_justify="left")
        t.add_column("prompt")
        t.add_column("sample", justify="right")
        t.add_column("failed criteria")
        for w in worst[:limit]:
            t.add_row(w["id"], str(w["sample"]), ", ".join(w["failed"]))
        lines.append(t)
    timing = summary.get("timing") or {}
    if timing:
        c = timing.get("cache", {})
        lines.append(Text(f"generation {timing.get('generation_seconds')}s ({c.get('generated', 0)} generated, "
                          f"{c.get('cached', 0)} from cache, {timing.get('errors', 0)} errors"
                          + (f", {timing['tokens_per_second']} tok/s" if timing.get("tokens_per_second") else "")
                          + f"); scoring {timing.get('scoring_seconds')}s", style="dim"))
    return Group(*lines)
