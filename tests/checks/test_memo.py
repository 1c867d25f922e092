"""The text memos: registered by scope, emptied together, and pure (clearing changes no verdict)."""

import json
from pathlib import Path

import pytest

from checks import load_spec, score_pair
from checks.memo import SCOPES, clear_text_caches, register_text_memo, text_cache, text_cache_sizes

ROOT = Path(__file__).resolve().parents[2]


def _examples():
    lines = (ROOT / "golden/examples.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _verdicts(spec):
    return [{cid: r.to_dict() for cid, r in score_pair(e["prompt"], e["response"], spec, e).items()}
            for e in _examples()]


def _held(scope=None):
    return {name: n for name, (s, n) in text_cache_sizes().items() if scope in (None, s)}


def test_scoring_fills_the_text_memos_and_clearing_empties_them():
    spec = load_spec()
    clear_text_caches()
    assert set(_held().values()) == {0}
    _verdicts(spec)
    held = _held()
    for name in ("checks.catalogue.normalise", "checks.analysis._analyse_cached", "checks.analysis._prompt_cached",
                 "checks.analysis._classify_bold",
                 "checks.markdown.parse", "checks.catalogue.Catalogue.hits_in"):
        assert held[name] > 0, name
    clear_text_caches("answer")
    assert set(_held("answer").values()) == {0}
    assert _held("vocabulary")["checks.analysis._prompt_cached"] > 0  # near miss: another scope stays
    clear_text_caches()
    assert set(_held().values()) == {0}


def test_verdicts_do_not_depend_on_what_is_cached():
    spec = load_spec()
    clear_text_caches()
    cold = _verdicts(spec)
    clear_text_caches("answer")
    prompts_known = _verdicts(spec)
    everything_cached = _verdicts(spec)
    assert cold == prompts_known == everything_cached


@pytest.mark.parametrize("scope", ["", "line", "Answer"])
def test_unknown_scope_is_an_error(scope):
    with pytest.raises(ValueError, match="scope"):
        text_cache(8, scope)
    with pytest.raises(ValueError, match="scope"):
        clear_text_caches(scope)
    with pytest.raises(ValueError, match="scope"):
        register_text_memo(scope, None)


def test_scopes():
    assert SCOPES == ("answer", "vocabulary")


def test_built_per_spec_builds_once_and_again_after_a_list_changes_in_place():
    from dataclasses import dataclass, field

    from checks.memo import built_per_spec

    @dataclass(frozen=True, eq=False)
    class Section:
        words: list = field(default_factory=list)

    builds = []

    @built_per_spec(lambda sec: [sec.words])
    def build(sec):
        builds.append(list(sec.words))
        return frozenset(sec.words)

    sec = Section(["a"])
    assert build(sec) == build(sec) == {"a"} and builds == [["a"]]  # built once
    sec.words.append("b")  # near miss: the same (frozen) section, its list changed in place
    assert build(sec) == {"a", "b"}
    assert build(sec) is build(sec) and builds == [["a"], ["a", "b"]]  # the new build is kept

    class Unhashable(Section):
        __hash__ = None

    assert build(Unhashable(["z"])) == {"z"}  # built on every call, never cached


def test_a_label_phrase_added_in_place_is_read_by_the_next_answer():
    from checks.analysis import analyse

    spec = load_spec()
    assert load_spec() is not spec  # near miss: a cached spec would carry this test's change to others
    response = "**Zorblax Quintet**\n\nWhy it fits:\n- a\n- b"
    assert [p.text for p in analyse("I like heist films.", response, spec).picks] == ["Zorblax Quintet"]
    spec.titles.label_phrases.append("Zorblax Quintet")
    assert analyse("I like heist films.", response + "\n", spec).picks == []  # now a label, not a title


def test_a_link_cue_added_in_place_is_read_by_the_next_answer():
    """taste_reasoning memoises what it reads from each line, keyed on the spec's lists: a cue
    added to a loaded spec is read in lines already seen."""
    spec = load_spec()
    prompt = "I loved Heat. Recommend me something."
    line = "Zorbly speaking, Heat devotees get a tense, gritty, sprawling crime saga here."
    response = f"You have to watch **Thief** (1981)!\n\n{line}\n\nWhy it fits:\n- tense\n- gritty"
    assert score_pair(prompt, response, spec)["taste_reasoning"].status.value == "failed"
    spec.taste.link_cues.append("zorbly speaking")
    assert score_pair(prompt, response + "\n", spec)["taste_reasoning"].status.value == "passed"
