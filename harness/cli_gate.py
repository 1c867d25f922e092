"""`moviestyle gate` (pre-merge check of a candidate adapter) and `moviestyle baseline record`."""

from __future__ import annotations

import json
from pathlib import Path


def _floor(text: str) -> tuple[str, float]:
    import argparse

    name, sep, value = text.partition("=")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected CHECK=RATE such as overall=0.8, got {text!r}") from None


def register(sub) -> None:
    g = sub.add_parser("gate", help="pre-merge check: a candidate adapter against a recorded baseline (exit 1 = fail)")
    g.add_argument("--adapter", help="the candidate LoRA adapter folder")
    g.add_argument("--baseline", default=None, help="baseline JSON (default golden/baselines/smollm2-movie.json)")
    g.add_argument("--run", help="reuse a finished compare run folder's tuned answers instead of generating")
    g.add_argument("--margin", type=float, help="non-inferiority margin as a rate (default: the baseline's, 0.05)")
    g.add_argument("--floor", type=_floor, action="append", default=[], metavar="CHECK=RATE",
                   help="override or add a floor, e.g. --floor overall=0.85 (repeatable)")
    g.add_argument("--max-unscored", type=float, help="largest unscored share per check (default: the baseline's)")
    g.add_argument("--allow-drift", action="store_true", help="report drift from the baseline but do not fail on it")
    g.add_argument("--base", help="base model (default: the baseline's)")
    g.add_argument("--prompts", help="prompts JSONL (default: the baseline's prompt file)")
    g.add_argument("--limit", type=int, help="only the first N prompts (a subset of the baseline's)")
    g.add_argument("--samples", type=int, help="answers per prompt (default: the baseline's); changing it is drift")
    g.add_argument("--temperature", type=float, help="default: the baseline's; changing it is drift")
    g.add_argument("--max-new-tokens", type=int, help="default: the baseline's; changing it is drift")
    g.add_argument("--seed", type=int, help="default: the baseline's; changing it is drift")
    g.add_argument("--batch-size", type=int, help="default: the baseline's; changing it is drift")
    g.add_argument("--out", help="run folder (default runs/gate-<timestamp>)")
    g.add_argument("--spec", help="style spec TOML (default golden/style.toml)")
    g.add_argument("--no-html", action="store_true", help="skip report.html")
    g.add_argument("--json", action="store_true", help="print gate.json instead of the verdict table")
    g.set_defaults(func=cmd_gate)

    b = sub.add_parser("baseline", help="record or show gate baselines")
    bsub = b.add_subparsers(dest="baseline_command", required=True, metavar="ACTION")
    r = bsub.add_parser("record", help="write a baseline from a finished run folder (commit the JSON)")
    r.add_argument("--run", required=True, help="a finished `moviestyle compare` run folder")
    r.add_argument("--name", required=True, help="baseline name, e.g. smollm2-movie")
    r.add_argument("--system", default="tuned", help="which system's answers become the baseline (default tuned)")
    r.add_argument("--out", help="where to write it (default golden/baselines/NAME.json)")
    r.add_argument("--margin", type=float, default=None, help="non-inferiority margin to record (default 0.05)")
    r.add_argument("--floor", type=_floor, action="append", default=[], metavar="CHECK=RATE",
                   help="floors to record (default 0.8 for each criterion and overall; repeatable)")
    r.add_argument("--max-unscored", type=float, default=None, help="largest unscored share to record (default 0.10)")
    r.add_argument("--note", default="", help="why this baseline was recorded")
    r.add_argument("--json", action="store_true", help="print the baseline's summary as JSON")
    r.set_defaults(func=cmd_baseline_record)
    s = bsub.add_parser("show", help="show a baseline's provenance, thresholds and rates")
    s.add_argument("path", nargs="?", default=None, help="baseline JSON (default golden/baselines/smollm2-movie.json)")
    s.add_argument("--json", action="store_true", help="print as JSON (without the answers)")
    s.set_defaults(func=cmd_baseline_show)


def _config(args, base_cfg):
    from dataclasses import replace

    from checks.errors import MovieStyleError

    cfg = replace(base_cfg, floors=dict(base_cfg.floors))
    if args.margin is not None:
        cfg.margin = args.margin
    if args.max_unscored is not None:
        cfg.max_unscored = args.max_unscored
    for name, value in args.floor:
        cfg.floors[name] = value
    if getattr(args, "allow_drift", False):
        cfg.allow_drift = True
    cfg.validate("command line")
    from checks import OVERALL, load_spec
    from checks.runner import check_ids

    known = set(check_ids(load_spec(getattr(args, "spec", None)))) | {OVERALL}
    bad = sorted(set(cfg.floors) - known)
    if bad:
        raise MovieStyleError(f"--floor names unknown check(s) {bad}; known: {', '.join(sorted(known))}")
    return cfg


def cmd_gate(args) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from reports.gate import gate_markdown, gate_table
    from reports.terminal import make_console

    from .gate import DEFAULT_BASELINE, GateConfig, GateInputs, load_baseline, run_gate

    baseline_path = args.baseline or str(DEFAULT_BASELINE)
    baseline = load_baseline(baseline_path)  # a bad baseline fails here, before any model loads
    cfg = _config(args, GateConfig.from_dict(baseline["thresholds"], baseline_path))
    overrides = {k: v for k, v in (("samples", args.samples), ("temperature", args.temperature),
                                   ("max_new_tokens", args.max_new_tokens), ("seed", args.seed),
                                   ("batch_size", args.batch_size)) if v is not None}
    inputs = GateInputs(baseline=baseline_path, adapter=args.adapter, run=args.run, base=args.base,
                        prompts=args.prompts, limit=args.limit, out=args.out, overrides=overrides, spec=args.spec)
    console = make_console(stderr=True)
    with Progress(TextColumn("candidate answers"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=args.json or bool(args.run)) as prog:
        task = prog.add_task("gen", total=None)
        gate, out = run_gate(inputs, cfg, progress=lambda k: prog.advance(task, k),
                             log=lambda m: console.print(m))
    (out / "gate.md").write_text(gate_markdown(gate), encoding="utf-8")
    if not args.no_html:
        from reports.html import render_report

        render_report(out, title=f"moviestyle gate: {'PASS' if gate['passed'] else 'FAIL'}")
    if args.json:
        print(json.dumps(gate, indent=2, default=str))
    else:
        out_console = make_console()
        out_console.print(gate_table(gate))
        out_console.print(f"wrote {out}/gate.md" + ("" if args.no_html else f" and {out}/report.html"))
    return 0 if gate["passed"] else 1


def cmd_baseline_record(args) -> int:
    from reports.terminal import make_console

    from .gate import GateConfig, load_baseline, record_baseline

    cfg = _config(args, GateConfig())
    path = record_baseline(args.run, args.name, out=args.out, system=args.system, config=cfg, note=args.note)
    b = load_baseline(path)
    info = _brief(b)
    if args.json:
        print(json.dumps(info, indent=2, default=str))
    else:
        make_console().print(f"wrote baseline {b['name']} to {path}: {len(b['answers'])} answers, "
                             f"overall {info['rates'].get('overall')}; commit it beside the adapter")
    return 0


def _brief(b: dict) -> dict:
    rates = {c: (None if not r or r.get("pass_rate") is None else round(r["pass_rate"], 4))
             for c, r in (b.get("rates") or {}).items()}
    return {"name": b["name"], "recorded": b.get("recorded"), "note": b.get("note"), "system": b.get("system"),
            "answers": len(b["answers"]), "fingerprint": b["fingerprint"], "thresholds": b["thresholds"],
            "provenance": b["provenance"], "rates": rates}


def cmd_baseline_show(args) -> int:
    from rich.table import Table

    from reports.terminal import make_console

    from .gate import DEFAULT_BASELINE, load_baseline

    b = load_baseline(args.path or DEFAULT_BASELINE)
    info = _brief(b)
    if args.json:
        print(json.dumps(info, indent=2, default=str))
        return 0
    t = Table(title=f"baseline {b['name']} ({Path(b['_path']).name}, recorded {b.get('recorded')})",
              title_justify="left")
    t.add_column("field")
    t.add_column("value", overflow="fold")
    for k, v in info["fingerprint"].items():
        t.add_row(k, str(v))
    for k, v in info["thresholds"].items():
        t.add_row(f"threshold {k}", str(v))
    for k, v in info["rates"].items():
        t.add_row(f"pass rate {k}", "—" if v is None else f"{100 * v:.0f}%")
    make_console().print(t)
    return 0
