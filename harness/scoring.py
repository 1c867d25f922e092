"""Score JSONL files of (prompt, response) with every check; summarise pass rates."""

from __future__ import annotations

import gc
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from checks import OVERALL, load_spec, score_pair
from checks.runner import check_ids
from checks.spec import StyleSpec

from .jsonl import read_jsonl

_SPEC: StyleSpec | None = None


def load_pairs(path: str | Path) -> list[dict]:
    """Validated input rows (all of them, so a bad line fails before any work)."""
    rows = []
    for lineno, obj in read_jsonl(path, required={"prompt": str, "response": str},
                                  optional={"id": (str, int), "liked_titles": list, "liked_tastes": list}):
        obj.setdefault("id", f"line{lineno}")
        rows.append(obj)
    return rows


def score_row(row: dict, spec: StyleSpec) -> dict:
    results = score_pair(row["prompt"], row["response"], spec, row)
    # Popped first, ``overall`` is out of the loop: the same as skipping ``cid == OVERALL`` in it.
    ov = results.pop(OVERALL)
    out = dict(row)
    out["checks"] = {cid: r.to_dict() for cid, r in results.items()}
    out["passed"] = ov.passed
    out["overall"] = ov.to_dict()
    return out


@contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while a batch is scored.

    Scoring creates no reference cycles (2,000 typical answers leave 0 unreachable
    objects), so reference counting frees everything; the collector's passes over the
    young objects and over the long-lived catalogue cost ~20% of scoring time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _init_worker(spec_path: str) -> None:
    global _SPEC
    _SPEC = load_spec(spec_path)


def _score_chunk(rows: list[dict]) -> list[dict]:
    assert _SPEC is not None
    with _gc_paused():
        return [score_row(r, _SPEC) for r in rows]


def score_rows(rows: list[dict], spec: StyleSpec, workers: int = 1, progress=None) -> list[dict]:
    """Score rows in order; ``workers`` > 1 spreads chunks over processes."""
    if workers <= 1 or len(rows) < 64:
        out = []
        with _gc_paused():
            for r in rows:
                out.append(score_row(r, spec))
                if progress:
                    progress(1)
        return out
    size = max(16, len(rows) // (workers * 8))
    chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
    out: list[dict] = []
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(spec.path,)) as ex:
        for chunk_out in ex.map(_score_chunk, chunks):
            out.extend(chunk_out)
            if progress:
                progress(len(chunk_out))
    return out


def summarise(scored: list[dict], spec: StyleSpec) -> dict:
    """Pass rate per check over the scored rows (unscored rows are counted apart)."""
    ids = check_ids(spec) + [OVERALL]
    summary = {"n": len(scored), "checks": {}}
    for cid in ids:
        passed = failed = unscored = 0
        for row in scored:
            status = row["overall"]["status"] if cid == OVERALL else row["checks"][cid]["status"]
            if status == "passed":
                passed += 1
            elif status == "failed":
                failed += 1
            else:
                unscored += 1
        scored_n = passed + failed
        summary["checks"][cid] = {
            "kind": "overall" if cid == OVERALL else ("criterion" if cid in spec.criteria else "supporting"),
            "passed": passed, "failed": failed, "unscored": unscored,
            "pass_rate": (passed / scored_n) if scored_n else None,
        }
    return summary
