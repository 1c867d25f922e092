"""`moviestyle judge run|calibrate|show`: the LLM judge on a finished run folder."""

from __future__ import annotations

import json
from pathlib import Path


def _judge_args(p) -> None:
    p.add_argument("--judge", default=None, metavar="MODEL_OR_URL",
                   help="judge model: smollm2-135m (default, local), a model folder, a .gguf, a hub id, or the URL "
                        "of an OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1")
    p.add_argument("--judge-model-name", help="HTTP judge: the served model name (default: the first of /models)")
    p.add_argument("--rationale-tokens", type=int, default=16,
                   help="local judge: most tokens of the one-line rationale per score (default 16; 0 = none)")
    p.add_argument("--timeout", type=float, default=120.0, help="HTTP judge: seconds per request (default 120)")
    p.add_argument("--concurrency", type=int, default=4, help="HTTP judge: requests in flight (default 4)")
    p.add_argument("--rubrics", help="rubric folder (default golden/rubrics)")


def register(sub) -> None:
    j = sub.add_parser("judge", help="LLM-as-judge: rubric scores, pairwise preferences and their calibration")
    jsub = j.add_subparsers(dest="judge_command", required=True, metavar="SUBCOMMAND")
    r = jsub.add_parser("run", help="judge a run folder: judge.jsonl, judge_raw/, judge_summary.json")
    r.add_argument("run", help="run folder written by `moviestyle compare` (reads generations.jsonl)")
    _judge_args(r)
    r.add_argument("--limit", type=int, help="only the first N prompts")
    r.add_argument("--criteria", help="comma-separated criteria (default: every criterion of the rubric)")
    r.add_argument("--no-pairwise", action="store_true", help="skip the pairwise (both orders) judging")
    r.add_argument("--max-unscored", type=float, default=None, metavar="RATE",
                   help="exit 1 when more than RATE (0-1) of the judgements are unscored")
    r.add_argument("--json", action="store_true", help="print judge_summary.json instead of tables")
    r.set_defaults(func=cmd_run)

    c = jsub.add_parser("calibrate", help="measure the judge: agreement with the rule checks and the hand labels, "
                                          "position and length bias, style sensitivity")
    _judge_args(c)
    c.add_argument("--run", default="runs/demo", help="a judged or unjudged run folder with scores.jsonl "
                                                      "(default runs/demo; judged first if needed)")
    c.add_argument("--labels", default=None, help="hand-labelled answers (default golden/labels.jsonl)")
    c.add_argument("--out", default=None, help="where to write the calibration (default "
                                                "golden/judge_calibration/<judge>.json; a folder gets judge_calibration.json)")
    c.add_argument("--json", action="store_true", help="print the calibration as JSON")
    c.set_defaults(func=cmd_calibrate)

    s = jsub.add_parser("show", help="print the judge tables of a judged run folder")
    s.add_argument("run", help="run folder with judge_summary.json")
    s.set_defaults(func=cmd_show)


def _make(args, log):
    from checks.errors import MovieStyleError

    from .judge import make_judge

    if args.rationale_tokens < 0:
        raise MovieStyleError("--rationale-tokens must be 0 or more")
    return make_judge(args.judge, args.judge_model_name, rationale_tokens=args.rationale_tokens,
                      timeout=args.timeout, concurrency=args.concurrency, log=log)


def cmd_run(args) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from checks.errors import MovieStyleError
    from reports.terminal import make_console
    from reports.terminal_judge import judge_renderables

    from .judge import judge_run

    if args.max_unscored is not None and not 0 <= args.max_unscored <= 1:
        raise MovieStyleError("--max-unscored is a rate between 0 and 1, e.g. 0.05")
    console = make_console(stderr=True)
    judge = _make(args, lambda m: console.print(m))
    crit = [c.strip() for c in args.criteria.split(",") if c.strip()] if args.criteria else None
    with Progress(TextColumn("judging"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=args.json) as prog:
        task = prog.add_task("judge", total=None)
        summary = judge_run(args.run, judge, rubric_dir=args.rubrics, limit=args.limit, criteria=crit,
                            pairwise=not args.no_pairwise, progress=lambda k: prog.advance(task, k),
                            log=lambda m: console.print(m))
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    else:
        out = make_console()
        for r in judge_renderables(args.run):
            out.print(r)
    rate = summary["unscored"]["rate"] or 0.0
    if args.max_unscored is not None and rate > args.max_unscored:
        console.print(f"[red]unscored rate {100 * rate:.1f}% is above --max-unscored {100 * args.max_unscored:.1f}%[/red]")
        return 1
    return 0


def cmd_calibrate(args) -> int:
    from reports.terminal import make_console
    from reports.terminal_judge import calibration_renderables

    from .judge_calibrate import calibrate

    console = make_console(stderr=True)
    judge = _make(args, lambda m: console.print(m))
    cal = calibrate(judge, run_dir=args.run, labels=args.labels, out=args.out, rubric_dir=args.rubrics,
                    log=lambda m: console.print(m))
    if args.json:
        print(json.dumps(cal, indent=2, default=str))
    else:
        out = make_console()
        for r in calibration_renderables(cal):
            out.print(r)
        out.print(f"wrote {cal['written_to']}")
    return 0


def cmd_show(args) -> int:
    from checks.errors import InputError
    from reports.terminal import make_console
    from reports.terminal_judge import judge_renderables

    if not (Path(args.run) / "judge_summary.json").exists():
        raise InputError(Path(args.run) / "judge_summary.json", None, None, "not found",
                         "run `moviestyle judge run RUN_DIR` first")
    out = make_console()
    for r in judge_renderables(args.run):
        out.print(r)
    return 0
