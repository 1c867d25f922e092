"""Generation throughput (tokens/s) on the same prompts and cores:

1. naive: one prompt at a time, plain ``model.generate`` (the baseline);
2. hf backend: prompts sorted by length, batched with left padding (what compare uses);
3. llama.cpp (llama-cpp-python) running the same GGUF file, one prompt at a time.

Greedy, the same max_new_tokens; tokens counted up to the end-of-turn token.
Writes runs/bench/generate.json. BENCH_PROMPTS (default 16), BENCH_TOKENS (default 128).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.chat import prompt_messages, render_prompt  # noqa: E402
from harness.compare import DEFAULT_PROMPTS, load_prompts  # noqa: E402
from harness.generate import GenConfig, HFBackend, Request  # noqa: E402
from harness.models import load_model, resolve_model  # noqa: E402


def main() -> int:
    import torch

    n = int(os.environ.get("BENCH_PROMPTS", "16"))
    max_new = int(os.environ.get("BENCH_TOKENS", "128"))
    prompts = load_prompts(DEFAULT_PROMPTS, n)
    src = resolve_model("smollm2-135m")
    model, tok = load_model(src, log=lambda m: None)
    model.eval()
    torch.set_grad_enabled(False)
    results = {}

    # 1. naive loop
    t0, toks = time.perf_counter(), 0
    for p in prompts:
        enc = tok(render_prompt(tok, prompt_messages(p["prompt"])), return_tensors="pt", add_special_tokens=False)
        out = model.generate(**enc, max_new_tokens=max_new, do_sample=False, pad_token_id=tok.eos_token_id)
        ids = out[0, enc["input_ids"].shape[1]:].tolist()
        toks += ids.index(tok.eos_token_id) if tok.eos_token_id in ids else len(ids)
    dt = time.perf_counter() - t0
    results["naive_hf_loop"] = {"tokens": toks, "seconds": round(dt, 2), "tokens_per_second": round(toks / dt, 1)}

    # 2. the hf backend (batched, sorted, left padding)
    for bs in (8, 16, 32):
        backend = HFBackend("smollm2-135m", log=lambda m: None)
        backend.model, backend.tok = model, tok
        tok.padding_side = "left"
        got = []
        t0 = time.perf_counter()
        backend.generate([Request(p["id"], p["prompt"], "base") for p in prompts],
                         GenConfig(max_new_tokens=max_new, batch_size=bs), got.append)
        dt = time.perf_counter() - t0
        toks = sum(a.tokens for a in got)
        results[f"hf_backend_batch{bs}"] = {"tokens": toks, "seconds": round(dt, 2),
                                            "tokens_per_second": round(toks / dt, 1)}

    # 3. llama.cpp on the same GGUF
    try:
        from llama_cpp import Llama

        llm = Llama(model_path=f"{src.path}/{src.gguf_file}", n_ctx=2048, n_threads=os.cpu_count(), verbose=False)
        t0, toks = time.perf_counter(), 0
        for p in prompts:
            r = llm.create_chat_completion(messages=prompt_messages(p["prompt"]), max_tokens=max_new, temperature=0.0)
            toks += r["usage"]["completion_tokens"]
        dt = time.perf_counter() - t0
        results["llama_cpp_gguf_q4_1"] = {"tokens": toks, "seconds": round(dt, 2),
                                          "tokens_per_second": round(toks / dt, 1)}
    except ImportError:
        results["llama_cpp_gguf_q4_1"] = {"skipped": "llama-cpp-python not installed (make llama-server)"}

    base = results["naive_hf_loop"]["tokens_per_second"]
    print(f"{'method':<24} {'tokens':>7} {'seconds':>8} {'tok/s':>7} {'vs naive':>9}")
    for k, v in results.items():
        if "skipped" in v:
            print(f"{k:<24} {v['skipped']}")
            continue
        v["speedup_vs_naive"] = round(v["tokens_per_second"] / base, 2)
        print(f"{k:<24} {v['tokens']:>7} {v['seconds']:>8} {v['tokens_per_second']:>7} {v['speedup_vs_naive']:>8}x")
    out = ROOT / "runs" / "bench" / "generate.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"prompts": n, "max_new_tokens": max_new, "cores": os.cpu_count(),
                               "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
