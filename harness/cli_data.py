"""`moviestyle data build`: write train.jsonl / eval.jsonl of the style."""

from __future__ import annotations

import json


def register(sub) -> None:
    p = sub.add_parser("data", help="training data")
    dsub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    b = dsub.add_parser("build", help="build train.jsonl and eval.jsonl (every answer passes every rule check)")
    b.add_argument("--out", default="runs/data", help="output folder (default runs/data)")
    b.add_argument("--n", type=int, default=3000, help="training examples (default 3000); eval adds 5%%")
    b.add_argument("--eval-frac", type=float, default=0.05, help="held-out share (default 0.05)")
    b.add_argument("--seed", type=int, default=0, help="random seed: same seed, same files (default 0)")
    b.add_argument("--spec", help="style spec TOML (default golden/style.toml)")
    b.add_argument("--golden", default=None, help="golden prompts for the leakage guard (default golden/prompts.jsonl)")
    b.add_argument("--leak-threshold", type=float, default=85.0,
                   help="refuse when a training prompt is this similar (rapidfuzz ratio) to a golden one")
    b.add_argument("--json", action="store_true", help="print the data card as JSON")
    b.set_defaults(func=cmd_build)


def cmd_build(args) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from reports.terminal import make_console
    from training.data import GOLDEN_PROMPTS, build

    total = args.n + max(1, round(args.n * args.eval_frac))
    console = make_console(stderr=True)
    with Progress(TextColumn("building examples"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=args.json) as prog:
        task = prog.add_task("build", total=total)
        report = build(args.out, n_train=args.n, eval_frac=args.eval_frac, seed=args.seed, spec_path=args.spec,
                       golden_path=args.golden or GOLDEN_PROMPTS, leak_threshold=args.leak_threshold,
                       progress=lambda k: prog.advance(task, k))
    card = report.to_dict()
    if args.json:
        print(json.dumps(card, indent=2))
    else:
        out = make_console()
        out.print(f"wrote {card['train']} training and {card['eval']} eval examples to {args.out}/")
        out.print(f"kinds: {card['kinds']}")
        ng = card["nearest_golden"]
        out.print(f"nearest golden prompt similarity: max {ng['max']}, p99 {ng.get('p99')}, median {ng['median']} "
                  f"(refused at {ng.get('threshold')})")
    return 0
