"""One self-contained HTML report for a saved comparison (no network, no CDN).

It renders what the run folder holds (summary.json, scores.jsonl,
generations.jsonl) and computes nothing new. Model text is untrusted: it is
rendered by markdown-it with raw HTML, links and images off (so ``<script>`` and
``onerror=`` arrive as visible text), Jinja2 autoescapes everything else, and a
Content-Security-Policy allows only the report's own inline script (by hash).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

_MD = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable(["link", "image", "autolink"])
TEMPLATES = Path(__file__).resolve().parent / "templates"


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _read_json(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def render_answer(markdown: str, checks: dict) -> Markup:
    """Markdown -> safe HTML, with the evidence highlighted: bold titles found (known or
    unknown to the catalogue) and titles recommended without bold."""
    html = _MD.render(markdown or "")
    picks = (checks.get("bold_titles", {}).get("details") or {}).get("picks", [])
    unknown = set((checks.get("known_titles", {}).get("details") or {}).get("unknown", []))
    for p in picks:
        t = str(escape(p["title"]))
        if p.get("bold"):
            cls = "t-unknown" if p["title"] in unknown else "t-known"
            tip = "not in the catalogue: possible hallucination" if cls == "t-unknown" else (p.get("catalogue") or "")
            html = re.sub(rf"<strong>({re.escape(t)}[^<]{{0,12}})</strong>",
                          lambda m: f'<strong class="{cls}" title="{escape(tip)}">{m.group(1)}</strong>', html, count=1)
        else:
            html = html.replace(t, f'<mark class="t-plain" title="recommended without bold">{t}</mark>', 1)
    return Markup(html)


def _chart(summary: dict, systems: list[str]) -> Markup:
    """An inline SVG bar chart of pass rates per criterion and system."""
    crits = [c for c in summary["criteria"] if summary["criteria"][c]["kind"] in ("criterion", "overall")]
    colors = {"base": "#9aa5b1", "tuned": "#2f80ed", "against": "#f2994a"}
    bar, gap, group_gap, h = 18, 3, 60, 180
    width = 60 + len(crits) * (len(systems) * (bar + gap) + group_gap)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h + 70}" role="img" '
             f'aria-label="pass rates per criterion">']
    for y in (0, 0.5, 1):
        yy = 10 + h * (1 - y)
        parts.append(f'<line x1="40" x2="{width}" y1="{yy}" y2="{yy}" stroke="#ddd"/>'
                     f'<text x="34" y="{yy + 4}" font-size="10" text-anchor="end">{int(y * 100)}%</text>')
    x = 50
    for c in crits:
        for s in systems:
            r = summary["criteria"][c]["rates"].get(s, {}).get("pass_rate")
            v = r or 0.0
            parts.append(f'<rect x="{x}" y="{10 + h * (1 - v):.1f}" width="{bar}" height="{h * v:.1f}" '
                         f'fill="{colors.get(s, "#555")}"><title>{escape(c)} · {escape(s)}: '
                         f'{"—" if r is None else f"{100 * r:.0f}%"}</title></rect>')
            x += bar + gap
        parts.append(f'<text x="{x - (bar + gap) * len(systems) / 2}" y="{h + 26}" font-size="10" '
                     f'text-anchor="middle">{escape(c)}</text>')
        x += group_gap
    lx = 50
    for s in systems:
        parts.append(f'<rect x="{lx}" y="{h + 42}" width="10" height="10" fill="{colors.get(s, "#555")}"/>'
                     f'<text x="{lx + 14}" y="{h + 51}" font-size="11">{escape(s)}</text>')
        lx += 80
    parts.append("</svg>")
    return Markup("".join(parts))


def load_judge(run: Path) -> dict | None:
    """The judge's saved results (judge_summary.json, judge.jsonl), indexed for the cards;
    None when the run was never judged."""
    path = run / "judge_summary.json"
    if not path.exists():
        return None
    summary = json.loads(path.read_text(encoding="utf-8"))
    point: dict[tuple, dict] = {}
    pairs: dict[tuple, list] = {}
    for row in _read_jsonl(run / "judge.jsonl"):
        if row.get("kind") == "point":
            point.setdefault((row["prompt_id"], row["system"], row["sample"]), {})[row["criterion"]] = row
        elif row.get("kind") == "pair":
            pairs.setdefault((row["prompt_id"], row["sample"]), []).append(row)
    ident = summary["judge"]["identity"]
    model = ident.get("model")
    return {"summary": summary, "point": point, "pairs": pairs, "cal": summary.get("calibration") or {},
            "name": (model.get("name") if isinstance(model, dict) else model) or "?",
            "weak": str((summary.get("calibration") or {}).get("verdict", "")).startswith("WEAK")}


def render_report(run_dir: str | Path, out: str | Path | None = None, title: str = "moviestyle comparison") -> Path:
    run = Path(run_dir)
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    judge = load_judge(run)
    scores = _read_jsonl(run / "scores.jsonl")
    systems = summary["provenance"]["systems"]
    crit_ids = summary["criteria_ids"]
    by_prompt: dict[str, dict] = {}
    for row in scores:
        entry = by_prompt.setdefault(row["id"], {"id": row["id"], "prompt": row["prompt"], "answers": {}})
        entry["answers"].setdefault(row["system"], []).append(row)
    pair = summary["pairs"][0] if summary["pairs"] else None
    flips = set()
    if pair:
        for c in crit_ids + ["overall"]:
            p = summary["criteria"][c]["pairs"][pair]["paired"]
            flips.update(p["regressed"] + p["improved"])
    cards = []
    for pid, entry in by_prompt.items():
        cols = []
        any_fail = False
        for s in systems:
            for row in sorted(entry["answers"].get(s, []), key=lambda r: r["sample"]):
                failed = [c for c in crit_ids if row["checks"][c]["status"] == "failed"]
                any_fail = any_fail or bool(failed)
                cols.append({"system": s, "sample": row["sample"], "html": render_answer(row["response"], row["checks"]),
                             "checks": row["checks"], "overall": row["overall"], "error": row.get("error"),
                             "judge": (judge["point"].get((pid, s, row["sample"])) if judge else None)})
        card_pairs = []
        if judge:
            for k in sorted({c["sample"] for c in cols}):
                card_pairs.extend(judge["pairs"].get((pid, k), []))
        cards.append({"id": pid, "prompt": entry["prompt"], "cols": cols, "fail": any_fail, "flip": pid in flips,
                      "pairs": card_pairs})
    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    script_hash = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]))
    env.filters["pct"] = lambda x: "—" if x is None else f"{100 * x:.0f}%"
    env.filters["signed"] = lambda x: "—" if x is None else f"{100 * x:+.0f}"
    env.filters["pval"] = lambda p: "—" if p is None else ("<0.001" if p < 0.001 else f"{p:.3f}")
    env.filters["num"] = lambda x, nd=2: "—" if x is None else f"{x:.{nd}f}"
    env.filters["snum"] = lambda x, nd=2: "—" if x is None else f"{x:+.{nd}f}"
    html = env.get_template("report.html.j2").render(
        title=title, summary=summary, systems=systems, cards=cards, crit_ids=crit_ids,
        supporting=summary["supporting_ids"], chart=_chart(summary, systems), script=Markup(script),
        script_hash=script_hash, judge=judge, gate=_read_json(run / "gate.json"), provenance_json=json.dumps(summary["provenance"], indent=2, default=str))
    target = Path(out) if out else run / "report.html"
    tmp = target.with_suffix(".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(target)
    return target
