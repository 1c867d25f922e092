"""The HTTP judge against a real OpenAI-compatible server on 127.0.0.1: llama.cpp's server
with the SmolLM2 GGUF, asked for logprobs. Its real replies are parsed; its probabilities
over the score tokens give the expected score."""

import json
import re

import pytest

from harness.cache import DiskCache
from harness.judge import HTTPJudge, PairTask, PointTask, judge_run, load_rubrics, parse_json_reply

pytestmark = pytest.mark.slow

POINT, PAIR = load_rubrics()
PROMPT = "I loved Heat. Any other great heist movies?"
TUNED = ("Oh, you're in for a treat! Because you loved the slick crews of Heat, this one is for you.\n\n"
         "Next up: **Ronin** (1998)!\nWhy it fits\n- Professionals planning a job.\n- Legendary car chases.\n\nEnjoy!")
BASE = "Heist movies are a genre of film. I hope this helps."


def test_scores_from_logprobs_of_a_real_server(llama_server):
    judge = HTTPJudge(llama_server, timeout=60, concurrency=2, max_tokens=48)
    judge.check_ready()
    assert judge.model_name == "smollm2"
    out = []
    tasks = [PointTask(PROMPT, a, POINT[c], (s, c)) for s, a in (("tuned", TUNED), ("base", BASE))
             for c in ("enthusiasm", "bold_titles")]
    judge.score(tasks, lambda t, r: out.append((t, r)))
    assert len(out) == 4
    for t, r in out:
        assert r["raw"]  # the real reply is kept
        if r["status"] == "scored":
            # llama.cpp returns logprobs: the score is the expectation over the score tokens,
            # not the sampled digit
            assert r["method"] == "logprobs"
            assert sum(r["probs"].values()) == pytest.approx(1.0)
            assert r["score"] == pytest.approx(sum(int(k) * p for k, p in r["probs"].items()))
            assert 1 <= r["score"] <= 5
        else:
            assert r["attempts"] == 2 and r["score"] is None  # a reply that never parsed, repair included
    assert any(r["status"] == "scored" for _, r in out)
    # the parser on the model's own replies: what it reads back is a score the reply really states
    for _, r in out:
        first = r["raw"].split("\n---\n")[0]
        parsed = parse_json_reply(first, "score", ("1", "2", "3", "4", "5"))
        if parsed:
            assert re.search(r'"score"\s*:\s*"?' + parsed[0] + r'(\.0)?"?\s*[,}]', first)


def test_pairwise_both_orders_and_cache_against_a_real_server(llama_server, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    rows = [{"prompt_id": "p1", "system": s, "sample": 0, "prompt": PROMPT, "response": r, "error": ""}
            for s, r in (("base", BASE), ("tuned", TUNED))]
    (run / "generations.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
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
