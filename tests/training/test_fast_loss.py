"""The label-position LM head (``label_only_lm_head``): the same loss, gradients and metrics
as the full logits, only less work."""

import json

import pytest
import torch

from training.trainer import _backbone_and_head, label_position_loss, load_chat_jsonl, tokenise, train_model
from training.config import TrainConfig

# chats whose prompts and answers differ in length, so batches have padding and masked prompts
EXAMPLES = [
    {"messages": [{"role": "user", "content": f"I loved film number {i}." + " Really loved it." * (i % 4) + " More?"},
                  {"role": "assistant", "content": f"You have to watch **Film {i + 1}** ({1990 + i})!\n"
                                                   "Why it fits:\n- same energy\n- great cast" + "\n- and more" * (i % 3)}]}
    for i in range(12)
]


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _collate(tok, convs, padding_free=False):
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    rows = tokenise(tok, convs, 1024).rows
    return DataCollatorForLanguageModeling(pad_token_id=tok.pad_token_id, padding_free=padding_free).torch_call(rows)


def _full_logits_loss(hidden, head, labels, num_items_in_batch=None):
    """The reference: every position through the head, then transformers' causal-LM loss."""
    from transformers.loss.loss_utils import ForCausalLMLoss

    logits = head(hidden).float()
    return ForCausalLMLoss(logits, labels, vocab_size=logits.size(-1), num_items_in_batch=num_items_in_batch)


def _compare(model, batch):
    backbone, head = _backbone_and_head(model)
    labels = batch["labels"]
    inputs = {k: v for k, v in batch.items() if k != "labels"}
    with torch.no_grad():
        hidden = backbone(**inputs).last_hidden_state
    results = {}
    for name, fn in (("full", _full_logits_loss), ("label_positions", lambda h, hd, y, n: label_position_loss(h, hd, y, n)[0])):
        for n_items in (None, int((labels[:, 1:] != -100).sum()) * 3):
            h = hidden.clone().requires_grad_(True)
            loss = fn(h, head, labels, n_items)
            loss.backward()
            results[name, n_items] = (loss.item(), h.grad)
    return results, hidden, labels


@pytest.mark.slow
def test_label_position_loss_equals_full_logits_loss_on_a_real_batch(tmp_path):
    """Real SmolLM2, real training chats: loss to 1e-5 and gradients to float32 precision."""
    from harness.models import load_model, resolve_model
    from training.data import build

    build(tmp_path, n_train=8, seed=0)
    convs = load_chat_jsonl(tmp_path / "train.jsonl")[:4]
    model, tok = load_model(resolve_model("smollm2-135m"), log=lambda m: None)
    model.eval()
    batch = _collate(tok, convs)
    assert (batch["labels"] == -100).any() and (batch["attention_mask"] == 0).any()  # prompt and padding masked
    results, hidden, labels = _compare(model, batch)
    for n_items in (None, int((labels[:, 1:] != -100).sum()) * 3):
        full, grad_full = results["full", n_items]
        ours, grad_ours = results["label_positions", n_items]
        assert 0.1 < full < 10
        assert abs(full - ours) < 1e-5, (n_items, full, ours)
        assert torch.allclose(grad_full, grad_ours, rtol=1e-4, atol=1e-8)
    # and the model's own forward (full logits, its own loss) agrees
    with torch.no_grad():
        own = model(**batch).loss.item()
    assert abs(own - results["label_positions", None][0]) < 1e-5
    # TRL's CPU fused head: the loss SFTTrainer computes without the option
    from trl.trainer.utils import add_fused_lm_head

    add_fused_lm_head(model, outputs=("log_probs", "entropy", "is_top1"))
    with torch.no_grad():
        trl_out = model(**batch, fused_lm_head=True)
        _, n_valid, entropy_sum, n_top1 = label_position_loss(hidden, model.lm_head, labels)
    assert abs(trl_out.loss.item() - results["label_positions", None][0]) < 1e-5
    assert int(trl_out.label_mask.sum()) == int(n_valid)
    assert abs(trl_out.entropy.sum().item() / int(n_valid) - entropy_sum.item() / int(n_valid)) < 1e-4
    assert int(trl_out.is_top1.sum()) == int(n_top1)


def test_label_position_loss_matches_full_logits_padding_free(tiny_llama_dir, smol_tokenizer):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_llama_dir)
    convs = [e["messages"] for e in EXAMPLES[:4]]
    for padding_free in (False, True):
        results, _, _ = _compare(model, _collate(smol_tokenizer, convs, padding_free=padding_free))
        for n_items in {k[1] for k in results}:
            assert abs(results["full", n_items][0] - results["label_positions", n_items][0]) < 1e-5
            assert torch.allclose(results["full", n_items][1], results["label_positions", n_items][1],
                                  rtol=1e-4, atol=1e-8)


def test_no_labelled_token_gives_a_finite_zero(tiny_llama_dir):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_llama_dir)
    hidden = torch.randn(2, 5, model.config.hidden_size, requires_grad=True)
    loss, n, _, _ = label_position_loss(hidden, model.lm_head, torch.full((2, 5), -100))
    loss.backward()
    assert loss.item() == 0.0 and int(n) == 0 and hidden.grad.abs().sum() == 0


def test_models_that_transform_their_logits_keep_trls_loss(tiny_llama_dir):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_llama_dir)
    assert _backbone_and_head(model) is not None
    model.config.final_logit_softcapping = 30.0
    assert _backbone_and_head(model) is None
    assert _backbone_and_head(torch.nn.Linear(2, 2)) is None


@pytest.mark.parametrize("padding_free", [False, True])
def test_training_curves_identical_with_and_without(tmp_path, tiny_llama_dir, padding_free, monkeypatch):
    """Same seed, same data: the option changes neither the loss curve, the logged metrics nor
    the trained adapter beyond float rounding."""
    import training.trainer as trainer_module

    calls = []
    real = trainer_module.label_position_loss
    monkeypatch.setattr(trainer_module, "label_position_loss", lambda *a, **k: calls.append(1) or real(*a, **k))
    data = _write(tmp_path / "train.jsonl", EXAMPLES)
    ev = _write(tmp_path / "eval.jsonl", EXAMPLES[:4])
    runs = {}
    for flag in (False, True):
        cfg = TrainConfig(base_model=str(tiny_llama_dir), train_file=str(data), eval_file=str(ev),
                          output_dir=str(tmp_path / f"out-{flag}"), max_steps=5, batch_size=3, logging_steps=1,
                          eval_steps=0, save_steps=100, learning_rate=1e-2, padding_free=padding_free,
                          label_only_lm_head=flag)
        calls.clear()
        record, model = train_model(cfg, quiet=True, log=lambda m: None)
        assert bool(calls) == flag  # training steps and the final eval went through it, or never
        runs[flag] = (record, {k: v for k, v in model.state_dict().items() if "lora_" in k})
    (off, lora_off), (on, lora_on) = runs[False], runs[True]
    logged = [h for h in off["history"] if "loss" in h]
    assert len(logged) == 5
    for a, b in zip(logged, [h for h in on["history"] if "loss" in h]):
        for key in ("loss", "entropy", "mean_token_accuracy", "num_tokens", "grad_norm"):
            assert a[key] == pytest.approx(b[key], rel=1e-4, abs=1e-5), (key, a, b)
    assert on["losses"]["final_eval_loss"] == pytest.approx(off["losses"]["final_eval_loss"], abs=1e-5)
    assert all(torch.allclose(lora_off[k], lora_on[k], atol=1e-5) for k in lora_off)
    assert json.loads((tmp_path / "out-True" / "training_run.json").read_text())["config"]["label_only_lm_head"]


@pytest.mark.parametrize("checkpointing,dtype", [(False, "float32"), (True, "bfloat16")])
def test_sft_config_does_not_inherit_trls_defaults(tmp_path, checkpointing, dtype):
    """TRL's SFTConfig turns on gradient checkpointing and bf16 autocast by default, on a CPU
    too; the trainer passes the config's own values (off and float32 unless asked)."""
    from training.trainer import _sft_config

    cfg = TrainConfig(output_dir=str(tmp_path), gradient_checkpointing=checkpointing, dtype=dtype)
    args = _sft_config(cfg, has_eval=False, use_cpu=True)
    assert args.gradient_checkpointing is checkpointing
    assert args.bf16 is (dtype == "bfloat16") and args.fp16 is False
