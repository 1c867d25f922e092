"""Training smoke tests: a tiny random Llama (seconds) and the real SmolLM2 GGUF (slow)."""

import json

import pytest
import torch

from training.config import TrainConfig
from training.trainer import TrainError, load_chat_jsonl, train_model
from checks.errors import InputError

EXAMPLES = [
    {"messages": [{"role": "user", "content": f"I loved film number {i}. More?"},
                  {"role": "assistant", "content": f"You have to watch **Film {i + 1}** ({1990 + i})!\n"
                                                   "Why it fits:\n- same energy\n- great cast"}]}
    for i in range(12)
]


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _cfg(tmp_path, base, **kw):
    data = _write(tmp_path / "train.jsonl", EXAMPLES)
    ev = _write(tmp_path / "eval.jsonl", EXAMPLES[:2])
    return TrainConfig(base_model=str(base), train_file=str(data), eval_file=str(ev),
                       output_dir=str(tmp_path / "out"), max_steps=kw.pop("max_steps", 4), batch_size=2,
                       logging_steps=1, eval_steps=0, save_steps=2, learning_rate=1e-2, **kw)


def test_tiny_llama_lora_changes_adapter_not_base_and_generates(tmp_path, tiny_llama_dir):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = AutoModelForCausalLM.from_pretrained(tiny_llama_dir)
    before = {k: v.clone() for k, v in base.state_dict().items()}
    cfg = _cfg(tmp_path, tiny_llama_dir)
    record, model = train_model(cfg, quiet=True, log=lambda m: None)
    assert record["timing"]["steps"] == 4
    lora = {k: v for k, v in model.state_dict().items() if "lora_" in k}
    assert lora, "no LoRA weights"
    assert any(v.abs().sum() > 0 for k, v in lora.items() if "lora_B" in k), "LoRA B never left zero"
    base_after = {k.replace("base_model.model.", "").replace(".base_layer", ""): v
                  for k, v in model.state_dict().items() if "lora_" not in k}
    for k, v in before.items():
        assert torch.equal(base_after[k], v), f"base weight {k} changed"
    out = tmp_path / "out"
    assert (out / "adapter_model.safetensors").exists() and (out / "adapter_config.json").exists()
    run = json.loads((out / "training_run.json").read_text())
    for key in ("config", "data", "base_model", "chat_template_sha256", "versions", "timing", "losses"):
        assert key in run
    assert run["data"]["train_sha256"] and run["base_model"]["sha256"]
    assert (out / "loss_curve.png").stat().st_size > 1000
    # reload the saved adapter on a fresh base and generate with it
    tok = AutoTokenizer.from_pretrained(tiny_llama_dir)
    reloaded = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_llama_dir), str(out))
    ids = tok("Hello", return_tensors="pt")
    gen = reloaded.generate(**ids, max_new_tokens=5, do_sample=False)
    assert gen.shape[1] > ids["input_ids"].shape[1]
    saved = {k: v for k, v in reloaded.state_dict().items() if "lora_B" in k}
    assert saved and all(torch.allclose(v, lora[k]) for k, v in saved.items())


def test_seeded_runs_are_identical(tmp_path, tiny_llama_dir):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _, model_a = train_model(_cfg(tmp_path / "a", tiny_llama_dir), quiet=True, log=lambda m: None)
    _, model_b = train_model(_cfg(tmp_path / "b", tiny_llama_dir), quiet=True, log=lambda m: None)
    la = {k: v for k, v in model_a.state_dict().items() if "lora_" in k}
    lb = {k: v for k, v in model_b.state_dict().items() if "lora_" in k}
    assert all(torch.allclose(la[k], lb[k]) for k in la)


def test_resume_continues_from_checkpoint(tmp_path, tiny_llama_dir):
    cfg = _cfg(tmp_path, tiny_llama_dir, max_steps=2)
    train_model(cfg, quiet=True, log=lambda m: None)
    cfg.max_steps = 4
    logs = []
    record, _ = train_model(cfg, resume=True, quiet=True, log=logs.append)
    assert record["resumed_from"].endswith("checkpoint-2")
    assert record["timing"]["steps"] == 4


def test_overlong_examples_are_counted_not_truncated(tmp_path, tiny_llama_dir):
    cfg = _cfg(tmp_path, tiny_llama_dir, max_steps=1)
    rows = EXAMPLES + [{"messages": [{"role": "user", "content": "long " * 600},
                                     {"role": "assistant", "content": "ok"}]}]
    _write(tmp_path / "train.jsonl", rows)
    cfg.max_seq_len = 256
    record, _ = train_model(cfg, quiet=True, log=lambda m: None)
    assert record["data"]["skipped_overlong"]["train"] == 1
    assert record["data"]["train_examples"] == len(EXAMPLES)


@pytest.mark.parametrize("line,field", [
    ('{"messages": [{"role": "user", "content": "hi"}]}', "messages"),          # no answer
    ('{"messages": [{"role": "bot", "content": "hi"}]}', "messages[0].role"),  # unknown role
    ('{"messages": "hi"}', "messages"),                                           # not a list
    ('{"msgs": []}', "messages"),                                                 # missing
])
def test_malformed_training_lines_name_file_and_line(tmp_path, line, field):
    p = tmp_path / "t.jsonl"
    p.write_text(json.dumps(EXAMPLES[0]) + "\n" + line + "\n")
    with pytest.raises(InputError) as exc:
        load_chat_jsonl(p)
    assert exc.value.line == 2 and exc.value.field == field


@pytest.mark.slow
def test_real_smollm2_gguf_takes_lora_steps(tmp_path):
    cfg = _cfg(tmp_path, "smollm2-135m", max_steps=2)
    cfg.learning_rate = 2e-4
    record, model = train_model(cfg, quiet=True, log=lambda m: None)
    assert record["base_model"]["kind"] == "embedded-gguf"
    assert record["timing"]["steps"] == 2
    assert any(v.abs().sum() > 0 for k, v in model.state_dict().items() if "lora_B" in k)


def test_unsloth_backend_refused_without_gpu(tmp_path, tiny_llama_dir):
    if torch.cuda.is_available():
        pytest.skip("CPU-only behaviour")
    cfg = _cfg(tmp_path, tiny_llama_dir, backend="unsloth")
    with pytest.raises(TrainError, match="CUDA"):
        train_model(cfg, quiet=True)


@pytest.mark.gpu
def test_unsloth_backend_on_gpu(tmp_path):
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    pytest.importorskip("unsloth")
    cfg = _cfg(tmp_path, "smollm2-135m", backend="unsloth", max_steps=2, dtype="bfloat16")
    record, _ = train_model(cfg, quiet=True, log=lambda m: None)
    assert record["backend"] == "unsloth"
