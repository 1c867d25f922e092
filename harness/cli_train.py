"""`moviestyle train --config training/configs/NAME.toml`."""

from __future__ import annotations

import json


def register(sub) -> None:
    p = sub.add_parser("train", help="LoRA-train an adapter (Unsloth on a CUDA GPU, else peft + TRL)")
    p.add_argument("--config", help="training config TOML (e.g. training/configs/smollm2-cpu.toml)")
    p.add_argument("--output-dir", help="override the config's output_dir")
    p.add_argument("--max-steps", type=int, help="override the config's max_steps")
    p.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in output_dir")
    p.add_argument("--help-config", action="store_true", help="list every config field with its default and help")
    p.add_argument("--json", action="store_true", help="print the run record as JSON")
    p.set_defaults(func=cmd_train)


def cmd_train(args) -> int:
    from reports.terminal import make_console
    from training.config import ConfigError, TrainConfig, load_config

    if args.help_config:
        for name, default, help_ in TrainConfig.fields_help():
            print(f"{name} = {default!r}\n    {help_}")
        return 0
    if not args.config:
        raise ConfigError("--config is required (e.g. training/configs/smollm2-cpu.toml)")
    cfg = load_config(args.config, output_dir=args.output_dir, max_steps=args.max_steps)
    from training.trainer import train

    console = make_console(stderr=True)
    record = train(cfg, resume=args.resume, log=lambda m: console.print(m))
    if args.json:
        print(json.dumps({k: v for k, v in record.items() if k != "history"}, indent=2))
    else:
        t, l = record["timing"], record["losses"]
        make_console().print(
            f"adapter written to {cfg.output_dir}/ ({record['backend']}): {t['steps']} steps in "
            f"{t['train_seconds']}s, {t['tokens_per_second']} tokens/s; final train loss {l['final_train_loss']}, "
            f"eval loss {l['final_eval_loss']}")
    return 0
