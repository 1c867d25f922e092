"""The local judge on the real SmolLM2: probabilities, the shared-prefix batching, rationales,
pairwise, a judged run folder and its cache (second run: zero model calls)."""

import json

import pytest
import torch

from harness.cache import DiskCache
from judge_runs import write_run
from harness.chat import render_prompt
from harness.judge import SCORES, LocalJudge, PairTask, PointTask, _fill, judge_run, load_rubrics

pytestmark = pytest.mark.slow

POINT, PAIR = load_rubrics()
PROMPT = "I loved Heat and The Town. Any other great heist movies?"
TUNED = ("Oh, you're in for a treat! Because you loved the slick crews of Heat, this one is for you.\n\n"
         "Next up: **Inside Man** (2006)!\nWhy it fits\n- A clever bank heist with a twist.\n- Directed by Spike Lee.\n\n"
         "Next up: **Ronin** (1998)!\nWhy it fits\n- Professionals planning a job.\n- Legendary car chases.\n\nEnjoy!")
BASE = "Heist movies are a genre of film. There are many heist movies. I hope this helps."


@pytest.fixture(scope="module")
def judge():
    j = LocalJudge("smollm2-135m", rationale_tokens=8)
    j.load()
    return j


def _plain_probs(judge, text: str, labels) -> dict:
    """Label probabilities from one ordinary forward over the whole text (no cache, no padding)."""
    ids = torch.tensor([judge.tok.encode(text, add_special_tokens=False)])
    p = judge.model(input_ids=ids).logits[0, -1].float().softmax(-1)
    return {lab: float(sum(p[t] for t in judge._ids[lab])) for lab in labels}


def test_shared_prefix_batch_equals_one_plain_forward_per_criterion(judge):
    crits = ["bold_titles", "enthusiasm", "helpfulness"]  # different suffix lengths: right padding is exercised
    out = {}
    judge.score([PointTask(PROMPT, TUNED, POINT[c], (c,)) for c in crits], lambda t, r: out.__setitem__(t.tag[0], r))
    for c in crits:
        rub = POINT[c]
        msgs = [{"role": "system", "content": rub.system},
                {"role": "user", "content": _fill(rub.layout, prompt=PROMPT, response=TUNED) + rub.question}]
        plain = _plain_probs(judge, render_prompt(judge.tok, msgs) + "Score: ", SCORES)
        got = out[c]
        assert got["mass"] == pytest.approx(sum(plain.values()), abs=2e-4)
        for lab in SCORES:
            assert got["probs"][lab] * got["mass"] == pytest.approx(plain[lab], abs=2e-4)


def test_score_is_the_expectation_over_the_score_tokens(judge):
    out = []
    judge.score([PointTask(PROMPT, a, POINT["enthusiasm"]) for a in (TUNED, BASE)], lambda t, r: out.append(r))
    for r in out:
        assert r["status"] == "scored" and r["method"] == "probs"
        assert sum(r["probs"].values()) == pytest.approx(1.0)
        assert r["score"] == pytest.approx(sum(int(k) * p for k, p in r["probs"].items()))
        assert 1 <= r["score"] <= 5
        # after "Score: " this model does answer with a digit: most of the mass is on 1-5
        assert r["mass"] > 0.5
        # the rationale is one line of at most rationale_tokens tokens
        assert "\n" not in r["rationale"] and len(judge.tok.encode(r["rationale"])) <= 8 + 2
    assert out[0]["score"] != out[1]["score"]  # it read the answers (not a constant)


def test_pairwise_probabilities_in_both_orders(judge):
    out = {}
    tasks = [PairTask(PROMPT, BASE, TUNED, PAIR, ("base-first",)), PairTask(PROMPT, TUNED, BASE, PAIR, ("tuned-first",))]
    judge.compare(tasks, lambda t, r: out.__setitem__(t.tag[0], r))
    for r in out.values():
        assert r["status"] == "scored" and 0 < r["p_first"] < 1
        assert r["winner_shown"] == ("A" if r["p_first"] >= 0.5 else "B")
    # the swap really changed what the model read
    assert out["base-first"]["p_first"] != pytest.approx(out["tuned-first"]["p_first"], abs=1e-6)


def test_judged_run_folder_and_the_cache_second_run_makes_zero_calls(judge, tmp_path):
    run = write_run(tmp_path, PROMPT, BASE, TUNED)
    cache = DiskCache("judge", root=tmp_path / "cache")
    s1 = judge_run(run, judge, criteria=["enthusiasm", "taste_reasoning"], cache=cache, log=lambda m: None)
    assert torch.is_grad_enabled()  # the judge switches autograd off only around its own forwards
    assert s1["timing"]["judge_calls"] == 2 + 2  # one per answer (criteria batched), one per pair order
    assert s1["timing"]["cached"] == 0 and s1["unscored"]["rate"] == 0
    first = (run / "judge.jsonl").read_text()
    s2 = judge_run(run, judge, criteria=["enthusiasm", "taste_reasoning"], cache=cache, log=lambda m: None)
    assert s2["timing"]["judge_calls"] == 0 and s2["timing"]["cached"] == 4 + 2
    again = [json.loads(l) for l in (run / "judge.jsonl").read_text().splitlines()]
    assert [(r.get("score"), r.get("p_b")) for r in again] == \
        [(r.get("score"), r.get("p_b")) for r in map(json.loads, first.splitlines())]
    assert s2["judge"]["rubric_versions"]["enthusiasm"].startswith("v1.1")
    assert s2["pairwise"]["base->tuned"]["scored"] == 1
