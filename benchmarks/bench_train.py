"""Training throughput on CPU: our path against plain TRL SFTTrainer defaults.

Same model (SmolLM2 from the GGUF), same LoRA config, same optimizer and learning rate,
same number of optimizer steps of the same batch size, drawn from the same examples.

* plain TRL: the `messages` dataset handed to SFTTrainer with its defaults (random order,
  pad to the longest in each batch, loss on every token, TRL's fused LM head: on a CPU it
  projects every position through the 49k-token head and recomputes it in the backward).
  TRL's SFTConfig defaults also turn on bf16 autocast (mixed precision) and gradient
  checkpointing, on a CPU too; plain TRL runs with both.
* ours (TrainConfig's defaults, float32 like the reference recipe): pre-tokenised chats
  (assistant-only labels), length-grouped batches, `label_only_lm_head` (the LM head and
  loss computed only at the positions that carry a label: the same loss value), no
  gradient checkpointing; then with padding-free packing of each batch, and with bfloat16
  autocast (`dtype = "bfloat16"`: a CPU with avx512_bf16 or AMX runs bf16 products faster).
* before: our path as it was (TRL's fused head, TRL's default gradient checkpointing).

tokens/s counts real (non-pad) tokens the optimizer steps consumed (TRL's own `num_tokens`
count), over the steps after the first: the first step of every variant (allocator and
oneDNN warm-up) is excluded alike. Each variant runs BENCH_REPEATS times, the variants
interleaved (order reversed every other repeat), each run in its own process (model loaded
afresh; nothing carried over); the table gives the median. Writes runs/bench/train.json.

Peak RSS is sampled while each variant trains. BENCH_STEPS (default 6: 1 warm-up + 5 timed),
BENCH_BATCH (default 4), BENCH_REPEATS (default 3), BENCH_VARIANTS (comma-separated, from
VARIANTS below; plain TRL is always run).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "runs" / "data" / "train.jsonl"

# name -> TrainConfig overrides for our path (None: plain TRL defaults). "before": the path as it
# was (TRL's fused head, TRL's default gradient checkpointing); the rest: TrainConfig's defaults.
BEFORE = {"label_only_lm_head": False, "gradient_checkpointing": True}
VARIANTS = {
    "plain_trl_defaults": None,
    "before_grouped": BEFORE,
    "before_grouped_padding_free": {**BEFORE, "padding_free": True},
    "before_grouped_bf16": {**BEFORE, "dtype": "bfloat16"},
    "ours_grouped": {},
    "ours_grouped_padding_free": {"padding_free": True},
    "ours_grouped_bf16": {"dtype": "bfloat16"},
    # one change at a time, for attribution
    "ablation_label_head_only": {"gradient_checkpointing": True},
    "ablation_no_checkpointing_only": {"label_only_lm_head": False},
}
DEFAULT = ("plain_trl_defaults", "before_grouped", "before_grouped_bf16", "ours_grouped", "ours_grouped_padding_free",
           "ours_grouped_bf16")


class PeakRSS:
    """Peak resident memory of this process while the block runs (sampled every 20 ms; Linux)."""

    def __enter__(self):
        import threading

        self.peak, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._stop.wait(0.02):
            try:
                rss = int(Path("/proc/self/statm").read_text().split()[1]) * page
            except (OSError, ValueError, IndexError):
                return
            self.peak = max(self.peak, rss)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_variant(name: str, steps: int, batch: int) -> dict:
    """One variant in this (fresh) process: timings and the peak RSS while training."""
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import TrainerCallback
    from trl import SFTConfig, SFTTrainer

    from harness.models import load_model, resolve_model
    from training.config import ALL_LINEAR, TrainConfig
    from training.trainer import _sft_config, load_chat_jsonl, sft_trainer_class, tokenise

    convs = load_chat_jsonl(DATA)[: steps * batch * 4]
    model, tok = load_model(resolve_model("smollm2-135m"), log=lambda m: None)
    tok.pad_token = tok.pad_token or tok.eos_token
    lora = LoraConfig(task_type="CAUSAL_LM", r=16, lora_alpha=32, lora_dropout=0.0, target_modules=ALL_LINEAR)
    with tempfile.TemporaryDirectory() as tmp:
        if VARIANTS[name] is None:
            ds = Dataset.from_list([{"messages": m} for m in convs])
            args = SFTConfig(output_dir=tmp, per_device_train_batch_size=batch, max_steps=steps, report_to=[],
                             disable_tqdm=True, use_cpu=True, save_strategy="no", logging_steps=steps,
                             learning_rate=2e-4, seed=0)
            cls = SFTTrainer
        else:
            ds = Dataset.from_list(tokenise(tok, convs, 512).rows)
            cfg = TrainConfig(output_dir=tmp, batch_size=batch, max_steps=steps, save_steps=10 ** 6, eval_steps=0,
                              logging_steps=steps, **VARIANTS[name])
            args = _sft_config(cfg, has_eval=False, use_cpu=True)
            args.save_strategy = "no"
            cls = sft_trainer_class(cfg.label_only_lm_head)
        trainer = cls(model=model, args=args, train_dataset=ds, processing_class=tok, peft_config=lora)
        marks = []  # (seconds, real tokens so far) at the end of every optimizer step

        class Clock(TrainerCallback):
            def on_step_end(self, args, state, control, **kw):
                marks.append((time.perf_counter(), trainer._total_train_tokens))

        trainer.add_callback(Clock())
        t0 = time.perf_counter()
        with PeakRSS() as mem:
            trainer.train()
        total = time.perf_counter() - t0
    (t1, k1), (tn, kn) = marks[0], marks[-1]
    return {"seconds_total": round(total, 1), "first_step_seconds": round(t1 - t0, 1),
            "timed_steps": len(marks) - 1, "timed_seconds": round(tn - t1, 1), "timed_real_tokens": kn - k1,
            "tokens_per_second": round((kn - k1) / (tn - t1), 1),
            "peak_rss_mib": round(mem.peak / 2 ** 20) if mem.peak else None}


def main() -> int:
    import subprocess

    steps = int(os.environ.get("BENCH_STEPS", "6"))
    batch = int(os.environ.get("BENCH_BATCH", "4"))
    repeats = int(os.environ.get("BENCH_REPEATS", "3"))
    wanted = [v for v in os.environ.get("BENCH_VARIANTS", ",".join(DEFAULT)).split(",") if v]
    unknown = set(wanted) - set(VARIANTS)
    if unknown or steps < 2:
        print(f"unknown variant(s) {sorted(unknown)}; known: {', '.join(VARIANTS)}" if unknown else "BENCH_STEPS >= 2")
        return 2
    names = ["plain_trl_defaults"] + [v for v in VARIANTS if v in wanted and v != "plain_trl_defaults"]
    if not DATA.exists():
        print("run `make data` first (runs/data/train.jsonl)")
        return 2
    runs: dict[str, list[dict]] = {n: [] for n in names}
    for r in range(repeats):
        for name in names if r % 2 == 0 else names[::-1]:
            # each variant in its own process: no allocator, oneDNN or accelerate state carried over
            proc = subprocess.run([sys.executable, __file__, "--one", name, str(steps), str(batch)],
                                  capture_output=True, text=True)
            line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
            if proc.returncode or line is None:
                print(f"{name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
                return 1
            res = json.loads(line[len("RESULT "):])
            runs[name].append(res)
            print(f"repeat {r + 1}/{repeats} {name} {res}", flush=True)
    results = {}
    for name, rs in runs.items():
        tps = [x["tokens_per_second"] for x in rs]
        results[name] = {"median_tokens_per_second": round(statistics.median(tps), 1), "tokens_per_second": tps,
                         "median_step_seconds": round(statistics.median(x["timed_seconds"] / x["timed_steps"]
                                                                        for x in rs), 2),
                         "max_peak_rss_mib": max((x["peak_rss_mib"] or 0) for x in rs) or None,
                         "config": VARIANTS[name], "repeats": rs}
    base = results["plain_trl_defaults"]["median_tokens_per_second"]
    for v in results.values():
        v["speedup"] = round(v["median_tokens_per_second"] / base, 2)
    print(f"\n{steps} steps of {batch} (first excluded), median of {repeats}:")
    print(f"{'variant':<32} {'s/step':>7} {'tok/s':>7} {'runs':>22} {'speedup':>8} {'peak RSS':>9}")
    for k, v in results.items():
        print(f"{k:<32} {v['median_step_seconds']:>7} {v['median_tokens_per_second']:>7} "
              f"{'/'.join(str(x) for x in v['tokens_per_second']):>22} {v['speedup']:>7}x "
              f"{v['max_peak_rss_mib'] or '?':>5} MiB")
    out = ROOT / "runs" / "bench" / "train.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"steps": steps, "batch": batch, "repeats": repeats, "cores": os.cpu_count(),
                               "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--one":
        print("RESULT " + json.dumps(run_variant(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))), flush=True)
        raise SystemExit(0)
    raise SystemExit(main())
