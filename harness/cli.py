"""The moviestyle command line: a thin layer that turns errors into exit codes.

Exit codes: 0 success, 1 a gate or check verdict failed (where a command gates),
2 bad input or configuration (the message says how to fix it), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from checks.errors import MovieStyleError


def _add_score(sub) -> None:
    p = sub.add_parser("score", help="score a JSONL file of {prompt, response} with every check")
    p.add_argument("input", help="JSONL: one object per line with 'prompt' and 'response' (optional 'id')")
    p.add_argument("-o", "--output", help="write each line plus its 'checks' and 'passed' here (JSONL)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON instead of a table")
    p.add_argument("--spec", help="style spec TOML (default: golden/style.toml)")
    p.add_argument("--workers", type=int, default=1, help="processes to score with (default 1)")
    p.add_argument("--rows", action="store_true", help="also print one row per response")
    p.set_defaults(func=cmd_score)


def cmd_score(args) -> int:
    from checks import load_spec
    from checks.runner import check_ids
    from reports.terminal import make_console, rows_table, score_summary_table

    from .jsonl import write_jsonl_atomic
    from .scoring import load_pairs, score_rows, summarise

    spec = load_spec(args.spec)
    rows = load_pairs(args.input)
    if args.workers < 1:
        raise MovieStyleError("--workers must be at least 1")
    t0 = time.perf_counter()
    scored = score_rows(rows, spec, workers=args.workers)
    elapsed = time.perf_counter() - t0
    summary = summarise(scored, spec)
    summary["seconds"] = round(elapsed, 3)
    summary["input"] = str(args.input)
    if args.output:
        write_jsonl_atomic(args.output, scored)
        summary["output"] = str(args.output)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        console = make_console()
        console.print(score_summary_table(summary, title=f"Style checks: {args.input}"))
        if args.rows:
            console.print(rows_table(scored, check_ids(spec)))
        if args.output:
            console.print(f"wrote {len(scored)} scored lines to {args.output}")
    return 0


def _add_spec(sub) -> None:
    p = sub.add_parser("spec", help="show every style-spec field with its value and help")
    p.add_argument("--spec", help="style spec TOML (default: golden/style.toml)")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(func=cmd_spec)


def cmd_spec(args) -> int:
    from rich.table import Table

    from checks import load_spec
    from reports.terminal import make_console

    spec = load_spec(args.spec)
    rows = spec.describe()
    if args.json:
        print(json.dumps([{"field": f, "value": v, "help": h} for f, v, h in rows], indent=2, default=str))
        return 0
    table = Table(title=f"Style spec: {spec.path}", title_justify="left")
    for col in ("field", "value", "help"):
        table.add_column(col, overflow="fold")
    for f, v, h in rows:
        shown = v if not isinstance(v, list) else f"[{len(v)} items] " + ", ".join(map(str, v[:4])) + ("…" if len(v) > 4 else "")
        table.add_row(f, str(shown), h)
    make_console().print(table)
    return 0


def _add_checks(sub) -> None:
    p = sub.add_parser("checks", help="list the registered checks and their rules")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(func=cmd_checks)


def cmd_checks(args) -> int:
    from checks import REGISTRY
    from reports.terminal import make_console

    items = [{"id": cid, "kind": cls.kind, "title": cls.title, "rule": cls.doc()} for cid, cls in REGISTRY.items()]
    if args.json:
        print(json.dumps(items, indent=2))
        return 0
    console = make_console()
    for it in items:
        console.rule(f"[bold]{it['id']}[/bold] ({it['kind']}): {it['title']}")
        console.print(it["rule"], markup=False)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moviestyle", description="Did the movie-expert style take, and does it hold?")
    parser.add_argument("--version", action="version", version="moviestyle 0.1.0")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_score(sub)
    _add_spec(sub)
    _add_checks(sub)
    for extra in ("harness.cli_data", "harness.cli_train", "harness.cli_compare", "harness.cli_gate",
                  "harness.cli_judge"):
        try:
            mod = __import__(extra, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != extra:
                raise
            continue
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except MovieStyleError as exc:
        print(f"moviestyle: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("moviestyle: interrupted; finished work was kept", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
