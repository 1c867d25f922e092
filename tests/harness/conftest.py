import subprocess

import pytest

from llama_server import start_llama_server


@pytest.fixture(scope="module")
def llama_server():
    proc, url = start_llama_server()
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def small_gate_run(tmp_path_factory):
    """The reference adapter's answers on six golden prompts (real SmolLM2), plus a baseline
    recorded from them. max_new_tokens 300 keeps these answers apart in the cache from the
    golden settings that tests/style gates on."""
    import json
    from pathlib import Path

    from harness.compare import DEFAULT_ADAPTER, DEFAULT_PROMPTS, load_prompts, make_backend, run_compare
    from harness.gate import record_baseline
    from harness.generate import GenConfig

    root = tmp_path_factory.mktemp("gate")
    prompts = load_prompts(DEFAULT_PROMPTS, 6)
    pfile = root / "prompts.jsonl"
    pfile.write_text("".join(json.dumps(p) + "\n" for p in prompts), encoding="utf-8")
    run = root / "run"
    backend = make_backend("hf", "smollm2-135m", str(DEFAULT_ADAPTER), None, log=lambda m: None)
    run_compare(run, prompts, backend, GenConfig(max_new_tokens=300), ["tuned"], log=lambda m: None,
                meta={"prompts": {"path": str(pfile)}, "adapter": str(DEFAULT_ADAPTER)})
    baseline = record_baseline(run, "small", out=root / "small.json")
    return {"root": root, "run": run, "baseline": baseline, "prompts": pfile, "adapter": Path(DEFAULT_ADAPTER)}
