"""Scoring throughput: responses per second per core, and scaling with --workers.

Typical answers are the hand-written examples and the labelled contract cases,
each made unique (a suffix) so the per-pair cache cannot help; the catalogue and
spec are loaded before timing. Prints a table and writes runs/bench/score.json.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checks import load_spec  # noqa: E402
from harness.scoring import score_rows  # noqa: E402


def typical_rows(n: int) -> list[dict]:
    base = []
    for name in ("golden/examples.jsonl", "tests/data/contract_cases.jsonl"):
        path = ROOT / name
        if path.exists():
            base += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = []
    for i in range(n):
        b = base[i % len(base)]
        rows.append({"id": f"r{i}", "prompt": b["prompt"], "response": b["response"] + f"\n\n<!-- {i} -->"})
    return rows


def main() -> int:
    n = int(os.environ.get("BENCH_N", "4000"))
    spec = load_spec()
    score_rows(typical_rows(50), spec)  # warm: catalogue, VADER lexicon, regexes
    rows = typical_rows(n)
    results = []
    for workers in (1, 2):
        t0 = time.perf_counter()
        score_rows(rows, spec, workers=workers)
        dt = time.perf_counter() - t0
        results.append({"workers": workers, "responses": n, "seconds": round(dt, 3),
                        "per_second": round(n / dt, 1), "per_second_per_worker": round(n / dt / workers, 1)})
    print(f"{'workers':>8} {'responses':>10} {'seconds':>8} {'resp/s':>9} {'resp/s/worker':>14}")
    for r in results:
        print(f"{r['workers']:>8} {r['responses']:>10} {r['seconds']:>8} {r['per_second']:>9} "
              f"{r['per_second_per_worker']:>14}")
    out = ROOT / "runs" / "bench" / "score.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"cores": os.cpu_count(), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
