"""LoRA training: Unsloth on a CUDA GPU, peft + TRL's SFTTrainer elsewhere.

Both backends get the same LoRA hyper-parameters, the same tokenised data
(``harness.chat.encode_chat``: loss on the assistant's tokens only, end-of-turn
token trained) and write the same artefacts into ``output_dir``:
``adapter_config.json``, ``adapter_model.safetensors``, ``train_config.toml``
(the config as run), ``training_run.json`` (the run record) and ``loss_curve.png``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import math
import platform
import time
from dataclasses import dataclass
from pathlib import Path

from checks.errors import InputError, MovieStyleError
from harness.chat import encode_chat
from harness.models import chat_template_hash, library_versions, load_model, resolve_model

from .config import TrainConfig


class TrainError(MovieStyleError):
    """Training cannot start or finish; the message says why."""


# -- data -------------------------------------------------------------------------------
def load_chat_jsonl(path: str | Path) -> list[list[dict]]:
    """Conversations from a JSONL of {messages: [...]}; bad lines name file, line and field."""
    from harness.jsonl import read_jsonl

    out = []
    for lineno, obj in read_jsonl(path, required={"messages": list}):
        msgs = obj["messages"]
        for i, m in enumerate(msgs):
            if not isinstance(m, dict) or not isinstance(m.get("role"), str) or not isinstance(m.get("content"), str):
                raise InputError(path, lineno, f"messages[{i}]", "must be an object with string 'role' and 'content'")
            if m["role"] not in ("system", "user", "assistant"):
                raise InputError(path, lineno, f"messages[{i}].role", f"unknown role {m['role']!r}")
        if not msgs or msgs[-1]["role"] != "assistant":
            raise InputError(path, lineno, "messages", "the last message must be the assistant's answer")
        out.append(msgs)
    if not out:
        raise InputError(path, None, None, "no examples")
    return out


@dataclass
class Tokenised:
    rows: list[dict]
    overlong: int
    tokens: int  # real (unpadded) tokens
    trained_tokens: int


def tokenise(tokenizer, conversations: list[list[dict]], max_len: int) -> Tokenised:
    rows, overlong, tokens, trained = [], 0, 0, 0
    for msgs in conversations:
        enc = encode_chat(tokenizer, msgs)
        if len(enc.input_ids) > max_len:
            overlong += 1  # skipped and counted: never silently truncated
            continue
        rows.append({"input_ids": enc.input_ids, "labels": enc.labels})
        tokens += len(enc.input_ids)
        trained += enc.n_trained
    return Tokenised(rows, overlong, tokens, trained)


def sha256_file(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# -- backends ---------------------------------------------------------------------------
def cuda_available() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


def pick_backend(cfg: TrainConfig) -> str:
    if cfg.backend != "auto":
        if cfg.backend == "unsloth" and not cuda_available():
            raise TrainError("backend 'unsloth' needs a CUDA GPU; use backend = 'peft' (or 'auto') on this machine")
        if cfg.backend == "unsloth" and importlib.util.find_spec("unsloth") is None:
            raise TrainError("backend 'unsloth' needs the unsloth package: pip install 'moviestyle[gpu]'")
        return cfg.backend
    if cuda_available() and importlib.util.find_spec("unsloth") is not None:
        return "unsloth"
    return "peft"


def lora_kwargs(cfg: TrainConfig) -> dict:
    """The LoRA hyper-parameters both backends share."""
    return {"r": cfg.lora_r, "lora_alpha": cfg.lora_alpha, "lora_dropout": cfg.lora_dropout,
            "target_modules": list(cfg.target_modules), "bias": "none"}


def unsloth_kwargs(cfg: TrainConfig, model_path: str) -> tuple[dict, dict]:
    """Arguments for FastLanguageModel.from_pretrained and FastLanguageModel.get_peft_model."""
    dtype = {"float32": None, "bfloat16": "bfloat16", "float16": "float16"}[cfg.dtype]
    load = {"model_name": model_path, "max_seq_length": cfg.max_seq_len, "dtype": dtype,
            "load_in_4bit": cfg.load_in_4bit}
    peft = {**lora_kwargs(cfg), "random_state": cfg.seed,
            "use_gradient_checkpointing": "unsloth" if cfg.gradient_checkpointing else False}
    return load, peft


def _versions() -> dict:
    return library_versions(("moviestyle", "torch", "transformers", "peft", "trl", "accelerate", "datasets", "unsloth"))


def _sft_config(cfg: TrainConfig, has_eval: bool, use_cpu: bool):
    from trl import SFTConfig

    return SFTConfig(
        output_dir=cfg.output_dir, seed=cfg.seed, data_seed=cfg.seed,
        per_device_train_batch_size=cfg.batch_size, per_device_eval_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.grad_accum, learning_rate=cfg.learning_rate,
        lr_scheduler_type=cfg.lr_scheduler, warmup_steps=cfg.warmup_ratio, weight_decay=cfg.weight_decay,
        num_train_epochs=cfg.num_epochs, max_steps=cfg.max_steps, logging_steps=cfg.logging_steps,
        eval_strategy=("steps" if cfg.eval_steps else "no") if has_eval else "no",
        eval_steps=cfg.eval_steps or None, save_strategy="steps", save_steps=cfg.save_steps, save_total_limit=2,
        report_to=[], disable_tqdm=True, use_cpu=use_cpu, dataloader_num_workers=0,
        train_sampling_strategy="group_by_length" if cfg.group_by_length else "random",
        padding_free=cfg.padding_free,
        # over-long examples are already skipped (and counted) before training
        max_length=None if cfg.padding_free else cfg.max_seq_len,
        # both explicit: TRL's SFTConfig defaults to bf16 autocast and gradient checkpointing even on a CPU
        bf16=cfg.dtype == "bfloat16", fp16=cfg.dtype == "float16",
        gradient_checkpointing=cfg.gradient_checkpointing,
    )


# -- the LM head at the trained positions only --------------------------------------------
# Configs that scale or cap the logits: the label-position head leaves those models to TRL's own loss.
_LOGIT_TRANSFORMS = ("final_logit_softcapping", "logit_scale", "output_multiplier", "lm_head_multiplier",
                     "logits_scaling")


def label_position_loss(hidden, lm_head, labels, num_items_in_batch=None, shifted: bool = False):
    """The causal-LM loss with the LM head computed only where a label is trained.

    ``hidden`` is the backbone's last hidden state ``[batch, seq, dim]``, ``labels`` the batch's
    labels (-100: no loss), shifted by one here unless ``shifted`` (then they are already the
    next-token labels). The value is TRL's and transformers' loss from the full logits: the
    summed negative log-likelihood of the labelled tokens divided by ``num_items_in_batch``
    (their count when None). Returns ``(loss, n_labelled, entropy_sum, n_top1)``; the last three
    (no gradient) feed the same ``entropy`` and ``mean_token_accuracy`` metrics TRL logs.
    """
    import torch

    if not shifted:
        hidden, labels = hidden[:, :-1], labels[:, 1:]
    mask = labels != -100
    targets = labels[mask]
    logits = lm_head(hidden[mask]).float()  # [n_labelled, vocab]: the only logits built
    logp = torch.log_softmax(logits, dim=-1)
    nll = -logp.gather(-1, targets.unsqueeze(-1)).sum()
    n_labelled = mask.sum()
    denom = n_labelled if num_items_in_batch is None else num_items_in_batch
    loss = nll / torch.as_tensor(denom, device=nll.device).clamp(min=1)
    with torch.no_grad():
        entropy_sum = -(logp.exp() * logp).sum()
        n_top1 = (logits.argmax(-1) == targets).sum()  # argmax: the first maximum, like TRL's is_top1
    return loss, n_labelled, entropy_sum, n_top1


def _backbone_and_head(model):
    """(backbone, lm_head) of a plain or peft-wrapped causal LM, or None when the label-position
    head does not apply (a wrapped/distributed model, or a model that transforms its logits)."""
    from transformers import PreTrainedModel

    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    if not isinstance(inner, PreTrainedModel):
        return None
    text_config = inner.config.get_text_config()
    if any(getattr(text_config, name, None) not in (None, 1.0) for name in _LOGIT_TRANSFORMS):
        return None
    backbone, head = inner.base_model, inner.get_output_embeddings()
    if backbone is inner or head is None:
        return None
    return backbone, head


def sft_trainer_class(label_only_lm_head: bool):
    """TRL's SFTTrainer, or (``label_only_lm_head``) a subclass whose loss builds the logits
    only at the positions that carry a label.

    On CPU, TRL 1.x's fused LM head projects *every* position through the 49k-token head (it
    compacts to the labelled positions only on Triton devices), folds entropy and top-1
    bookkeeping over every [position x vocab] tile in float32, and its backward recomputes the
    projection. Here the head runs on the labelled positions only (the assistant's tokens:
    ~84% of ours) and autograd keeps the log-softmax for the backward: same loss value, same
    logged metrics, ~2.5x less time in the head, at the cost of holding the labelled logits
    (~0.2 GB for 4 chats of ~300 tokens). Anything it does not cover (eval logits, label
    smoothing, a custom loss, MoE aux loss, several processes) goes to TRL's own loss.
    """
    from trl import SFTTrainer

    if not label_only_lm_head:
        return SFTTrainer

    class LabelPositionSFTTrainer(SFTTrainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            parts = None
            if (not return_outputs and self.compute_loss_func is None and self.label_smoother is None
                    and self.args.loss_type == "nll" and not self.aux_loss_enabled
                    and self.accelerator.num_processes == 1):
                parts = _backbone_and_head(model)
            if parts is None:
                return super().compute_loss(model, inputs, return_outputs=return_outputs,
                                            num_items_in_batch=num_items_in_batch)
            backbone, head = parts
            mode = "train" if self.model.training else "eval"
            shifted = "shift_labels" in inputs
            labels = inputs["shift_labels"] if shifted else inputs["labels"]
            kwargs = {k: v for k, v in inputs.items() if k not in ("labels", "shift_labels")}
            kwargs["use_cache"] = False
            # the backbone is called directly, so apply the autocast accelerate wraps model.forward in
            with self.accelerator.autocast():
                hidden = backbone(**kwargs).last_hidden_state
                loss, n_valid, entropy_sum, n_top1 = label_position_loss(hidden, head, labels, num_items_in_batch,
                                                                         shifted=shifted)
            # the metrics TRL's compute_loss logs, with the same definitions
            n = n_valid.item()
            self._metrics[mode]["entropy"].append(entropy_sum.item() / n if n else 0.0)
            self._metrics[mode]["mean_token_accuracy"].append(n_top1.item() / n if n else 0.0)
            if mode == "train":
                if "attention_mask" in inputs:
                    self._total_train_tokens += int(inputs["attention_mask"].sum().item())
                else:
                    self._total_train_tokens += int(inputs["position_ids"].size(1))
            self._metrics[mode]["num_tokens"] = [self._total_train_tokens]
            return loss

    return LabelPositionSFTTrainer


class _Progress:
    """A TrainerCallback with a rich progress bar and a loss history."""

    def __new__(cls, total_hint: int, quiet: bool = False):
        from transformers import TrainerCallback

        class Callback(TrainerCallback):
            def __init__(self):
                self.history: list[dict] = []
                self.progress = None
                self.task = None
                self.quiet = quiet

            def on_train_begin(self, args, state, control, **kw):
                if self.quiet:
                    return
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

                from reports.terminal import make_console

                self.progress = Progress(TextColumn("training"), BarColumn(), MofNCompleteColumn(),
                                         TextColumn("{task.fields[loss]}"), TimeRemainingColumn(),
                                         console=make_console(stderr=True))
                self.progress.start()
                self.task = self.progress.add_task("train", total=state.max_steps or total_hint, loss="",
                                                   completed=state.global_step)

            def on_step_end(self, args, state, control, **kw):
                if self.progress:
                    self.progress.update(self.task, completed=state.global_step)

            def on_log(self, args, state, control, logs=None, **kw):
                logs = dict(logs or {})
                logs["step"] = state.global_step
                self.history.append(logs)
                if self.progress and "loss" in logs:
                    self.progress.update(self.task, loss=f"loss {logs['loss']:.3f}")

            def on_train_end(self, args, state, control, **kw):
                if self.progress:
                    self.progress.stop()

        return Callback()


def save_loss_curve(history: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train = [(h["step"], h["loss"]) for h in history if "loss" in h]
    evals = [(h["step"], h["eval_loss"]) for h in history if "eval_loss" in h]
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    if train:
        ax.plot(*zip(*train), label="train loss")
    if evals:
        ax.plot(*zip(*evals), marker="o", label="eval loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (assistant tokens)")
    ax.set_title("LoRA training loss")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _portable_adapter_config(path: Path, base_name: str) -> None:
    """peft records the base model's load path (a cache folder on this machine); record the
    name the user gave instead, so the adapter folder can be committed and shared."""
    conf = json.loads(path.read_text(encoding="utf-8"))
    conf["base_model_name_or_path"] = base_name
    path.write_text(json.dumps(conf, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def train(cfg: TrainConfig, resume: bool = False, quiet: bool = False, log=print) -> dict:
    """Run one training job; returns the run record (also written to training_run.json)."""
    return train_model(cfg, resume=resume, quiet=quiet, log=log)[0]


def train_model(cfg: TrainConfig, resume: bool = False, quiet: bool = False, log=print):
    """Like ``train`` but also returns the trained (peft-wrapped) model."""
    cfg.validate()
    backend = pick_backend(cfg)
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "train_config.toml").write_text(cfg.to_toml(), encoding="utf-8")
    train_convs = load_chat_jsonl(cfg.train_file)
    eval_convs = load_chat_jsonl(cfg.eval_file) if cfg.eval_file else []
    if cfg.max_train_examples:
        train_convs = train_convs[: cfg.max_train_examples]
    if cfg.max_eval_examples:
        eval_convs = eval_convs[: cfg.max_eval_examples]
    src = resolve_model(cfg.base_model)
    from transformers import set_seed

    set_seed(cfg.seed)
    t_load = time.perf_counter()
    if backend == "unsloth":
        import unsloth  # noqa: F401  (must come before trl/transformers/peft are used)
        from unsloth import FastLanguageModel

        from harness.models import local_dir

        load_kw, peft_kw = unsloth_kwargs(cfg, local_dir(src, log=log))
        model, tok = FastLanguageModel.from_pretrained(**load_kw)
        model = FastLanguageModel.get_peft_model(model, **peft_kw)
        peft_config = None
    else:
        from peft import LoraConfig

        model, tok = load_model(src, log=log)
        peft_config = LoraConfig(task_type="CAUSAL_LM", **lora_kwargs(cfg))
    load_seconds = time.perf_counter() - t_load
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    tr = tokenise(tok, train_convs, cfg.max_seq_len)
    ev = tokenise(tok, eval_convs, cfg.max_seq_len) if eval_convs else None
    if tr.overlong or (ev and ev.overlong):
        log(f"skipped {tr.overlong} training and {ev.overlong if ev else 0} eval example(s) longer than "
            f"max_seq_len={cfg.max_seq_len} tokens (never truncated)")
    if not tr.rows:
        raise TrainError(f"every training example is longer than max_seq_len={cfg.max_seq_len}")
    from datasets import Dataset

    train_ds = Dataset.from_list(tr.rows)
    eval_ds = Dataset.from_list(ev.rows) if ev and ev.rows else None
    SFTTrainer = sft_trainer_class(cfg.label_only_lm_head and backend == "peft")

    steps_per_epoch = math.ceil(len(tr.rows) / (cfg.batch_size * cfg.grad_accum))
    total_steps = cfg.max_steps if cfg.max_steps > 0 else math.ceil(steps_per_epoch * cfg.num_epochs)
    progress = _Progress(total_steps, quiet=quiet)
    trainer = SFTTrainer(model=model, args=_sft_config(cfg, eval_ds is not None, use_cpu=not cuda_available()),
                         train_dataset=train_ds, eval_dataset=eval_ds, processing_class=tok,
                         peft_config=peft_config, callbacks=[progress])
    # Unsloth's train_on_responses_only is not needed: encode_chat's labels already mask the
    # prompt, on both backends alike.
    checkpoint = None
    if resume:
        ckpts = sorted(out.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1]))
        if ckpts:
            checkpoint = str(ckpts[-1])
            log(f"resuming from {checkpoint}")
        else:
            log("no checkpoint to resume from; starting fresh")
    t0 = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=checkpoint)
    wall = time.perf_counter() - t0
    final_eval = trainer.evaluate() if eval_ds is not None else {}
    trainer.model.save_pretrained(str(out))
    _portable_adapter_config(out / "adapter_config.json", cfg.base_model if src.kind in ("embedded-gguf", "hub")
                             else src.identity.get("name", cfg.base_model))
    steps_done = trainer.state.global_step
    examples_seen = min(len(tr.rows) * max(cfg.num_epochs, 1), steps_done * cfg.batch_size * cfg.grad_accum)
    mean_len = tr.tokens / len(tr.rows)
    history = [h for h in progress.history]
    record = {
        "config": cfg.to_dict(),
        "backend": backend,
        "data": {"train_file": cfg.train_file, "train_sha256": sha256_file(cfg.train_file),
                 "eval_file": cfg.eval_file, "eval_sha256": sha256_file(cfg.eval_file) if cfg.eval_file else None,
                 "train_examples": len(tr.rows), "eval_examples": len(ev.rows) if ev else 0,
                 "skipped_overlong": {"train": tr.overlong, "eval": ev.overlong if ev else 0},
                 "mean_tokens_per_example": round(mean_len, 1)},
        "base_model": {"name": cfg.base_model, "kind": src.kind, **src.identity},
        "chat_template_sha256": chat_template_hash(tok),
        "versions": _versions(),
        "hardware": {"cuda": cuda_available(), "machine": platform.machine(), "processor": platform.processor()},
        "timing": {"model_load_seconds": round(load_seconds, 1), "train_seconds": round(wall, 1),
                   "steps": steps_done, "examples_seen": int(examples_seen),
                   "tokens_per_second": round(examples_seen * mean_len / wall, 1) if wall else None},
        "losses": {"final_train_loss": next((h["loss"] for h in reversed(history) if "loss" in h), None),
                   "train_loss_mean": result.training_loss, "final_eval_loss": final_eval.get("eval_loss")},
        "history": history,
        "resumed_from": checkpoint,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (out / "training_run.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    try:
        save_loss_curve(history, out / "loss_curve.png")
    except Exception as exc:  # a plot is never worth failing a finished run
        log(f"could not draw the loss curve: {exc}")
    return record, trainer.model
