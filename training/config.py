"""The trainer's one typed configuration (read from TOML, written back beside the adapter)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from checks.errors import MovieStyleError
from checks.spec import read_toml

ALL_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


class ConfigError(MovieStyleError):
    """A training config that is missing, malformed or inconsistent."""


def _f(default, help: str):
    if isinstance(default, list):
        return field(default_factory=lambda d=default: list(d), metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass
class TrainConfig:
    base_model: str = _f("smollm2-135m", "Base model: 'smollm2-135m' (embedded), a local directory, a .gguf file or a hub id.")
    backend: str = _f("auto", "auto (unsloth when a CUDA GPU and the unsloth extra are present, else peft), peft or unsloth.")
    train_file: str = _f("runs/data/train.jsonl", "Training data: JSONL of {messages: [...]} (moviestyle data build).")
    eval_file: str = _f("runs/data/eval.jsonl", "Held-out data for eval loss ('' to skip).")
    output_dir: str = _f("runs/train/smollm2-movie", "Where checkpoints, the adapter and training_run.json go.")
    seed: int = _f(0, "Seed for data order and LoRA initialisation.")
    # LoRA: the same hyper-parameters on every backend.
    lora_r: int = _f(16, "LoRA rank.")
    lora_alpha: int = _f(32, "LoRA alpha (scale = alpha / r).")
    lora_dropout: float = _f(0.0, "LoRA dropout.")
    target_modules: list = _f(ALL_LINEAR, "Modules that get adapters: all seven linear projections by default.")
    # Optimisation.
    learning_rate: float = _f(2e-4, "Peak learning rate.")
    lr_scheduler: str = _f("cosine", "Learning-rate schedule (transformers name).")
    warmup_ratio: float = _f(0.05, "Share of steps spent warming up.")
    weight_decay: float = _f(0.0, "AdamW weight decay.")
    num_epochs: float = _f(1.0, "Epochs over the training data (ignored when max_steps > 0).")
    max_steps: int = _f(-1, "Stop after this many optimizer steps (-1: run the epochs).")
    batch_size: int = _f(4, "Examples per device step.")
    grad_accum: int = _f(1, "Gradient accumulation steps.")
    max_seq_len: int = _f(512, "Longest example in tokens; longer ones are skipped and counted, never truncated.")
    max_train_examples: int = _f(0, "Use only the first N training examples (0: all).")
    max_eval_examples: int = _f(0, "Use only the first N eval examples for eval loss (0: all).")
    group_by_length: bool = _f(True, "Batch examples of similar length together (less padding).")
    padding_free: bool = _f(False, "Concatenate a batch into one sequence with position ids (no padding at all).")
    label_only_lm_head: bool = _f(True, "peft backend: compute the LM head (49k-token vocabulary) and the loss only at "
                                        "positions that carry a label; same loss value, less work than TRL's CPU path.")
    # Bookkeeping.
    logging_steps: int = _f(5, "Log the training loss every N steps.")
    eval_steps: int = _f(50, "Compute eval loss every N steps (0: only at the end).")
    save_steps: int = _f(50, "Checkpoint every N steps (for --resume).")
    # GPU / Unsloth only.
    load_in_4bit: bool = _f(False, "Unsloth: load the base model in 4 bits (QLoRA).")
    dtype: str = _f("float32", "Compute dtype: float32 on CPU; bfloat16 or float16 on GPU.")
    gradient_checkpointing: bool = _f(False, "Trade compute for memory: recompute activations in the backward (TRL's "
                                             "default; off here, ~1.25x faster on CPU). Unsloth uses its 'unsloth' mode.")

    @classmethod
    def fields_help(cls) -> list[tuple[str, object, str]]:
        return [(f.name, f.default if f.default is not dataclasses.MISSING else f.default_factory(),
                 f.metadata.get("help", "")) for f in dataclasses.fields(cls)]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_toml(self) -> str:
        lines = []
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            lines.append(f"# {f.metadata.get('help', '')}")
            if isinstance(v, bool):
                lines.append(f"{f.name} = {'true' if v else 'false'}")
            elif isinstance(v, (int, float)):
                lines.append(f"{f.name} = {v!r}")
            elif isinstance(v, list):
                lines.append(f"{f.name} = [{', '.join(repr(x).replace(chr(39), chr(34)) for x in v)}]")
            else:
                lines.append(f'{f.name} = "{v}"')
        return "\n".join(lines) + "\n"

    def validate(self) -> "TrainConfig":
        if self.backend not in ("auto", "peft", "unsloth"):
            raise ConfigError(f"backend must be auto, peft or unsloth, got {self.backend!r}")
        for name in ("lora_r", "lora_alpha", "batch_size", "grad_accum", "max_seq_len"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")
        if self.dtype not in ("float32", "bfloat16", "float16"):
            raise ConfigError(f"dtype must be float32, bfloat16 or float16, got {self.dtype!r}")
        unknown = set(self.target_modules) - set(ALL_LINEAR)
        if unknown and self.base_model == "smollm2-135m":
            raise ConfigError(f"target_modules {sorted(unknown)} do not exist in SmolLM2; use {ALL_LINEAR}")
        return self


def load_config(path: str | Path, **overrides) -> TrainConfig:
    path = Path(path)
    raw = read_toml(path, ConfigError, "config not found (shipped ones: training/configs/*.toml)")
    known = {f.name: f for f in dataclasses.fields(TrainConfig)}
    kwargs = {}
    for key, value in {**raw, **{k: v for k, v in overrides.items() if v is not None}}.items():
        if key not in known:
            raise ConfigError(f"{path}: unknown field {key!r}; see `moviestyle train --help-config`")
        default = known[key].default
        if default is dataclasses.MISSING:
            default = known[key].default_factory()
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not type(default):
            raise ConfigError(f"{path}: field {key!r} must be {type(default).__name__}, got {value!r}")
        kwargs[key] = value
    return TrainConfig(**kwargs).validate()
