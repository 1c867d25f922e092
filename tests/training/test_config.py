from pathlib import Path

import pytest

from training.config import ConfigError, TrainConfig, load_config
from training.trainer import lora_kwargs, pick_backend, unsloth_kwargs

CONFIGS = Path(__file__).resolve().parents[2] / "training" / "configs"


@pytest.mark.parametrize("name", ["smollm2-cpu.toml", "llama3-8b-unsloth.toml"])
def test_shipped_configs_load(name):
    cfg = load_config(CONFIGS / name)
    assert cfg.lora_r == 16 and cfg.lora_dropout == 0.0 and len(cfg.target_modules) == 7


def test_every_field_has_help():
    for name, default, help_ in TrainConfig.fields_help():
        assert help_, name


def test_written_config_reads_back(tmp_path):
    cfg = load_config(CONFIGS / "smollm2-cpu.toml")
    out = tmp_path / "again.toml"
    out.write_text(cfg.to_toml())
    assert load_config(out) == cfg


@pytest.mark.parametrize("body,message", [
    ("lora_r = 'big'\n", "field 'lora_r' must be int"),
    ("nope = 1\n", "unknown field 'nope'"),
    ("backend = 'tpu'\n", "backend must be auto, peft or unsloth"),
    ("batch_size = 0\n", "batch_size must be positive"),
])
def test_bad_config_is_a_clear_error(tmp_path, body, message):
    p = tmp_path / "bad.toml"
    p.write_text(body)
    with pytest.raises(ConfigError, match=message):
        load_config(p)


def test_unsloth_translation_keeps_the_lora_hyperparameters():
    cfg = load_config(CONFIGS / "llama3-8b-unsloth.toml")
    load, peft = unsloth_kwargs(cfg, cfg.base_model)
    assert load == {"model_name": "unsloth/llama-3-8b-Instruct-bnb-4bit", "max_seq_length": 1024,
                    "dtype": "bfloat16", "load_in_4bit": True}
    shared = lora_kwargs(cfg)
    assert {k: peft[k] for k in shared} == shared  # identical to what peft gets
    assert peft["random_state"] == cfg.seed and peft["use_gradient_checkpointing"] == "unsloth"


def test_cpu_machine_picks_peft_and_refuses_unsloth():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this test is about CPU-only machines")
    assert pick_backend(TrainConfig()) == "peft"
    from training.trainer import TrainError

    with pytest.raises(TrainError, match="needs a CUDA GPU"):
        pick_backend(TrainConfig(backend="unsloth"))
