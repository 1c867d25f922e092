"""The whole `compare` on the real SmolLM2 (a few prompts, short answers) and its bad-input errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "golden" / "adapters" / "smollm2-movie"


def cli(*args, env=None):
    import os

    e = {**os.environ, "NO_COLOR": "1", "COLUMNS": "140", **(env or {})}
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True, cwd=ROOT, env=e)


@pytest.fixture(scope="module")
def random_adapter(tmp_path_factory):
    """A LoRA adapter for SmolLM2 that was never trained (B = 0: answers equal the base's)."""
    import torch
    from peft import LoraConfig, get_peft_model

    from harness.models import load_model, resolve_model

    torch.manual_seed(0)
    model, _ = load_model(resolve_model("smollm2-135m"), log=lambda m: None)
    path = tmp_path_factory.mktemp("adapter")
    get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"],
                                     task_type="CAUSAL_LM")).save_pretrained(path)
    return path


@pytest.mark.slow
def test_compare_end_to_end_then_from_cache(tmp_path, random_adapter):
    out = tmp_path / "run"
    args = ("compare", "--adapter", str(random_adapter), "--limit", "2", "--max-new-tokens", "24", "--out", str(out),
            "--json")
    res = cli(*args)
    assert res.returncode == 0, res.stderr[-3000:]
    summary = json.loads(res.stdout)
    for name in ("generations.jsonl", "scores.jsonl", "summary.json", "report.html"):
        assert (out / name).exists(), name
    prov = summary["provenance"]
    assert prov["backend"]["base"]["sha256"] and prov["backend"]["chat_template_sha256"]
    assert prov["backend"]["adapters"]["tuned"]["sha256"]
    gens = [json.loads(l) for l in (out / "generations.jsonl").read_text().splitlines()]
    assert len(gens) == 4 and {g["system"] for g in gens} == {"base", "tuned"}
    # an untrained adapter (B = 0) answers exactly like the base: one loaded model, adapter on/off
    by = {(g["prompt_id"], g["system"]): g["response"] for g in gens}
    assert by[(gens[0]["prompt_id"], "base")] == by[(gens[0]["prompt_id"], "tuned")]
    res = cli(*args)  # rerun: everything from the cache
    again = json.loads(res.stdout)
    assert again["timing"]["cache"]["generated"] == 0 and again["timing"]["cache"]["cached"] == 4


@pytest.mark.parametrize("args,needle", [
    (("--base", "no-such-model"), "unknown model 'no-such-model'"),
    (("--adapter", "/nonexistent/adapter"), "not a LoRA adapter folder"),
    (("--prompts", "golden/style.toml"), "not valid JSON"),
    (("--backend", "openai", "--url", "http://127.0.0.1:9/v1", "--base-model-name", "a", "--tuned-model-name", "b"),
     "cannot reach"),
])
def test_bad_input_is_a_clear_error_before_long_work(tmp_path, args, needle):
    res = cli("compare", "--limit", "1", "--out", str(tmp_path / "r"), *args)
    assert res.returncode == 2, res.stderr
    assert needle in res.stderr


@pytest.mark.slow
def test_adapter_for_another_base_is_refused(tmp_path):
    """An adapter trained on a different (tiny) Llama has the wrong shapes for SmolLM2."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    tiny = LlamaForCausalLM(LlamaConfig(vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                        num_attention_heads=4, num_key_value_heads=2))
    path = tmp_path / "wrong"
    get_peft_model(tiny, LoraConfig(r=2, target_modules=["q_proj"], task_type="CAUSAL_LM")).save_pretrained(path)
    res = cli("compare", "--adapter", str(path), "--limit", "1", "--out", str(tmp_path / "r"))
    assert res.returncode == 2 and "trained for another base model" in res.stderr


@pytest.mark.slow
def test_candidate_against_previous_adapter(tmp_path, random_adapter):
    out = tmp_path / "run"
    res = cli("compare", "--adapter", str(REFERENCE), "--against", str(random_adapter), "--limit", "1",
              "--max-new-tokens", "16", "--out", str(out), "--json", "--no-html")
    assert res.returncode == 0, res.stderr[-3000:]
    summary = json.loads(res.stdout)
    assert summary["pairs"] == ["base->tuned", "against->tuned"]
    assert set(summary["provenance"]["backend"]["adapters"]) == {"tuned", "against"}
    gens = [json.loads(l) for l in (out / "generations.jsonl").read_text().splitlines()]
    assert {g["system"] for g in gens} == {"base", "tuned", "against"}


@pytest.mark.slow
def test_ctrl_c_keeps_what_was_generated(tmp_path, random_adapter):
    import os
    import signal
    import time

    out = tmp_path / "run"
    env = {**os.environ, "NO_COLOR": "1", "MOVIESTYLE_CACHE": str(tmp_path / "cache")}
    # the converted weights are reused from the normal cache so the test stays fast
    from harness.models import _converted_dir, resolve_model

    conv = _converted_dir(resolve_model("smollm2-135m"))
    (tmp_path / "cache" / "models").mkdir(parents=True)
    (tmp_path / "cache" / "models" / conv.name).symlink_to(conv)
    args = [sys.executable, "-m", "harness.cli", "compare", "--adapter", str(random_adapter), "--limit", "6",
            "--max-new-tokens", "24", "--batch-size", "1", "--out", str(out), "--no-html"]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    gen = out / "generations.jsonl"
    deadline = time.time() + 240
    while time.time() < deadline and not (gen.exists() and len(gen.read_text().splitlines()) >= 2):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-2000:]
    kept = [json.loads(l) for l in gen.read_text().splitlines()]
    assert 2 <= len(kept) < 12  # interrupted part-way, finished answers on disk
    res = subprocess.run([*args, "--json"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    timing = json.loads(res.stdout)["timing"]["cache"]
    assert timing["cached"] >= len(kept) and timing["cached"] + timing["generated"] == 12


def test_compare_with_an_unreachable_judge_fails_before_generating(tmp_path):
    from llama_server import free_port

    out = tmp_path / "run"
    res = cli("compare", "--limit", "1", "--judge", f"http://127.0.0.1:{free_port()}/v1", "--out", str(out))
    assert res.returncode == 2 and "cannot reach the judge" in res.stderr
    assert not (out / "generations.jsonl").exists()


@pytest.mark.slow
def test_compare_with_the_local_judge_writes_and_reports_the_judge_section(tmp_path):
    out = tmp_path / "run"
    res = cli("compare", "--limit", "1", "--max-new-tokens", "24", "--judge", "smollm2-135m", "--out", str(out))
    assert res.returncode == 0, res.stderr[-3000:]
    js = json.loads((out / "judge_summary.json").read_text())
    assert js["judge"]["rubric_versions"]
    assert (out / "judge.jsonl").exists()
    assert "judge" in res.stdout.lower() and "helpfulness" in res.stdout
    res = cli("report", str(out))  # the judge section comes back from the saved files
    assert res.returncode == 0 and "helpfulness" in res.stdout


@pytest.mark.slow
def test_generating_in_process_leaves_autograd_on(random_adapter):
    """The hf backend runs inside pytest sessions (style_run) and beside training: it must not
    switch autograd off for the whole process."""
    import torch

    from harness.generate import GenConfig, HFBackend, Request

    backend = HFBackend("smollm2-135m", str(random_adapter), log=lambda m: None)
    got = []
    backend.generate([Request("p", "Any heist movies?", "tuned")], GenConfig(max_new_tokens=4), got.append)
    assert got and torch.is_grad_enabled()
