"""Scoring throughput: responses per second per core, and scaling with --workers.

Two sets of typical answers:

* ``handwritten``: the hand-written examples and the labelled contract cases (99
  answers, many of them edge cases of the contract);
* ``tuned``: the reference adapter's 78 answers to the golden prompts, as recorded in
  ``golden/baselines/smollm2-movie.json`` (a real tuned model's output, longer).

The headline figure is for answers the process has never seen, to prompts it has: the
memos keyed on answers and their lines (``checks.memo``, scope "answer") are emptied
before each pass over the set, so only what repeats between different answers of one
pass is reused, while prompt analyses and title look-ups stay memoised (as when a run's
answers are scored against the golden prompts). The figure with every memo emptied
(new prompts too) is printed beside it, and so is the fastest single pass: other work on
the host only ever adds time, so it is the closest to what the code costs on a core of
its own (timeit's convention), while the median shows what the host gave at the time. The catalogue, the spec and its compiled
regexes are loaded before timing. The set cycled
many times with the caches kept shows how ``--workers`` scales. Prints the figures per
set and writes runs/bench/score.json.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checks import load_spec  # noqa: E402
from checks.memo import clear_text_caches  # noqa: E402
from harness.scoring import score_rows  # noqa: E402


def _handwritten() -> list[dict]:
    base = []
    for name in ("golden/examples.jsonl", "tests/data/contract_cases.jsonl"):
        path = ROOT / name
        if path.exists():
            base += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return base


def _tuned() -> list[dict]:
    prompts = {}
    for line in (ROOT / "golden/prompts.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            p = json.loads(line)
            prompts[p["id"]] = p
    baseline = json.loads((ROOT / "golden/baselines/smollm2-movie.json").read_text(encoding="utf-8"))
    rows = []
    for a in baseline["answers"]:
        p = prompts[a["prompt_id"]]
        rows.append({"prompt": p["prompt"], "response": a["response"],
                     "liked_titles": p.get("liked_titles", []), "liked_tastes": p.get("liked_tastes", [])})
    return rows


SETS = {"handwritten": _handwritten, "tuned": _tuned}


def typical_rows(n: int, kind: str = "handwritten") -> list[dict]:
    """``n`` answers cycling over the set, each made unique by a suffix."""
    base = SETS[kind]()
    rows = []
    for i in range(n):
        b = base[i % len(base)]
        rows.append({**b, "id": f"r{i}", "response": b["response"] + f"\n\n<!-- {i} -->"})
    return rows


def fresh_passes(kind: str, n: int) -> list[list[dict]]:
    """Passes over the set, each answer once per pass, enough passes for ``n`` answers."""
    base = SETS[kind]()
    passes = []
    for p in range(max(1, -(-n // len(base)))):
        passes.append([{**b, "id": f"p{p}-{i}"} for i, b in enumerate(base)])  # the memos are emptied
    return passes


def score_fresh(passes: list[list[dict]], spec, scope: str | None = "answer",
                pass_seconds: list[float] | None = None) -> float:
    """Seconds to score every pass, the text memos of ``scope`` (None: all) emptied
    before each, untimed. ``pass_seconds``: a list each pass's seconds are appended to."""
    total = 0.0
    for rows in passes:
        clear_text_caches(scope)
        t0 = time.perf_counter()
        score_rows(rows, spec)
        dt = time.perf_counter() - t0
        total += dt
        if pass_seconds is not None:
            pass_seconds.append(dt)
    return total


def stage_times(passes: list[list[dict]], spec) -> dict[str, float]:
    """Milliseconds per response: the markdown parse, the shared analysis (without the
    parse) and each check, one response at a time (as ``score_rows`` does), the answer
    memos emptied before each pass."""
    from checks import get_check
    from checks.analysis import analyse
    from checks.markdown import parse
    from checks.runner import check_ids

    checks = [(cid, get_check(cid)) for cid in check_ids(spec)]
    totals = {"parse": 0.0, "analysis": 0.0, **{cid: 0.0 for cid, _ in checks}}
    clock = time.perf_counter
    n = 0
    for rows in passes:
        clear_text_caches("answer")
        for r in rows:
            n += 1
            prompt, response = r["prompt"], r["response"]
            t0 = clock()
            parse.__wrapped__(response)
            t1 = clock()
            analyse(prompt, response, spec, r)  # parses again (not yet cached): subtract one parse
            t2 = clock()
            totals["parse"] += t1 - t0
            totals["analysis"] += (t2 - t1) - (t1 - t0)
            for cid, check in checks:
                t0 = clock()
                check.run(prompt, response, spec, r)
                totals[cid] += clock() - t0
    return {k: round(v / n * 1000, 4) for k, v in totals.items()}


def main() -> int:
    n = int(os.environ.get("BENCH_N", "4000"))
    spec = load_spec()
    report = {"cores": os.cpu_count(), "sets": {}}
    for kind in SETS:
        passes = fresh_passes(kind, n)
        score_rows(passes[0], spec)  # warm: catalogue, VADER lexicon, compiled regexes, the set's prompts
        count = sum(len(p) for p in passes)
        per_pass: list[float] = []
        fresh = [count / score_fresh(passes, spec, pass_seconds=per_pass) for _ in range(3)]
        # Interference from other work on the host only ever adds time: the fastest pass is
        # the closest to what the code costs on a core of its own (timeit's convention).
        fastest = len(passes[0]) / min(per_pass)
        cold = [count / score_fresh(passes, spec, scope=None) for _ in range(3)]
        rows = typical_rows(n, kind)
        results = []
        for workers in (1, 2):
            t0 = time.perf_counter()
            score_rows(rows, spec, workers=workers)
            dt = time.perf_counter() - t0
            results.append({"workers": workers, "responses": n, "seconds": round(dt, 3),
                            "per_second": round(n / dt, 1), "per_second_per_worker": round(n / dt / workers, 1)})
        mean_chars = round(sum(len(r["response"]) for r in passes[0]) / len(passes[0]))
        print(f"{kind} answers ({len(passes[0])}, mean {mean_chars} characters)")
        print(f"  new answers to known prompts, one core (answer memos emptied before each pass of "
              f"{len(passes[0])}): {statistics.median(fresh):.0f}/s (runs: {', '.join(f'{x:.0f}' for x in fresh)}; "
              f"fastest of {len(per_pass)} passes: {fastest:.0f}/s)")
        print(f"  every memo emptied before each pass (new prompts too): {statistics.median(cold):.0f}/s "
              f"(runs: {', '.join(f'{x:.0f}' for x in cold)})")
        print(f"  the set cycled {n} times over, caches kept (scaling with --workers):")
        print(f"  {'workers':>8} {'responses':>10} {'seconds':>8} {'resp/s':>9} {'resp/s/worker':>14}")
        for r in results:
            print(f"  {r['workers']:>8} {r['responses']:>10} {r['seconds']:>8} {r['per_second']:>9} "
                  f"{r['per_second_per_worker']:>14}")
        stages = stage_times(passes[: max(1, 2000 // len(passes[0]))], spec)
        print("  ms per new response: " + ", ".join(f"{k} {v:.3f}" for k, v in stages.items())
              + f"; sum {sum(stages.values()):.3f}\n")
        report["sets"][kind] = {"answers": len(passes[0]), "mean_chars": mean_chars,
                                "new_answers_per_second": [round(x, 1) for x in fresh],
                                "new_answers_fastest_pass_per_second": round(fastest, 1),
                                "all_memos_emptied_per_second": [round(x, 1) for x in cold],
                                "cycled": results, "stages_ms": stages}
    out = ROOT / "runs" / "bench" / "score.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
