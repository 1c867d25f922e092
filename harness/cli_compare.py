"""`moviestyle compare` and `moviestyle report`."""

from __future__ import annotations

import json
import time
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("compare", help="generate base and tuned answers on the golden prompts, score and compare")
    p.add_argument("--base", default="smollm2-135m", help="base model name or path (default smollm2-135m)")
    p.add_argument("--adapter", default=None, help="LoRA adapter folder (default golden/adapters/smollm2-movie)")
    p.add_argument("--against", default=None, help="a previous adapter: compare the candidate against it too")
    p.add_argument("--prompts", default=None, help="prompts JSONL (default golden/prompts.jsonl)")
    p.add_argument("--out", default=None, help="run folder (default runs/compare-<timestamp>)")
    p.add_argument("--backend", default="hf", choices=["hf", "openai", "unsloth"], help="generation backend")
    p.add_argument("--url", help="openai backend: server URL, e.g. http://127.0.0.1:8000/v1")
    p.add_argument("--base-model-name", help="openai backend: served name of the base model")
    p.add_argument("--tuned-model-name", help="openai backend: served name of the adapter (vLLM --lora-modules)")
    p.add_argument("--against-model-name", help="openai backend: served name of the previous adapter")
    p.add_argument("--concurrency", type=int, default=4, help="openai backend: requests in flight (default 4)")
    p.add_argument("--timeout", type=float, default=120.0, help="openai backend: seconds per request (default 120)")
    p.add_argument("--samples", type=int, default=1, help="answers per prompt (pass^K); needs --temperature > 0")
    p.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (default)")
    p.add_argument("--seed", type=int, default=0, help="sampling seed")
    p.add_argument("--max-new-tokens", type=int, default=320, help="tokens per answer (default 320)")
    p.add_argument("--batch-size", type=int, default=48, help="hf backend: most prompts per batch (default 48)")
    p.add_argument("--limit", type=int, help="only the first N prompts")
    p.add_argument("--spec", help="style spec TOML (default golden/style.toml)")
    p.add_argument("--judge", default=None, metavar="MODEL_OR_URL",
                   help="also judge the run with an LLM judge: a model name/path (smollm2-135m is the local "
                        "default) or an OpenAI-compatible URL (see `moviestyle judge run`)")
    p.add_argument("--judge-model-name", help="--judge URL: the served model name")
    p.add_argument("--no-html", action="store_true", help="skip report.html")
    p.add_argument("--json", action="store_true", help="print summary.json instead of tables")
    p.set_defaults(func=cmd_compare)

    r = sub.add_parser("report", help="re-render the terminal and HTML reports of a finished run folder")
    r.add_argument("run", help="run folder with summary.json")
    r.add_argument("--json", action="store_true", help="print summary.json")
    r.set_defaults(func=cmd_report)


def _print(summary: dict, out: Path | None, as_json: bool) -> None:
    from reports.terminal import make_console
    from reports.terminal_compare import detail, summary_table

    if as_json:
        print(json.dumps(summary, indent=2, default=str))
        return
    from reports.terminal_judge import judge_renderables

    console = make_console()
    for pair in summary["pairs"]:
        console.print(summary_table(summary, pair))
        console.print(detail(summary, pair))
    for r in judge_renderables(out) if out else []:
        console.print(r)
    if out and (out / "gate.json").exists():  # a gate's run folder: its verdict too
        from reports.gate import gate_table

        console.print(gate_table(json.loads((out / "gate.json").read_text(encoding="utf-8"))))
    if out:
        console.print(f"run folder: {out}/ (generations.jsonl, scores.jsonl, summary.json"
                      f"{', report.html' if (out / 'report.html').exists() else ''})")


def cmd_compare(args) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from checks.errors import MovieStyleError
    from reports.terminal import make_console

    from .compare import DEFAULT_ADAPTER, DEFAULT_PROMPTS, load_prompts, make_backend, run_compare, systems_for
    from .generate import GenConfig

    if args.samples < 1:
        raise MovieStyleError("--samples must be at least 1")
    if args.samples > 1 and args.temperature <= 0:
        raise MovieStyleError("--samples > 1 needs --temperature > 0 (greedy answers would all be identical)")
    prompts_path = args.prompts or DEFAULT_PROMPTS
    prompts = load_prompts(prompts_path, args.limit)  # bad lines fail here, before any model loads
    adapter = args.adapter
    if adapter is None and args.backend != "openai":
        adapter = str(DEFAULT_ADAPTER)
    names = {}
    if args.backend == "openai":
        names = {k: v for k, v in (("base", args.base_model_name), ("tuned", args.tuned_model_name),
                                   ("against", args.against_model_name)) if v}
    console = make_console(stderr=True)
    backend = make_backend(args.backend, args.base, adapter, args.against, url=args.url, model_names=names,
                           concurrency=args.concurrency, timeout=args.timeout, log=lambda m: console.print(m))
    judge = None
    if args.judge:  # an unreachable judge fails here, before any answer is generated
        from .judge import make_judge

        judge = make_judge(args.judge, args.judge_model_name, log=lambda m: console.print(m))
        judge.check_ready()
    systems = systems_for(adapter if args.backend != "openai" else None, args.against, names or None)
    gen = GenConfig(max_new_tokens=args.max_new_tokens, temperature=args.temperature, samples=args.samples,
                    seed=args.seed, batch_size=args.batch_size)
    out = Path(args.out or f"runs/compare-{time.strftime('%Y%m%d-%H%M%S')}")
    total = len(prompts) * len(systems) * args.samples
    with Progress(TextColumn("answers"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=args.json) as prog:
        task = prog.add_task("gen", total=total)
        summary = run_compare(out, prompts, backend, gen, systems, spec_path=args.spec,
                              progress=lambda k: prog.advance(task, k),
                              meta={"prompts": {"path": str(prompts_path)}, "adapter": adapter,
                                    "against": args.against, "base": args.base})
    if judge is not None:
        from .judge import judge_run

        with Progress(TextColumn("judging"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=console, disable=args.json) as prog:
            task = prog.add_task("judge", total=None)
            judge_run(out, judge, progress=lambda k: prog.advance(task, k), log=lambda m: console.print(m))
    if not args.no_html:
        from reports.html import render_report

        render_report(out)
    _print(summary, out, args.json)
    return 0


def cmd_report(args) -> int:
    from reports.html import render_report

    from .jsonl import read_summary

    run = Path(args.run)
    summary = read_summary(run)
    render_report(run)
    _print(summary, run, args.json)
    return 0
