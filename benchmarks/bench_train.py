"""Training throughput on CPU: our path against plain TRL SFTTrainer defaults.

Same model (SmolLM2 from the GGUF), same LoRA config, same examples, same number of
optimizer steps. Ours: pre-tokenised chats (assistant-only labels), length-grouped
batches; then the same with padding-free packing of each batch, and with bfloat16
autocast (a CPU with avx512_bf16 or AMX runs bf16 matrix products faster). Plain TRL: the `messages` dataset handed
to SFTTrainer with its defaults (random order, pad to the longest in each batch).
Tokens/s counts real (non-pad) tokens. Writes runs/bench/train.json.
BENCH_STEPS (default 6), BENCH_BATCH (default 4).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from datasets import Dataset
    from peft import LoraConfig
    from trl import SFTConfig, SFTTrainer

    from harness.models import load_model, resolve_model
    from training.config import ALL_LINEAR, TrainConfig
    from training.trainer import _sft_config, load_chat_jsonl, tokenise

    steps = int(os.environ.get("BENCH_STEPS", "6"))
    batch = int(os.environ.get("BENCH_BATCH", "4"))
    data = ROOT / "runs" / "data" / "train.jsonl"
    if not data.exists():
        print("run `make data` first (runs/data/train.jsonl)")
        return 2
    convs = load_chat_jsonl(data)[: steps * batch * 4]
    src = resolve_model("smollm2-135m")
    results = {}
    variants = ("plain_trl_defaults", "ours_grouped", "ours_grouped_padding_free", "ours_grouped_bf16_autocast")
    for variant in variants:
        model, tok = load_model(src, log=lambda m: None)
        tok.pad_token = tok.pad_token or tok.eos_token
        lora = LoraConfig(task_type="CAUSAL_LM", r=16, lora_alpha=32, lora_dropout=0.0, target_modules=ALL_LINEAR)
        with tempfile.TemporaryDirectory() as tmp:
            if variant == "plain_trl_defaults":
                ds = Dataset.from_list([{"messages": m} for m in convs])
                args = SFTConfig(output_dir=tmp, per_device_train_batch_size=batch, max_steps=steps, report_to=[],
                                 disable_tqdm=True, use_cpu=True, save_strategy="no", logging_steps=steps,
                                 learning_rate=2e-4, seed=0)
            else:
                tr = tokenise(tok, convs, 512)
                ds = Dataset.from_list(tr.rows)
                cfg = TrainConfig(output_dir=tmp, batch_size=batch, max_steps=steps, save_steps=10 ** 6,
                                  eval_steps=0, logging_steps=steps, padding_free=variant.endswith("padding_free"),
                                  dtype="bfloat16" if "bf16" in variant else "float32")
                args = _sft_config(cfg, has_eval=False, use_cpu=True)
                args.save_strategy = "no"
            trainer = SFTTrainer(model=model, args=args, train_dataset=ds, processing_class=tok, peft_config=lora)
            # tokens in exactly the batches the run will see
            dl = trainer.get_train_dataloader()
            real_tokens, padded = 0, 0
            for i, b in enumerate(dl):
                if i >= steps:
                    break
                padded += int(b["input_ids"].numel())
                real_tokens += int(b["attention_mask"].sum()) if "attention_mask" in b else int(b["input_ids"].numel())
            t0 = time.perf_counter()
            trainer.train()
            dt = time.perf_counter() - t0
        results[variant] = {"steps": steps, "seconds": round(dt, 1), "real_tokens": real_tokens,
                            "padded_tokens": padded, "tokens_per_second": round(real_tokens / dt, 1)}
        print(variant, results[variant], flush=True)
    base = results["plain_trl_defaults"]["tokens_per_second"]
    for v in results.values():
        v["speedup"] = round(v["tokens_per_second"] / base, 2)
    print(f"{'variant':<28} {'s':>7} {'real tok':>9} {'padded':>8} {'tok/s':>7} {'speedup':>8}")
    for k, v in results.items():
        print(f"{k:<28} {v['seconds']:>7} {v['real_tokens']:>9} {v['padded_tokens']:>8} {v['tokens_per_second']:>7} "
              f"{v['speedup']:>7}x")
    out = ROOT / "runs" / "bench" / "train.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"batch": batch, "cores": os.cpu_count(), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
