"""The text memos: registered, emptied together, and pure (clearing changes no verdict)."""

import json
from pathlib import Path

from checks import load_spec, score_pair
from checks.memo import clear_text_caches, text_cache_sizes

ROOT = Path(__file__).resolve().parents[2]


def _examples():
    lines = (ROOT / "golden/examples.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _verdicts(spec):
    return [{cid: r.to_dict() for cid, r in score_pair(e["prompt"], e["response"], spec, e).items()}
            for e in _examples()]


def test_scoring_fills_the_text_memos_and_clearing_empties_them():
    spec = load_spec()
    clear_text_caches()
    assert set(text_cache_sizes().values()) == {0}
    _verdicts(spec)
    sizes = text_cache_sizes()
    for name in ("checks.catalogue.normalise", "checks.analysis._analyse_cached", "checks.analysis._prompt_cached"):
        assert sizes[name] > 0, name
    clear_text_caches()
    assert set(text_cache_sizes().values()) == {0}


def test_verdicts_do_not_depend_on_what_is_cached():
    spec = load_spec()
    clear_text_caches()
    cold = _verdicts(spec)
    warm = _verdicts(spec)
    assert cold == warm
