"""The gate's verdict as a rich table and as markdown (gate.md) — rendered from gate.json only."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text


def pct(x) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def ci_text(ci) -> str:
    return "" if not ci or ci[0] is None else f" [{100 * ci[0]:.0f}, {100 * ci[1]:.0f}]"


def _diff(d, ci) -> str:
    if d is None:
        return "—"
    s = f"{100 * d:+.0f} pts"
    if ci and ci[0] is not None:
        s += f" [{100 * ci[0]:+.0f}, {100 * ci[1]:+.0f}]"
    return s


def _per_sample(row: dict, k: int) -> str:
    """With K samples per prompt: the per-sample pass rate beside pass^K (a style that holds
    only sometimes shows as a gap between the two)."""
    if k <= 1 or row["candidate"].get("sample_pass_rate") is None:
        return ""
    return f" ({pct(row['candidate']['sample_pass_rate'])})"


def headline(gate: dict) -> str:
    verdict = "PASS" if gate["passed"] else "FAIL"
    cand = gate.get("candidate", {})
    return (f"moviestyle gate: {verdict} — candidate {cand.get('adapter') or '?'} "
            f"({(cand.get('sha256') or '')[:12]}) against baseline {gate['baseline']['name']}")


def gate_table(gate: dict) -> Group:
    t = Table(title=headline(gate), title_justify="left",
              title_style="bold green" if gate["passed"] else "bold red")
    k = gate.get("samples", 1)
    cand_col = "candidate [95% CI]" if k == 1 else f"candidate pass^{k} [95% CI] (per sample)"
    for col, just in (("check", "left"), ("floor", "right"), (cand_col, "right"),
                      ("baseline", "right"), ("candidate − baseline [95% CI]", "right"), ("verdict", "left")):
        t.add_column(col, justify=just, overflow="fold")
    for r in gate["criteria"]:
        name = f"[bold]{r['id']}[/bold]" if r["kind"] == "overall" else (
            r["id"] if r["kind"] == "criterion" else f"[dim]{r['id']}[/dim]")
        verdict = Text("pass", style="green") if r["status"] == "pass" else Text("FAIL", style="bold red")
        t.add_row(name, pct(r["floor"]) if r["floor"] is not None else "—",
                  pct(r["candidate"]["pass_rate"]) + ci_text(r["candidate"]["ci"]) + _per_sample(r, k),
                  pct(r["baseline"]["pass_rate"]), _diff(r["difference"], r["difference_ci"]), verdict)
    parts: list = [t]
    for d in gate["drift"]:
        style = "red" if gate["drift_blocking"] else "yellow"
        parts.append(Text(f"drift: {d['field']}: baseline {d['baseline']!r} → candidate {d['candidate']!r}"
                          + ("" if gate["drift_blocking"] else " (allowed by --allow-drift)"), style=style))
    for f in gate["failures"]:
        parts.append(Text(f"✗ {f['id']}: " + "; ".join(f["reasons"]), style="red"))
        if f["worst"]:
            parts.append(Text("    worst prompts: " + ", ".join(
                w["id"] + (" (baseline passed)" if w["baseline_passed"] else "") for w in f["worst"]), style="dim"))
    for n in gate.get("notes", []):
        parts.append(Text(n, style="dim"))
    md = gate.get("min_detectable") or {}
    thr = gate["thresholds"]
    parts.append(Text(f"{gate['n_prompts']} prompts × {gate['samples']} sample(s); margin "
                      f"{100 * thr['margin']:.0f} pts; "
                      + (f"no difference under {100 * md['min_detectable_difference']:.0f} pts can be significant "
                         f"with this many prompts; " if md.get("min_detectable_difference") else "")
                      + f"run folder {gate['run']}", style="dim"))
    return Group(*parts)


def gate_markdown(gate: dict) -> str:
    """A short summary fit for a pull-request comment or $GITHUB_STEP_SUMMARY."""
    icon = "✅" if gate["passed"] else "❌"
    lines = [f"## {icon} {headline(gate)}", ""]
    if not gate["passed"]:
        why = [f"**{f['id']}**: {'; '.join(f['reasons'])}" for f in gate["failures"]]
        if gate["drift_blocking"]:
            why.append("**drift**: " + ", ".join(f"`{d['field']}`" for d in gate["drift"])
                       + " differ from the baseline (rerun with the baseline's settings, record a new baseline, "
                         "or pass `--allow-drift`)")
        lines += [f"- {w}" for w in why] + [""]
    k = gate.get("samples", 1)
    cand_col = "candidate [95% CI]" if k == 1 else f"candidate pass^{k} [95% CI] (per sample)"
    lines += [f"| check | floor | {cand_col} | baseline | Δ [95% CI] | verdict |",
              "|---|---:|---:|---:|---:|---|"]
    for r in gate["criteria"]:
        name = f"**{r['id']}**" if r["kind"] == "overall" else r["id"]
        lines.append(f"| {name} | {pct(r['floor']) if r['floor'] is not None else '—'} | "
                     f"{pct(r['candidate']['pass_rate'])}{ci_text(r['candidate']['ci'])}{_per_sample(r, k)} | "
                     f"{pct(r['baseline']['pass_rate'])} | {_diff(r['difference'], r['difference_ci'])} | "
                     f"{'pass' if r['status'] == 'pass' else '**fail**'} |")
    if gate["drift"]:
        lines += ["", "**Drift from the baseline**" + ("" if gate["drift_blocking"] else " (allowed)") + ":", ""]
        lines += [f"- `{d['field']}`: `{d['baseline']}` → `{d['candidate']}`" for d in gate["drift"]]
    worst = [f for f in gate["failures"] if f["worst"]]
    if worst:
        lines += ["", "**Worst prompts**", ""]
        for f in worst:
            lines.append(f"- {f['id']}: " + ", ".join(
                f"`{w['id']}`" + (" (baseline passed)" if w["baseline_passed"] else "") for w in f["worst"]))
    thr = gate["thresholds"]
    lines += ["", f"<sub>{gate['n_prompts']} prompts × {gate['samples']} sample(s) · margin "
                  f"{100 * thr['margin']:.0f} pts · max unscored {100 * thr['max_unscored']:.0f}% · "
                  + " ".join(gate.get("notes", [])) + "</sub>", ""]
    return "\n".join(lines)
