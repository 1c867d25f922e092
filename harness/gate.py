"""Pre-merge gates: a candidate adapter against a recorded baseline.

A **baseline** (``golden/baselines/NAME.json``, small, meant to be committed) holds one
finished run's answers for one system, their verdicts, the floors and margin to gate
with, and the provenance that makes a later comparison fair (base model, chat
template, generation config, prompt set, judge rubric versions).

The **gate** generates (or reuses) the candidate's answers on the baseline's prompts
with the baseline's generation settings, scores both sides with today's checks (so a
change to the checks can never pass for a change in the adapter), and fails when

* a criterion's pass rate (pass^K per prompt) is below its floor;
* the paired difference to the baseline is not shown non-inferior: the lower bound of
  the paired 95% bootstrap interval of (candidate − baseline) is below −margin;
* more of a floored check's answers are unscored than ``max_unscored`` allows;
* the run drifted from the baseline (another base model, chat template, generation
  config, prompt set, backend or rubric version) and ``allow_drift`` is off.

Everything a report needs is written to ``gate.json``; reports render it.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from checks import OVERALL, load_spec
from checks.errors import InputError, MovieStyleError

from reports.gate import ci_text, pct

from .jsonl import read_rows, read_summary, write_json_atomic

BASELINE_FORMAT = 1
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASELINE = ROOT / "golden" / "baselines" / "smollm2-movie.json"
PAIR = "baseline->tuned"
GEN_FIELDS = ("max_new_tokens", "temperature", "top_p", "samples", "seed", "system", "batch_size")


class GateError(MovieStyleError):
    """The gate cannot run (bad baseline, mismatched run folder)."""


def _default_floors() -> dict[str, float]:
    return {"bold_titles": 0.8, "why_it_fits": 0.8, "enthusiasm": 0.8, "taste_reasoning": 0.8, OVERALL: 0.8}


@dataclass
class GateConfig:
    """What makes a candidate pass. Recorded into each baseline; the CLI may override."""

    margin: float = field(default=0.05, metadata={
        "help": "Non-inferiority margin: fail when the lower bound of the paired 95% interval of "
                "(candidate − baseline) pass rate is below −margin."})
    floors: dict = field(default_factory=_default_floors, metadata={
        "help": "Smallest pass rate (pass^K per prompt) the candidate may have, per check id or 'overall'. "
                "Checks without a floor are gated on non-inferiority only."})
    max_unscored: float = field(default=0.10, metadata={
        "help": "Fail when more than this share of a floored check's candidate answers is unscored "
                "(supporting checks are often unscored by design, e.g. no claim to verify)."})
    allow_drift: bool = field(default=False, metadata={
        "help": "Report drift (base model, chat template, generation config, prompts, backend, rubric) "
                "but do not fail on it."})

    @classmethod
    def from_dict(cls, d: dict, path: str = "baseline") -> "GateConfig":
        known = {f.name for f in fields(cls)}
        bad = set(d) - known
        if bad:
            raise InputError(path, None, "thresholds", f"unknown field(s) {sorted(bad)}; known: {sorted(known)}")
        cfg = cls(**{k: v for k, v in d.items() if k in known})
        cfg.validate(path)
        return cfg

    def validate(self, where: str = "gate") -> None:
        if not 0 <= self.margin < 1:
            raise InputError(where, None, "margin", f"must be in [0, 1), got {self.margin}")
        if not 0 <= self.max_unscored <= 1:
            raise InputError(where, None, "max_unscored", f"must be in [0, 1], got {self.max_unscored}")
        for k, v in self.floors.items():
            if not isinstance(v, (int, float)) or not 0 <= v <= 1:
                raise InputError(where, None, f"floors.{k}", f"must be a rate in [0, 1], got {v!r}")


# -- fingerprints and drift -----------------------------------------------------------------
def fingerprint(provenance: dict, rubrics: dict | None = None) -> dict:
    """The fields that must match for two runs to be compared, flattened."""
    ident = provenance.get("backend") or {}
    base = ident.get("base") or {}
    models = ident.get("models") or {}
    fp = {
        "backend": ident.get("backend"),
        "base_model": base.get("sha256") or base.get("name") or models.get("base"),
        "chat_template": ident.get("chat_template_sha256"),
        "prompts": (provenance.get("prompts") or {}).get("sha256"),
    }
    gen = provenance.get("generation") or {}
    for k in GEN_FIELDS:
        fp[f"generation.{k}"] = gen.get(k)
    for name, version in (rubrics or {}).items():
        fp[f"rubric.{name}"] = version
    return fp


def find_drift(baseline_fp: dict, run_fp: dict, subset_of_baseline: bool = False) -> list[dict]:
    """Fields whose values differ. Rubric versions are compared where both sides were judged;
    a prompt set that is an unchanged subset of the baseline's is not drift (the caller says so)."""
    out = []
    for k in sorted(set(baseline_fp) | set(run_fp)):
        a, b = baseline_fp.get(k), run_fp.get(k)
        if k.startswith("rubric.") and (a is None or b is None):
            continue
        if k == "prompts" and subset_of_baseline:
            continue
        if a != b:
            out.append({"field": k, "baseline": a, "candidate": b})
    return out


def judge_rubrics(run_dir: Path) -> dict:
    """Rubric versions of a judged run (judge_summary.json), else {}."""
    p = run_dir / "judge_summary.json"
    if not p.exists():
        return {}
    try:
        js = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return {}
    rub = (js.get("judge") or {}).get("rubric_versions") or js.get("rubric_versions") or {}
    return {str(k): (v.get("version") if isinstance(v, dict) else v) for k, v in rub.items()}


# -- baselines ------------------------------------------------------------------------------
def _portable(path) -> str | None:
    """A path relative to the repository when inside it, else just its name (no machine paths)."""
    if not path:
        return None
    p = Path(path).resolve()
    try:
        return str(p.relative_to(ROOT))
    except ValueError:
        return p.name


def record_baseline(run_dir: str | Path, name: str, out: str | Path | None = None, system: str = "tuned",
                    config: GateConfig | None = None, note: str = "") -> Path:
    """Write a baseline from a finished run folder's answers of ``system``."""
    from .compare import prompt_sha256

    run = Path(run_dir)
    summary = read_summary(run)
    prov = summary.get("provenance") or {}
    if system not in prov.get("systems", []):
        raise GateError(f"{run}: the run has no system {system!r} (it has {', '.join(prov.get('systems', []))}); "
                        f"pass --system")
    if not (prov.get("prompts") or {}).get("sha256"):
        raise GateError(f"{run}/summary.json has no prompt-set fingerprint (a run from an older moviestyle); "
                        f"rerun `moviestyle compare` into it (answers come from the cache)")
    cfg = config or GateConfig()
    cfg.validate()
    scores = read_rows(run / "scores.jsonl")
    gens = {(g["prompt_id"], g["system"], g["sample"]): g for g in read_rows(run / "generations.jsonl")}
    answers = []
    for row in scores:
        if row["system"] != system:
            continue
        g = gens.get((row["id"], system, row["sample"]), {})
        verdicts = {c: r["passed"] for c, r in row["checks"].items()}
        verdicts[OVERALL] = row["overall"]["passed"]
        answers.append({"prompt_id": row["id"], "sample": row["sample"],
                        "prompt_sha256": prompt_sha256({"prompt": row["prompt"],
                                                        "liked_titles": row.get("liked_titles") or [],
                                                        "liked_tastes": row.get("liked_tastes") or []}),
                        "response": row["response"], "tokens": g.get("tokens", 0),
                        "finish_reason": g.get("finish_reason", ""), "error": row.get("error", ""),
                        "verdicts": verdicts})
    if not answers:
        raise GateError(f"{run}/scores.jsonl has no answers of system {system!r}")
    ident = prov.get("backend") or {}
    adapter = ((ident.get("adapters") or {}).get(system) or {}) if system != "base" else {}
    rates = {c: v["rates"].get(system) for c, v in summary["criteria"].items()}
    baseline = {
        "format": BASELINE_FORMAT, "name": name, "note": note,
        "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "system": system,
        "fingerprint": fingerprint(prov, judge_rubrics(run)),
        "provenance": {
            "base": ident.get("base"), "backend": ident.get("backend"),
            "adapter": {k: adapter.get(k) for k in ("sha256", "r", "base_model_name_or_path")} | (
                {"path": _portable(adapter.get("path"))} if adapter.get("path") else {}),
            "generation": prov.get("generation"),
            "prompts": {"n": prov["prompts"].get("n"), "sha256": prov["prompts"]["sha256"],
                        "path": _portable(prov["prompts"].get("path"))},
            "versions": prov.get("versions"),
        },
        "thresholds": asdict(cfg),
        "rates": rates,
        "criteria_ids": summary.get("criteria_ids"), "supporting_ids": summary.get("supporting_ids"),
        "answers": answers,
    }
    target = Path(out) if out else ROOT / "golden" / "baselines" / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(target, baseline)
    return target


def load_baseline(path: str | Path) -> dict:
    p = Path(path)
    if not p.exists():
        raise InputError(p, None, None, "baseline not found",
                         "record one with `moviestyle baseline record --run runs/NAME --name NAME`")
    try:
        b = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(p, exc.lineno, None, f"not valid JSON: {exc.msg}") from None
    if not isinstance(b, dict):
        raise InputError(p, None, None, "a baseline is a JSON object")
    for key, typ in (("format", int), ("name", str), ("fingerprint", dict), ("thresholds", dict),
                     ("answers", list), ("provenance", dict)):
        if key not in b:
            raise InputError(p, None, key, "missing", "record the baseline again with `moviestyle baseline record`")
        if not isinstance(b[key], typ):
            raise InputError(p, None, key, f"must be {typ.__name__}, got {type(b[key]).__name__}")
    if b["format"] != BASELINE_FORMAT:
        raise InputError(p, None, "format", f"version {b['format']} is not supported (this moviestyle reads "
                                            f"{BASELINE_FORMAT}); record the baseline again")
    for i, a in enumerate(b["answers"]):
        for key, typ in (("prompt_id", str), ("sample", int), ("response", str), ("prompt_sha256", str)):
            if not isinstance(a.get(key), typ):
                raise InputError(p, None, f"answers[{i}].{key}", "missing or of the wrong type")
    GateConfig.from_dict(b["thresholds"], str(p))
    b["_path"] = str(p)
    return b


def baseline_answers(baseline: dict, prompts: list[dict]) -> tuple[dict, dict]:
    """The baseline's answers for ``prompts`` as run-folder rows under system "baseline",
    and how the prompt sets relate ({"subset": bool, "missing": [...], "changed": [...]})."""
    from .compare import prompt_sha256

    by_key = {(a["prompt_id"], a["sample"]): a for a in baseline["answers"]}
    hashes = {a["prompt_id"]: a["prompt_sha256"] for a in baseline["answers"]}
    missing, changed, preset = [], [], {}
    for p in prompts:
        h = hashes.get(p["id"])
        if h is None:
            missing.append(p["id"])
            continue
        if h != prompt_sha256(p):
            changed.append(p["id"])
        for (pid, k), a in by_key.items():
            if pid == p["id"]:
                preset[(pid, "baseline", k)] = {
                    "prompt_id": pid, "system": "baseline", "sample": k, "response": a["response"],
                    "tokens": a.get("tokens", 0), "seconds": 0.0, "cached": True,
                    "finish_reason": a.get("finish_reason", ""), "error": a.get("error", ""),
                    "prompt": p["prompt"]}
    relation = {"n_baseline": len(hashes), "n_run": len(prompts), "missing": missing, "changed": changed,
                "subset": not missing and not changed}
    return preset, relation


# -- the verdict ----------------------------------------------------------------------------
def evaluate(summary: dict, baseline: dict, cfg: GateConfig, drift: list[dict], scores: list[dict],
             relation: dict | None = None) -> dict:
    """The gate's verdict from a scored run holding systems "baseline" and "tuned"."""
    rows, failures = [], []
    worst_by = _worst_prompts(scores)
    for cid, c in summary["criteria"].items():
        st = c["pairs"].get(PAIR)
        if not st:
            continue
        cand, base, paired = st["systems"]["tuned"], st["systems"]["baseline"], st["paired"]
        floor = cfg.floors.get(cid)
        reasons = []
        total = sum(1 for r in scores if r["system"] == "tuned")
        unscored_share = cand["unscored"] / total if total else 0.0
        if cand["pass_rate"] is None:
            if floor is not None:
                reasons.append("no scored candidate answers")
        elif floor is not None and cand["pass_rate"] < floor:
            reasons.append(f"pass rate {pct(cand['pass_rate'])}{ci_text(cand['ci'])} is below its floor {pct(floor)}")
        lo, hi = paired["ci"]
        if lo is not None and lo < -cfg.margin:
            if hi is not None and hi < 0:
                reasons.append(f"significant regression: {100 * paired['difference']:+.0f} pts "
                               f"[{100 * lo:+.0f}, {100 * hi:+.0f}] against the baseline, beyond the "
                               f"−{100 * cfg.margin:.0f}-point margin")
            else:
                reasons.append(f"not shown non-inferior: {100 * paired['difference']:+.0f} pts "
                               f"[{100 * lo:+.0f}, {100 * hi:+.0f}]; the lower bound is below the "
                               f"−{100 * cfg.margin:.0f}-point margin")
        if floor is not None and unscored_share > cfg.max_unscored:
            reasons.append(f"{100 * unscored_share:.0f}% of the candidate's answers are unscored "
                           f"(at most {100 * cfg.max_unscored:.0f}% allowed)")
        row = {"id": cid, "kind": c["kind"], "floor": floor,
               "candidate": {k: cand[k] for k in ("pass_rate", "ci", "passed", "n", "unscored",
                                                  "sample_pass_rate", "sample_spread")},
               "baseline": {k: base[k] for k in ("pass_rate", "ci", "passed", "n", "unscored")},
               "difference": paired["difference"], "difference_ci": paired["ci"], "mcnemar_p": paired["mcnemar_p"],
               "regressed": paired["regressed"], "improved": paired["improved"],
               "unscored_share": unscored_share, "n_answers": total,
               "status": "fail" if reasons else "pass", "reasons": reasons,
               "worst": worst_by.get(cid, [])[:5]}
        rows.append(row)
        if reasons:
            failures.append({"id": cid, "reasons": reasons, "worst": row["worst"]})
    blocking_drift = drift if not cfg.allow_drift else []
    passed = not failures and not blocking_drift
    notes = []
    if relation and relation.get("subset") and relation["n_run"] < relation["n_baseline"]:
        notes.append(f"gated on {relation['n_run']} of the baseline's {relation['n_baseline']} prompts")
    changed = _rescored_changes(baseline, scores)
    if changed:
        notes.append(f"today's checks score {changed} recorded baseline verdict(s) differently (the checks or the "
                     f"spec changed since the baseline was recorded); both sides are scored with today's checks")
    return {"passed": passed, "criteria": rows, "failures": failures, "drift": drift,
            "drift_blocking": bool(blocking_drift), "notes": notes, "thresholds": asdict(cfg)}


def judge_unscored_gate(gate: dict, run_dir: Path, cfg: GateConfig) -> None:
    """A judged run also fails when more of its judgements are unscored than ``max_unscored``."""
    p = Path(run_dir) / "judge_summary.json"
    if not p.exists():
        return
    js = json.loads(p.read_text(encoding="utf-8"))
    rate = (js.get("unscored") or {}).get("rate")
    gate["judge_unscored_rate"] = rate
    if rate is not None and rate > cfg.max_unscored:
        gate["failures"].append({"id": "judge", "worst": [], "reasons": [
            f"{100 * rate:.0f}% of the judge's judgements are unscored (at most {100 * cfg.max_unscored:.0f}% "
            f"allowed); the raw replies are in {run_dir}/judge_raw/"]})
        gate["passed"] = False


def _worst_prompts(scores: list[dict]) -> dict[str, list[dict]]:
    """Per check id, the candidate's failing prompts where the baseline passed first, then the rest."""
    base = {(r["id"], r["sample"]): r for r in scores if r["system"] == "baseline"}
    out: dict[str, list[dict]] = {}
    for r in scores:
        if r["system"] != "tuned":
            continue
        results = dict(r["checks"])
        results[OVERALL] = r["overall"]
        b = base.get((r["id"], r["sample"]))
        for cid, res in results.items():
            if res["status"] != "failed":
                continue
            bres = (b["overall"] if cid == OVERALL else b["checks"].get(cid, {})) if b else {}
            out.setdefault(cid, []).append({
                "id": r["id"], "sample": r["sample"], "baseline_passed": bres.get("status") == "passed",
                "evidence": "; ".join(res.get("evidence") or [])[:160]})
    for v in out.values():
        v.sort(key=lambda w: (not w["baseline_passed"], w["id"], w["sample"]))
    return out


def _rescored_changes(baseline: dict, scores: list[dict]) -> int:
    recorded = {(a["prompt_id"], a["sample"]): a.get("verdicts") or {} for a in baseline["answers"]}
    n = 0
    for r in scores:
        if r["system"] != "baseline":
            continue
        rec = recorded.get((r["id"], r["sample"]), {})
        now = {c: v["passed"] for c, v in r["checks"].items()}
        now[OVERALL] = r["overall"]["passed"]
        n += sum(1 for c, v in now.items() if c in rec and rec[c] != v)
    return n


# -- running a gate -------------------------------------------------------------------------
@dataclass
class GateInputs:
    """Where the candidate's answers come from."""

    baseline: str = str(DEFAULT_BASELINE)
    adapter: str | None = None
    run: str | None = None  # reuse a finished run folder's "tuned" answers
    base: str | None = None  # default: the baseline's base model name
    prompts: str | None = None
    limit: int | None = None
    out: str | None = None
    overrides: dict = field(default_factory=dict)  # generation fields that differ from the baseline's
    spec: str | None = None


def run_gate(inputs: GateInputs, cfg: GateConfig | None = None, progress=None, log=print) -> tuple[dict, Path]:
    """Generate or reuse the candidate's answers, score both sides, write gate.json. Returns (gate, out)."""
    from .compare import DEFAULT_PROMPTS, load_prompts, make_backend, run_compare
    from .generate import GenConfig

    baseline = load_baseline(inputs.baseline)
    cfg = cfg or GateConfig.from_dict(baseline["thresholds"], baseline["_path"])
    cfg.validate()
    out = Path(inputs.out or f"runs/gate-{time.strftime('%Y%m%d-%H%M%S')}")
    prov_b = baseline["provenance"]
    prompts_path = inputs.prompts or _baseline_prompts(prov_b, DEFAULT_PROMPTS) if not inputs.run else None
    if inputs.run:
        summary, scores, relation = _reuse_run(Path(inputs.run), baseline, out, inputs)
        prompts = None
    else:
        if not inputs.adapter:
            raise GateError("moviestyle gate needs --adapter CANDIDATE (or --run RUN_FOLDER to reuse answers)")
        prompts = load_prompts(prompts_path, inputs.limit)
        preset, relation = baseline_answers(baseline, prompts)
        if relation["missing"]:
            log(f"[yellow]{len(relation['missing'])} prompt(s) are not in the baseline "
                f"({', '.join(relation['missing'][:5])}): they are gated on floors only[/yellow]")
        gen_fields = dict(prov_b.get("generation") or {})
        unknown = set(inputs.overrides) - {f.name for f in fields(GenConfig)}
        if unknown:
            raise GateError(f"unknown generation setting(s) {sorted(unknown)}")
        gen_fields.update(inputs.overrides)
        gen = GenConfig(**{f.name: gen_fields[f.name] for f in fields(GenConfig) if f.name in gen_fields})
        base = inputs.base or (prov_b.get("base") or {}).get("name") or "smollm2-135m"
        backend = make_backend(prov_b.get("backend") or "hf", base, inputs.adapter, None, log=log)
        summary = run_compare(out, prompts, backend, gen, ["baseline", "tuned"], spec_path=inputs.spec,
                              progress=progress, log=log, preset=preset,
                              meta={"prompts": {"path": str(prompts_path)}, "adapter": inputs.adapter,
                                    "base": base, "baseline": baseline["name"]})
        scores = read_rows(out / "scores.jsonl")
    run_fp = fingerprint(summary["provenance"], judge_rubrics(out))
    drift = find_drift(baseline["fingerprint"], run_fp, subset_of_baseline=relation["subset"])
    gate = evaluate(summary, baseline, cfg, drift, scores, relation)
    judge_unscored_gate(gate, out, cfg)
    ident = summary["provenance"].get("backend") or {}
    cand = (ident.get("adapters") or {}).get("tuned") or {}
    gate.update({
        "baseline": {"name": baseline["name"], "path": _portable(baseline["_path"]),
                     "recorded": baseline.get("recorded"), "adapter": prov_b.get("adapter")},
        "candidate": {"adapter": _portable(cand.get("path")) if cand.get("path") else inputs.adapter,
                      "sha256": cand.get("sha256")},
        "n_prompts": summary["n_prompts"], "samples": summary["samples"],
        "min_detectable": summary.get("min_detectable"), "prompt_relation": relation,
        "run": str(out),
    })
    write_json_atomic(out / "gate.json", gate)
    return gate, out


def _baseline_prompts(prov: dict, default: Path) -> Path:
    """The baseline's prompt file: relative to moviestyle's checkout, then to the working directory."""
    rel = (prov.get("prompts") or {}).get("path")
    if not rel:
        return default
    for cand in (ROOT / rel, Path.cwd() / rel):
        if cand.exists():
            return cand
    raise GateError(f"the baseline's prompt file {rel!r} is not here; pass --prompts (or style_prompts) "
                    f"with the prompts it was recorded on")


def _reuse_run(run: Path, baseline: dict, out: Path, inputs: GateInputs) -> tuple[dict, list[dict], dict]:
    """Score a finished run's "tuned" answers against the baseline, into ``out``."""
    from .compare import finish_run
    from .generate import GenConfig

    src = read_summary(run)
    prov = src["provenance"]
    if "tuned" not in prov.get("systems", []):
        raise GateError(f"{run}: the run has no tuned answers to gate")
    cand = ((prov.get("backend") or {}).get("adapters") or {}).get("tuned") or {}
    if inputs.adapter:
        from .generate import adapter_identity

        want = adapter_identity(inputs.adapter)["sha256"]
        if cand.get("sha256") and cand["sha256"] != want:
            raise GateError(f"{run} holds answers of adapter {cand['sha256'][:12]}, not of --adapter "
                            f"{inputs.adapter} ({want[:12]}); drop --run or pass the matching adapter")
    gens = read_rows(run / "generations.jsonl")
    scored = read_rows(run / "scores.jsonl")
    prompts_by_id = {}
    for r in scored:
        prompts_by_id.setdefault(r["id"], {"id": r["id"], "prompt": r["prompt"],
                                           "liked_titles": r.get("liked_titles") or [],
                                           "liked_tastes": r.get("liked_tastes") or []})
    prompts = list(prompts_by_id.values())
    preset, relation = baseline_answers(baseline, prompts)
    answers = dict(preset)
    for g in gens:
        if g["system"] == "tuned":
            answers[(g["prompt_id"], "tuned", g["sample"])] = {**g, "system": "tuned"}
    gen = GenConfig(**{f.name: prov["generation"][f.name] for f in fields(GenConfig) if f.name in prov["generation"]})
    out.mkdir(parents=True, exist_ok=True)
    meta = {k: prov.get(k) for k in ("adapter", "base")}
    # the reused run's prompt fingerprint (it overrides the one computed from the rescored rows):
    # the gate's fingerprint must describe the reused answers, not this re-scoring
    meta["prompts"] = {k: v for k, v in (prov.get("prompts") or {}).items() if k != "n" and v}
    meta["reused_run"] = str(run)
    summary = finish_run(out, prompts, answers, ["baseline", "tuned"], load_spec(inputs.spec), prov.get("backend") or {},
                         gen, {"cached": len(answers), "generated": 0, "errors": 0}, 0.0, meta)
    if (run / "judge_summary.json").exists() and run.resolve() != out.resolve():
        (out / "judge_summary.json").write_text((run / "judge_summary.json").read_text(encoding="utf-8"),
                                                encoding="utf-8")
    return summary, read_rows(out / "scores.jsonl"), relation
