"""score_rows pauses the cyclic garbage collector: scoring must create no reference cycles."""

import gc
import json
from pathlib import Path

from harness.scoring import score_rows

DATA = Path(__file__).resolve().parents[1] / "data" / "contract_cases.jsonl"


def test_scoring_leaves_no_cyclic_garbage_and_restores_the_collector(spec):
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    score_rows(rows, spec)  # first use: imports, VADER's lexicon, compiled patterns (one-off cycles)
    rows = [dict(r, response=r["response"] + " (gc test)") for r in rows]  # not cached yet
    assert gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        score_rows(rows, spec)
        assert not gc.isenabled(), "a disabled collector stays disabled"
        assert gc.collect() == 0, "scoring made reference cycles: pausing the collector would leak them"
    finally:
        gc.enable()
    score_rows(rows[:3], spec)
    assert gc.isenabled(), "score_rows re-enables the collector"
