"""`moviestyle compare`: generate base and tuned answers, score them, compare with statistics.

The run folder holds everything a report needs, so reports never recompute:
``generations.jsonl`` (appended as answers arrive), ``scores.jsonl``,
``summary.json`` (provenance, statistics) and ``report.html``.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict
from pathlib import Path

from checks import OVERALL, load_spec
from checks.errors import InputError
from checks.runner import check_ids

from .generate import GenConfig, GenerationError, Request, generate_all
from .models import library_versions
from .jsonl import read_jsonl, write_json_atomic, write_jsonl_atomic
from .scoring import score_row
from .stats import compare_criterion, min_detectable, wilson

DEFAULT_ADAPTER = Path(__file__).resolve().parent.parent / "golden" / "adapters" / "smollm2-movie"
DEFAULT_PROMPTS = Path(__file__).resolve().parent.parent / "golden" / "prompts.jsonl"


def load_prompts(path: str | Path, limit: int | None = None) -> list[dict]:
    rows, seen = [], set()
    for lineno, obj in read_jsonl(path, required={"prompt": str},
                                  optional={"id": (str, int), "liked_titles": list, "liked_tastes": list}):
        if not obj["prompt"].strip():
            raise InputError(path, lineno, "prompt", "is empty")
        pid = str(obj.get("id", f"line{lineno}"))
        if pid in seen:
            raise InputError(path, lineno, "id", f"duplicate id {pid!r}")
        seen.add(pid)
        obj["id"] = pid
        rows.append(obj)
    if not rows:
        raise InputError(path, None, None, "no prompts")
    return rows[:limit] if limit else rows


def _versions() -> dict:
    return library_versions(("moviestyle", "torch", "transformers", "peft", "markdown-it-py", "rapidfuzz", "scipy", "numpy"))


def make_backend(kind: str, base: str, adapter: str | None, against: str | None, url: str | None = None,
                 model_names: dict | None = None, concurrency: int = 4, timeout: float = 60.0, log=print):
    from .generate import HFBackend, OpenAIBackend, UnslothBackend

    if kind == "hf":
        return HFBackend(base, adapter, against, log=log)
    if kind == "unsloth":
        return UnslothBackend(base, adapter, against, log=log)
    if kind == "openai":
        if not url:
            raise GenerationError("--backend openai needs --url (e.g. http://127.0.0.1:8000/v1)")
        names = dict(model_names or {})
        if "base" not in names or ("tuned" not in names and adapter):
            raise GenerationError("--backend openai needs --base-model-name and --tuned-model-name: the names the "
                                  "server serves the base model and the adapter under (vLLM: --lora-modules)")
        b = OpenAIBackend(url, names, concurrency=concurrency, timeout=timeout)
        b.check_reachable()
        return b
    raise GenerationError(f"unknown backend {kind!r}; use hf, openai or unsloth")


def systems_for(adapter, against, openai_names: dict | None = None) -> list[str]:
    out = ["base"]
    if adapter or (openai_names and "tuned" in openai_names):
        out.append("tuned")
    if against or (openai_names and "against" in openai_names):
        out.append("against")
    return out


def prompts_sha256(prompts: list[dict]) -> str:
    """A fingerprint of a prompt set: ids, texts and the stated tastes, order-independent."""
    rows = sorted((str(p["id"]), p["prompt"], p.get("liked_titles") or [], p.get("liked_tastes") or [])
                  for p in prompts)
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()


def prompt_sha256(p: dict) -> str:
    """One prompt's fingerprint (text and stated tastes), to tell a subset from a changed prompt."""
    return hashlib.sha256(json.dumps([p["prompt"], p.get("liked_titles") or [], p.get("liked_tastes") or []],
                                     ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def run_compare(out_dir: str | Path, prompts: list[dict], backend, gen: GenConfig, systems: list[str],
                spec_path: str | None = None, progress=None, log=print, meta: dict | None = None,
                preset: dict[tuple, dict] | None = None) -> dict:
    """Generate (cached, resumable), score, and write the run folder. Returns the summary.

    ``preset`` holds answers that are not generated here, keyed (prompt_id, system, sample)
    (the gate's recorded baseline answers): they are scored with the others, and their
    systems are left out of generation.
    """
    spec = load_spec(spec_path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    by_id = {p["id"]: p for p in prompts}
    preset = preset or {}
    fixed = {k[1] for k in preset}
    requests = [Request(p["id"], p["prompt"], s, k) for s in systems if s not in fixed
                for p in prompts for k in range(gen.samples)]
    answers: dict[tuple, dict] = dict(preset)
    gen_path = out / "generations.jsonl"
    done = set()
    if gen_path.exists():  # a previous, interrupted run of this folder: keep its lines
        for line in gen_path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
                done.add((row["prompt_id"], row["system"], row["sample"]))
            except (json.JSONDecodeError, KeyError):
                continue
    fh = gen_path.open("a", encoding="utf-8")

    def on_answer(a) -> None:
        row = asdict(a)
        row["prompt"] = by_id[a.prompt_id]["prompt"]
        answers[(a.prompt_id, a.system, a.sample)] = row
        if (a.prompt_id, a.system, a.sample) not in done:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
            done.add((a.prompt_id, a.system, a.sample))
        if progress:
            progress(1)

    try:
        stats = generate_all(backend, requests, gen, on_answer)
    finally:
        fh.close()
    gen_seconds = time.perf_counter() - t0
    return finish_run(out, prompts, answers, systems, spec, backend.identity(), gen, stats, gen_seconds, meta)


def finish_run(out: Path, prompts: list[dict], answers: dict, systems: list[str], spec, identity: dict,
               gen: GenConfig, stats: dict, gen_seconds: float, meta: dict | None = None) -> dict:
    """Score every answer and write scores.jsonl, generations.jsonl and summary.json."""
    by_id = {p["id"]: p for p in prompts}
    errors = [a for a in answers.values() if a.get("error")]
    t1 = time.perf_counter()
    scored = []
    for key in sorted(answers):
        a = answers[key]
        p = by_id[a["prompt_id"]]
        row = score_row({"id": a["prompt_id"], "prompt": p["prompt"], "response": a["response"],
                         "liked_titles": p.get("liked_titles") or [], "liked_tastes": p.get("liked_tastes") or []},
                        spec)
        row.update({"system": a["system"], "sample": a["sample"], "error": a.get("error", "")})
        scored.append(row)
    score_seconds = time.perf_counter() - t1
    write_jsonl_atomic(out / "scores.jsonl", scored)
    write_jsonl_atomic(out / "generations.jsonl", [answers[k] for k in sorted(answers)])
    summary = summarise_run(scored, systems, spec, prompts)
    summary["provenance"] = {
        "backend": identity, "generation": asdict(gen), "systems": systems,
        "prompts": {"n": len(prompts), "sha256": prompts_sha256(prompts), **(meta or {}).get("prompts", {})},
        "spec": spec.path, "versions": _versions(), **{k: v for k, v in (meta or {}).items() if k != "prompts"},
    }
    new_tokens = sum(a.get("tokens", 0) for a in answers.values() if not a.get("cached"))
    summary["timing"] = {"generation_seconds": round(gen_seconds, 2), "scoring_seconds": round(score_seconds, 3),
                         "cache": stats, "errors": len(errors), "generated_tokens": new_tokens,
                         "tokens_per_second": round(new_tokens / gen_seconds, 1)
                         if stats.get("generated") and gen_seconds else None}
    write_json_atomic(out / "summary.json", summary)
    return summary


def summarise_run(scored: list[dict], systems: list[str], spec, prompts: list[dict]) -> dict:
    ids = check_ids(spec) + [OVERALL]
    verdicts: dict[str, dict[str, dict[str, list]]] = {c: {s: {} for s in systems} for c in ids}
    for row in scored:
        for c in ids:
            res = row["overall"] if c == OVERALL else row["checks"][c]
            verdicts[c][row["system"]].setdefault(row["id"], []).append(res["passed"])
    # the candidate ("tuned") against each reference present: the base model, a previous
    # adapter (--against), a gate's recorded baseline
    pairs = [(a, "tuned") for a in ("base", "against", "baseline") if "tuned" in systems and a in systems]
    criteria = {}
    for c in ids:
        criteria[c] = {"kind": "overall" if c == OVERALL else ("criterion" if c in spec.criteria else "supporting"),
                       "pairs": {f"{a}->{b}": compare_criterion(verdicts[c], a, b, c) for a, b in pairs},
                       "rates": {s: _rate(verdicts[c][s]) for s in systems}}
    worst = {}
    for s in systems:
        rows = [r for r in scored if r["system"] == s]
        rows.sort(key=lambda r: (sum(1 for c in spec.criteria if r["checks"][c]["status"] == "failed"),
                                 -(r["overall"]["score"] or 0)), reverse=True)
        worst[s] = [{"id": r["id"], "sample": r["sample"],
                     "failed": [c for c in spec.criteria if r["checks"][c]["status"] == "failed"]}
                    for r in rows[:10] if any(r["checks"][c]["status"] == "failed" for c in spec.criteria)]
    n_prompts = len(prompts)
    return {"criteria": criteria, "worst": worst, "pairs": [f"{a}->{b}" for a, b in pairs],
            "min_detectable": min_detectable(n_prompts), "n_prompts": n_prompts,
            "samples": max((r["sample"] for r in scored), default=0) + 1,
            "criteria_ids": list(spec.criteria), "supporting_ids": list(spec.supporting)}


def _rate(per_prompt: dict[str, list]) -> dict:
    scored = [v for v in per_prompt.values() if any(x is not None for x in v)]
    passk = [all(x for x in v if x is not None) for v in scored]
    lo, hi = wilson(sum(passk), len(passk))
    return {"pass_rate": sum(passk) / len(passk) if passk else None, "n": len(passk), "ci": [lo, hi],
            "unscored": sum(1 for v in per_prompt.values() for x in v if x is None)}
