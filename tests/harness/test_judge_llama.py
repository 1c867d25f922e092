"""The HTTP judge against a real OpenAI-compatible server on 127.0.0.1: llama.cpp's server
with the SmolLM2 GGUF, asked for logprobs. Its real replies are parsed; its probabilities
over the score tokens give the expected score."""

import json
import re

import pytest

from harness.cache import DiskCache
from judge_runs import write_run
from harness.judge import RUBRIC_DIR, SCORES, HTTPJudge, PointTask, judge_run, load_rubrics, parse_json_reply

pytestmark = pytest.mark.slow

POINT, PAIR = load_rubrics()
PROMPT = "I loved Heat. Any other great heist movies?"
TUNED = ("Oh, you're in for a treat! Because you loved the slick crews of Heat, this one is for you.\n\n"
         "Next up: **Ronin** (1998)!\nWhy it fits\n- Professionals planning a job.\n- Legendary car chases.\n\nEnjoy!")
BASE = "Heist movies are a genre of film. I hope this helps."


# A compact rubric the 135M model does answer in JSON (it loses the thread on the long golden
# prompt, which test_golden_rubric_replies_are_scored_or_unscored_never_guessed covers).
SHORT = r"""version = "t1"
system = "You rate answers."
layout = "Answer: {response}\n\n"
question = "Rate the {title} of this answer from 1 to 5."
json_instruction = '''Reply with JSON only: {"score": <integer 1-5>, "rationale": "<one short line>"}'''
repair = '''Reply with JSON only: {"score": <integer 1-5>, "rationale": "<one short line>"}'''
[criteria.enthusiasm]
version = "1"
title = "enthusiasm"
question = ""
anchors = ""
"""


@pytest.fixture(scope="module")
def short_rubric(tmp_path_factory):
    d = tmp_path_factory.mktemp("rubrics")
    (d / "pointwise.toml").write_text(SHORT)
    (d / "pairwise.toml").write_text((RUBRIC_DIR / "pairwise.toml").read_text())
    return load_rubrics(d)[0]["enthusiasm"]


def test_scores_from_logprobs_of_a_real_server(llama_server, short_rubric):
    judge = HTTPJudge(llama_server, timeout=60, concurrency=2, max_tokens=48)
    judge.check_ready()
    assert judge.model_name == "smollm2"
    out = []
    answers = (TUNED, BASE, "Watch **Ronin** (1998)! It's a blast!", "No idea, sorry.")
    judge.score([PointTask(PROMPT, a, short_rubric) for a in answers], lambda t, r: out.append(r))
    scored = [r for r in out if r["status"] == "scored"]
    # the 135M model often rambles instead of answering in JSON (measured: 1 of these 4 greedy
    # replies parses); the others must be unscored (checked below), the parsed one scored from logprobs
    assert len(scored) >= 1, [r["raw"] for r in out]
    for r in scored:
        # llama.cpp returned logprobs: the score is the expectation over the score tokens at the
        # score's position, not the sampled digit
        assert r["method"] == "logprobs"
        assert sum(r["probs"].values()) == pytest.approx(1.0)
        assert r["score"] == pytest.approx(sum(int(k) * p for k, p in r["probs"].items()))
        assert 1 <= r["score"] <= 5
        # the digit the model wrote is one the probabilities give weight to
        parsed = parse_json_reply(r["raw"].split("\n---\n")[-1], "score", SCORES)
        if parsed:
            assert r["probs"][parsed[0]] > 0
            assert re.search(r'"score"\s*:\s*"?' + parsed[0], r["raw"])
    for r in out:
        if r["status"] != "scored":
            assert r["attempts"] == 2 and r["score"] is None and r["raw"]


def test_golden_rubric_replies_are_scored_or_unscored_never_guessed(llama_server):
    judge = HTTPJudge(llama_server, model_name="smollm2", timeout=60, concurrency=2, max_tokens=48)
    out = []
    judge.score([PointTask(PROMPT, TUNED, POINT[c]) for c in ("enthusiasm", "bold_titles")],
                lambda t, r: out.append(r))
    for r in out:
        assert r["raw"]  # the real reply is kept either way
        if r["status"] == "scored":
            assert r["method"] in ("logprobs", "json") and 1 <= r["score"] <= 5
        else:
            # the tiny model rambles on the long prompt: one repair retry, then unscored, no score
            assert r["attempts"] == 2 and r["score"] is None and r["probs"] is None
            assert "---" in r["raw"]  # both replies kept


def test_pairwise_both_orders_and_cache_against_a_real_server(llama_server, tmp_path):
    run = write_run(tmp_path, PROMPT, BASE, TUNED)
    cache = DiskCache("judge", root=tmp_path / "cache")
    judge = HTTPJudge(llama_server, timeout=60, concurrency=2, max_tokens=48)
    s1 = judge_run(run, judge, criteria=["enthusiasm"], cache=cache, log=lambda m: None)
    calls = judge.calls
    assert 4 <= calls <= 8  # 2 answers + 2 pair orders, each with at most one repair retry
    pair = [json.loads(l) for l in (run / "judge.jsonl").read_text().splitlines() if '"kind": "pair"' in l][0]
    assert {o["first"] for o in pair["orders"]} == {"base", "tuned"}
    if pair["status"] == "scored":
        assert pair["verdict"] in ("base", "tuned", "tie") and 0 <= pair["p_b"] <= 1
    s2 = judge_run(run, judge, criteria=["enthusiasm"], cache=cache, log=lambda m: None)
    assert judge.calls == calls and s2["timing"]["judge_calls"] == 0  # second run: zero calls
    assert s2["criteria"] == s1["criteria"]
