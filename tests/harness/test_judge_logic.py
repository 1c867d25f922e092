"""The judge's pure logic and its HTTP failure paths (no model): position swap and ties,
reply parsing, expected scores, kappa, markdown stripping, the unscored path, the cache.

The HTTP tests run a real HTTP server on 127.0.0.1 (http.server) that answers with
canned replies: garbage, refusals, 500s, slow answers, JSON with and without logprobs.
"""

import json
import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from checks.errors import InputError
from harness.agreement import cohen_kappa, strip_markdown
from harness.cache import DiskCache
from harness.cli import main
from harness.judge import (CHOICES, RUBRIC_DIR, SCORES, HTTPJudge, JudgeError, PointTask, expected_score, judge_run,
                           load_rubrics, pair_row, parse_json_reply, probs_from_logprobs, run_tasks)
from harness.judge_summary import summarise_judge


# -- position swap ------------------------------------------------------------------------
def _o(winner, p_first):
    return {"status": "scored", "winner_shown": winner, "p_first": p_first, "rationale": "r"}


@pytest.mark.parametrize("ab, ba, verdict, flip", [
    (_o("A", 0.8), _o("B", 0.3), "base", False),   # base preferred in both orders
    (_o("B", 0.2), _o("A", 0.9), "tuned", False),  # tuned preferred in both orders
    (_o("A", 0.7), _o("A", 0.7), "tie", True),     # always the first shown: position, not quality
    (_o("B", 0.4), _o("B", 0.4), "tie", True),     # always the second shown
    (_o("A", 0.51), _o("B", 0.49), "base", False), # near miss: barely, but consistently, base
])
def test_pair_verdict_from_both_orders(ab, ba, verdict, flip):
    row = pair_row("base->tuned", "p1", 0, "base", "tuned", ab, ba, 10, 20, "1")
    assert row["status"] == "scored"
    assert row["verdict"] == verdict and row["flip"] is flip
    # P(tuned better) averaged over the orders: 1 - P(A) when base is A, P(A) when tuned is A
    assert row["p_b"] == pytest.approx(((1 - ab["p_first"]) + ba["p_first"]) / 2)


def test_pair_with_an_unscored_order_is_unscored_not_a_tie():
    bad = {"status": "unscored", "reason": "garbage", "raw": "???"}
    row = pair_row("base->tuned", "p1", 0, "base", "tuned", _o("A", 0.9), bad, 10, 20, "1")
    assert row["status"] == "unscored" and row["verdict"] is None and row["flip"] is None
    assert "garbage" in row["reason"] and "???" in row["raw"]


def test_constant_position_bias_cancels_in_p_b():
    # a judge that adds +0.3 to whichever answer is shown first, on a true P(tuned better) of 0.6
    ab = _o("A", 0.4 + 0.3)  # base shown first: P(base better) 0.4, +0.3 for being first
    ba = _o("A", 0.6 + 0.3)  # tuned shown first: P(tuned better) 0.6, +0.3
    row = pair_row("base->tuned", "p", 0, "base", "tuned", ab, ba, 1, 1, "1")
    assert row["verdict"] == "tie" and row["p_b"] == pytest.approx(0.6)


# -- parsing --------------------------------------------------------------------------------
@pytest.mark.parametrize("text, field, allowed, expected", [
    ('{"score": 4, "rationale": "bold everywhere"}', "score", SCORES, ("4", "bold everywhere")),
    ('```json\n{"score": "5", "rationale": "great"}\n```', "score", SCORES, ("5", "great")),
    ('Sure! {"score": 2.0, "rationale": "flat"} Hope that helps.', "score", SCORES, ("2", "flat")),
    ('{"score": 3}', "score", SCORES, ("3", "")),
    ('{"winner": "b", "rationale": "has bullets"}', "winner", CHOICES, ("B", "has bullets")),
    ('{"note": 1} then {"score": 1, "rationale": "x"}', "score", SCORES, ("1", "x")),  # the first object lacks it
    ('{"score": 6, "rationale": "x"}', "score", SCORES, None),     # near miss: off the 1-5 scale
    ('{"score": 0}', "score", SCORES, None),                       # near miss: off the scale
    ('{"score": 4.5}', "score", SCORES, None),                     # near miss: not a score token
    ('{"score": true}', "score", SCORES, None),                    # near miss: a bool is not 1
    ('Score: 4. The answer is great.', "score", SCORES, None),     # near miss: no JSON at all
    ('{"score": 4', "score", SCORES, None),                        # near miss: truncated JSON
    ("I'm sorry, I can't rate this answer.", "score", SCORES, None),  # a refusal
    ('{"winner": "C"}', "winner", CHOICES, None),                  # near miss: not A or B
])
def test_parse_json_reply(text, field, allowed, expected):
    assert parse_json_reply(text, field, allowed) == expected


def _lp(token, top):
    return {"token": token, "logprob": math.log(top[0][1]),
            "top_logprobs": [{"token": t, "logprob": math.log(p)} for t, p in top]}


def test_probs_from_logprobs_reads_the_score_position_not_an_earlier_digit():
    content = [_lp("{\"", [("{\"", 1.0)]), _lp("1", [("1", 0.9)]),  # a digit before "score": not the score
               _lp("score", [("score", 1.0)]), _lp("\":", [("\":", 1.0)]),
               _lp(" 4", [(" 4", 0.6), (" 5", 0.3), ("3", 0.05), (" x", 0.05)])]
    probs = probs_from_logprobs(content, SCORES, after="score")
    assert probs == pytest.approx({"1": 0, "2": 0, "3": 0.05, "4": 0.6, "5": 0.3})
    assert expected_score(probs) == pytest.approx((3 * 0.05 + 4 * 0.6 + 5 * 0.3) / 0.95)


@pytest.mark.parametrize("content", [None, [], [_lp("hello", [("hello", 1.0)])]])
def test_probs_from_logprobs_none_when_absent(content):
    assert probs_from_logprobs(content, SCORES, after="score") is None


@pytest.mark.parametrize("probs, expected", [
    ({"1": 0.5, "2": 0, "3": 0, "4": 0, "5": 0.5}, 3.0),
    ({"1": 0, "2": 0, "3": 0, "4": 0, "5": 0.2}, 5.0),  # renormalised over the score tokens
    ({"1": 0.1, "2": 0.2, "3": 0.3, "4": 0.2, "5": 0.2}, 3.2),
    ({"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}, None),   # no mass: no score (never a 1)
])
def test_expected_score(probs, expected):
    got = expected_score(probs)
    assert got == (pytest.approx(expected) if expected is not None else None)


# -- kappa and markdown stripping ---------------------------------------------------------
@pytest.mark.parametrize("a, b, kappa", [
    ([True, True, False, False], [True, True, False, False], 1.0),
    ([True, True, False, False], [False, False, True, True], -1.0),
    ([True, True, False, False], [True, False, False, False], 0.5),  # po .75, pe .5
    ([True] * 10, [True] * 10, None),        # near miss: perfect agreement, but undefined (no variation)
    ([True] * 9 + [False], [True] * 10, 0.0),  # 90% agreement and still no better than chance
])
def test_cohen_kappa(a, b, kappa):
    k = cohen_kappa(a, b)
    assert k["kappa"] == (pytest.approx(kappa) if kappa is not None else None)
    assert k["n"] == len(a)


@pytest.mark.parametrize("text, plain", [
    ("You'll love **Heat** (1995)!\nWhy it fits\n- tense\n- smart", "You'll love Heat (1995)!\nWhy it fits\ntense\nsmart"),
    ("# Picks\n1. __Alien__\n2. *Aliens*", "Picks\nAlien\nAliens"),
    ("5 * 3 * 2 = 30 and snake_case_name stay", "5 * 3 * 2 = 30 and snake_case_name stay"),  # near miss: not emphasis
    ("---\nplain", "\nplain"),
])
def test_strip_markdown_keeps_the_words(text, plain):
    assert strip_markdown(text) == plain


# -- summaries: unscored is never a score -------------------------------------------------
def test_unscored_is_left_out_of_means_and_counted():
    def pt(pid, s, score, status="scored"):
        return {"kind": "point", "prompt_id": pid, "system": s, "sample": 0, "criterion": "enthusiasm",
                "status": status, "score": score, "method": "probs", "mass": 0.9}
    rows = [pt("p1", "base", 2.0), pt("p2", "base", 4.0), pt("p3", "base", None, "unscored"),
            pt("p1", "tuned", 5.0), pt("p2", "tuned", 3.0), pt("p3", "tuned", 1.0)]
    s = summarise_judge(rows, {"backend": "t"}, {"enthusiasm": "v1"}, ["base", "tuned"], [("base", "tuned")],
                        {"enthusiasm": 3.0})
    base = s["criteria"]["enthusiasm"]["systems"]["base"]
    assert base["mean"] == pytest.approx(3.0) and base["n"] == 2 and base["unscored"] == 1
    assert base["pass"]["k"] == 1 and base["pass"]["n"] == 2       # the unscored answer is no fail
    paired = s["criteria"]["enthusiasm"]["paired"]["base->tuned"]
    assert paired["n"] == 2 and paired["difference"] == pytest.approx(1.0)  # p3 left out of the pairing
    assert s["unscored"]["point"] == {"n": 6, "unscored": 1, "rate": pytest.approx(1 / 6)}


# -- a real HTTP server with canned replies -----------------------------------------------
class Canned:
    def __init__(self, replies):
        self.replies = replies  # callable(request_json, n) -> (status, body dict|str, delay)
        self.requests = []

    def __enter__(self):
        canned = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                body = json.dumps({"data": [{"id": "canned-judge"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                canned.requests.append(req)
                status, body, delay = canned.replies(req, len(canned.requests))
                time.sleep(delay)
                data = (body if isinstance(body, str) else json.dumps(body)).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def chat(text, logprobs=None):
    choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
    if logprobs is not None:
        choice["logprobs"] = {"content": logprobs}
    return {"choices": [choice], "usage": {"completion_tokens": 5}}


POINT, PAIR = load_rubrics()
RUN_ROWS = [
    {"prompt_id": "p1", "system": "base", "sample": 0, "prompt": "I loved Heat. What next?",
     "response": "Try Ronin.", "error": ""},
    {"prompt_id": "p1", "system": "tuned", "sample": 0, "prompt": "I loved Heat. What next?",
     "response": "You'll love **Ronin** (1998)!\nWhy it fits\n- heists\n- car chases", "error": ""},
]


def _run_dir(tmp_path, rows=RUN_ROWS) -> Path:
    d = tmp_path / "run"
    d.mkdir(exist_ok=True)
    (d / "generations.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return d


def test_garbage_is_retried_once_then_unscored_with_the_raw_text_kept(tmp_path):
    with Canned(lambda req, n: (200, chat("¯\\_(ツ)_/¯ banana " * 3), 0)) as srv:
        judge = HTTPJudge(srv.url, timeout=5)
        judge.check_ready()
        assert judge.model_name == "canned-judge"  # learned from /models
        done, _, stats = run_tasks(judge, [PointTask("q", "a", POINT["enthusiasm"])], [],
                                   cache=DiskCache("j", root=tmp_path))
        got = done[0][1]
    assert got["status"] == "unscored" and got["score"] is None and got["attempts"] == 2
    assert "banana" in got["raw"]
    # the repair retry was a second request that showed the model its own reply and asked again
    assert len(srv.requests) == 2 and stats.unscored == 1 and srv.requests[1]["messages"][-2]["role"] == "assistant"
    assert "not valid" in srv.requests[1]["messages"][-1]["content"]
    assert all(r["logprobs"] is True and r["top_logprobs"] == 20 for r in srv.requests)


def test_repair_retry_can_rescue_a_reply():
    replies = lambda req, n: (200, chat("Great answer!" if n == 1 else '{"score": 4, "rationale": "ok"}'), 0)
    with Canned(replies) as srv:
        judge = HTTPJudge(srv.url, model_name="m", timeout=5)
        out = []
        judge.score([PointTask("q", "a", POINT["enthusiasm"])], lambda t, r: out.append(r))
    r = out[0]
    assert r["status"] == "scored" and r["score"] == 4.0 and r["method"] == "json" and r["attempts"] == 2


def test_logprobs_when_the_server_returns_them():
    lp = [_lp('{"', [('{"', 1.0)]), _lp("score", [("score", 1.0)]), _lp('":', [('":', 1.0)]),
          _lp(" 4", [(" 4", 0.5), (" 5", 0.5)])]
    with Canned(lambda req, n: (200, chat('{"score": 4, "rationale": "warm"}', lp), 0)) as srv:
        judge = HTTPJudge(srv.url, model_name="m", timeout=5)
        out = []
        judge.score([PointTask("q", "a", POINT["enthusiasm"])], lambda t, r: out.append(r))
    assert out[0]["method"] == "logprobs" and out[0]["score"] == pytest.approx(4.5)
    assert out[0]["rationale"] == "warm"


@pytest.mark.parametrize("status, delay, reason", [
    (500, 0, "HTTP 500"),        # a server error: retried once, then unscored
    (200, 1.5, "timed out"),     # slower than the 0.5 s timeout
])
def test_transport_failures_retry_once_then_unscored_and_are_not_cached(tmp_path, status, delay, reason):
    with Canned(lambda req, n: (status, chat('{"score": 3}'), delay)) as srv:
        judge = HTTPJudge(srv.url, model_name="m", timeout=0.5, retry_wait=0.01)
        cache = DiskCache("j", root=tmp_path)
        done, _, stats = run_tasks(judge, [PointTask("q", "a", POINT["enthusiasm"])], [], cache=cache)
        assert done[0][1]["status"] == "unscored" and reason in done[0][1]["reason"]
        assert judge.calls == 2
        run_tasks(judge, [PointTask("q", "a", POINT["enthusiasm"])], [], cache=cache)
        assert judge.calls == 4  # not cached: a rerun tries again


def test_judge_run_goes_on_past_unscored_answers_and_can_be_gated(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MOVIESTYLE_CACHE", str(tmp_path / "cache"))
    run = _run_dir(tmp_path)

    def replies(req, n):
        user = req["messages"][1]["content"]
        if "Enthusiasm" in user and "Ronin**" in user:
            return 200, chat("I cannot judge this."), 0  # a refusal, for one answer and one criterion
        if "winner" in req["messages"][1]["content"]:
            return 200, chat('{"winner": "A", "rationale": "first"}'), 0
        return 200, chat('{"score": 4, "rationale": "fine"}'), 0

    with Canned(replies) as srv:
        rc = main(["judge", "run", str(run), "--judge", srv.url, "--json"])
        assert rc == 0
        summary = json.loads((run / "judge_summary.json").read_text())
        rows = [json.loads(l) for l in (run / "judge.jsonl").read_text().splitlines()]
        uns = [r for r in rows if r["status"] == "unscored"]
        assert len(uns) == 1 and uns[0]["system"] == "tuned" and uns[0]["criterion"] == "enthusiasm"
        assert (run / "judge_raw" / "p1-tuned-0-enthusiasm.txt").read_text().count("I cannot judge this.") == 2
        ent = summary["criteria"]["enthusiasm"]["systems"]
        assert ent["tuned"]["n"] == 0 and ent["tuned"]["unscored"] == 1 and ent["tuned"]["mean"] is None
        # a judge that always says "A" flips with the order: a tie, P(prefer first) = 100%
        pw = summary["pairwise"]["base->tuned"]
        assert pw["tie"]["k"] == 1 and pw["flip"]["rate"] == 1.0 and pw["prefer_first"]["rate"] == 1.0
        assert summary["unscored"]["point"]["unscored"] == 1
        # gated: 1 of 11 judgements unscored (9%) is over a 5% gate
        assert main(["judge", "run", str(run), "--judge", srv.url, "--max-unscored", "0.05", "--json"]) == 1
        assert main(["judge", "run", str(run), "--judge", srv.url, "--max-unscored", "0.10", "--json"]) == 0
    capsys.readouterr()


def test_second_run_makes_zero_judge_calls(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MOVIESTYLE_CACHE", str(tmp_path / "cache"))
    run = _run_dir(tmp_path)
    reply = lambda req, n: (200, chat('{"winner": "B", "rationale": "x"}' if "winner" in req["messages"][1]["content"]
                                      else '{"score": 3, "rationale": "x"}'), 0)
    with Canned(reply) as srv:
        assert main(["judge", "run", str(run), "--judge", srv.url, "--json"]) == 0
        first = len(srv.requests)
        assert first == 2 * 5 + 2  # two answers x five criteria, one pair x two orders
        s1 = json.loads((run / "judge_summary.json").read_text())
        assert s1["timing"]["judge_calls"] == first and s1["timing"]["cached"] == 0
        assert main(["judge", "run", str(run), "--judge", srv.url, "--json"]) == 0
        assert len(srv.requests) == first  # the server saw nothing new
        s2 = json.loads((run / "judge_summary.json").read_text())
        assert s2["timing"]["judge_calls"] == 0 and s2["timing"]["cached"] == first
        assert s2["criteria"] == s1["criteria"]
        # a new rubric version is a new key: judged again
        rub = tmp_path / "rubrics"
        rub.mkdir()
        for f in ("pointwise.toml", "pairwise.toml"):
            text = (RUBRIC_DIR / f).read_text()
            (rub / f).write_text(text.replace('version = "1"\nmax_answer_tokens', 'version = "2"\nmax_answer_tokens')
                                 if f == "pairwise.toml" else text)
        assert main(["judge", "run", str(run), "--judge", srv.url, "--rubrics", str(rub), "--json"]) == 0
        assert len(srv.requests) == first + 2  # only the pairwise rubric changed
    capsys.readouterr()


def test_unreachable_judge_is_a_clear_error_before_the_run(tmp_path, capsys):
    from llama_server import free_port

    run = _run_dir(tmp_path)
    rc = main(["judge", "run", str(run), "--judge", f"http://127.0.0.1:{free_port()}/v1"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "cannot reach the judge" in err and "is the server running" in err
    assert not (run / "judge.jsonl").exists()


@pytest.mark.parametrize("line, field", [
    ({"prompt_id": "p1", "system": "base", "prompt": "q"}, "response"),
    ({"prompt_id": "p1", "system": "base", "prompt": "q", "response": 3}, "response"),
    ({"prompt_id": "p1", "system": "base", "prompt": "", "response": "a"}, "prompt"),
    ({"prompt_id": "p1", "system": "base", "prompt": "q", "response": "a", "sample": "0"}, "sample"),
])
def test_bad_generations_line_names_file_line_field(tmp_path, line, field):
    run = _run_dir(tmp_path, RUN_ROWS + [line])
    with pytest.raises(InputError) as exc:
        judge_run(run, HTTPJudge("http://127.0.0.1:9/v1", model_name="m"))
    assert exc.value.line == 3 and exc.value.field == field and "generations.jsonl" in str(exc.value)


def test_bad_rubric_is_a_clear_error(tmp_path):
    (tmp_path / "pointwise.toml").write_text('version = "1"\n')
    (tmp_path / "pairwise.toml").write_text((RUBRIC_DIR / "pairwise.toml").read_text())
    with pytest.raises(JudgeError, match="missing"):
        load_rubrics(tmp_path)


@pytest.mark.parametrize("pos, neg, expected", [
    ([3, 4], [1, 2], 1.0),       # perfect separation
    ([1, 2], [3, 4], 0.0),       # perfectly reversed
    ([2, 2], [2, 2], 0.5),       # ties count half: no separation
    ([3.1, 2.9], [3.0], 0.5),    # near miss: one above, one below
    ([], [1], None),             # nothing labelled pass: undefined, not 0.5
])
def test_auc(pos, neg, expected):
    from harness.agreement import auc

    assert auc(pos, neg) == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize("k, word", [(None, "undefined"), (-0.3, "worse than chance"), (-1e-17, "chance"),
                                     (0.1, "slight"), (0.39, "fair"), (0.52, "moderate"), (0.9, "almost perfect")])
def test_kappa_words(k, word):
    from harness.agreement import kappa_label

    assert kappa_label(k) == word
