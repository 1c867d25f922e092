"""A tiny run folder for judge tests: one prompt, a base and a tuned answer."""

import json
from pathlib import Path


def write_run(root: Path, prompt: str, base: str, tuned: str) -> Path:
    run = root / "run"
    run.mkdir()
    rows = [{"prompt_id": "p1", "system": s, "sample": 0, "prompt": prompt, "response": r, "error": ""}
            for s, r in (("base", base), ("tuned", tuned))]
    (run / "generations.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return run
