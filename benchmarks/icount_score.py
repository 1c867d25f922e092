"""Scoring cost in CPU instructions per new answer: a figure that does not move with the host.

Wall-clock throughput on a shared machine swings by a fifth within the hour, which hides
changes of a few percent. This counts the instructions the interpreter executes (valgrind's
``cachegrind`` tool, without its cache simulation) for the same work as the headline figure
of ``bench_score.py``: passes over a set of answers, the "answer" memos emptied before each.
Two runs, with 0 and with ``PASSES`` passes, share every start-up cost (imports, the
catalogue, a first warm pass), so their difference divided by the answers scored is the cost
of a new answer. Counts repeat to within a few hundred instructions (hash randomisation is
fixed with ``PYTHONHASHSEED``).

Instructions are not time (a cache miss costs more than an add), so judge a change by both:
this for its direction and size, ``bench_score.py`` (or passes of two versions interleaved in
one process) for the seconds. Needs ``valgrind`` (``apt-get install valgrind``); without it,
says so and exits 0. Writes runs/bench/score_icount.json.

    python benchmarks/icount_score.py            # both sets
    python benchmarks/icount_score.py tuned      # one set
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSES = 6


def _child(kind: str, passes: int) -> None:
    """Runs under valgrind: score the set once to warm up, then ``passes`` fresh passes."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_score import SETS, score_fresh

    from checks import load_spec
    from harness.scoring import score_rows

    spec = load_spec()
    rows = [dict(r, id=str(i)) for i, r in enumerate(SETS[kind]())]
    score_rows(rows, spec)
    score_fresh([rows] * passes, spec)  # the headline measure of bench_score.py


def _instructions(kind: str, passes: int) -> int:
    cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
           sys.executable, __file__, "--child", kind, str(passes)]
    env = dict(os.environ, PYTHONHASHSEED="0")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    m = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or m is None:
        raise RuntimeError(f"valgrind run failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return int(m.group(1).replace(",", ""))


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        _child(argv[1], int(argv[2]))
        return 0
    if shutil.which("valgrind") is None:
        print("icount_score: valgrind is not installed (apt-get install valgrind); skipped")
        return 0
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_score import SETS

    kinds = argv or list(SETS)
    unknown = [k for k in kinds if k not in SETS]
    if unknown:
        print(f"icount_score: unknown set(s) {unknown}; known: {', '.join(SETS)}", file=sys.stderr)
        return 2
    out = {}
    for kind in kinds:
        n = len(SETS[kind]())
        per_answer = (_instructions(kind, PASSES) - _instructions(kind, 0)) / (PASSES * n)
        out[kind] = {"answers": n, "passes": PASSES, "instructions_per_new_answer": round(per_answer)}
        print(f"{kind}: {per_answer / 1e6:.3f} M instructions per new answer ({n} answers, {PASSES} passes)")
    dest = ROOT / "runs/bench/score_icount.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
