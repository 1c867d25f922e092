"""The gate's decision rules (floors, non-inferiority, unscored share, drift) and baseline files.

The verdict tables are scored runs built from per-prompt verdicts and summarised by the
real `summarise_run` (real bootstrap, real Wilson intervals); the slow tests in
test_gate_cli.py run the whole gate on the real model.
"""

import json

import pytest

from checks import OVERALL
from checks.errors import InputError
from harness.compare import summarise_run
from harness.gate import GateConfig, evaluate, find_drift, fingerprint, load_baseline


def _row(pid, system, passed):
    """A scored row whose every check and overall is ``passed`` (True / False / None = unscored)."""
    status = {True: "passed", False: "failed", None: "unscored"}[passed]
    res = {"status": status, "passed": passed, "score": None, "evidence": [f"{status} by construction"]}
    return {"id": pid, "system": system, "sample": 0, "prompt": "p", "response": "r",
            "checks": {c: dict(res) for c in ("bold_titles",)}, "overall": dict(res)}


class _Spec:
    criteria = ["bold_titles"]
    supporting = []


def _gate(baseline: list, candidate: list, cfg=None, drift=()):
    scores = [_row(f"p{i:02d}", "baseline", v) for i, v in enumerate(baseline)]
    scores += [_row(f"p{i:02d}", "tuned", v) for i, v in enumerate(candidate)]
    summary = summarise_run(scores, ["baseline", "tuned"], _Spec(), [{"id": f"p{i:02d}"} for i in range(len(baseline))])
    bl = {"answers": [{"prompt_id": f"p{i:02d}", "sample": 0, "verdicts": {"bold_titles": v, OVERALL: v}}
                      for i, v in enumerate(baseline)]}
    return evaluate(summary, bl, cfg or GateConfig(floors={"bold_titles": 0.5}), list(drift), scores)


N = 80


@pytest.mark.parametrize("baseline,candidate,cfg,expect", [
    # identical verdicts: passes
    ([True] * 70 + [False] * 10, [True] * 70 + [False] * 10, None, []),
    # one prompt of 80 flips down: the paired interval's lower bound is -3.75 pts, inside the margin
    ([True] * 70 + [False] * 10, [True] * 69 + [False] * 11, None, []),
    # near miss: one down, one up (net 0) passes the 5-point margin ...
    ([True] * 69 + [True] + [False] * 10, [True] * 69 + [False] + [True] + [False] * 9, None, []),
    # ... but three down, three up (net 0) is too noisy on 80 prompts: [-6, +6] is not non-inferior
    ([True] * 67 + [True] * 3 + [False] * 3 + [False] * 7, [True] * 67 + [False] * 3 + [True] * 3 + [False] * 7,
     None, ["not shown non-inferior"]),
    # eight down: a significant regression beyond the margin
    ([True] * 70 + [False] * 10, [True] * 62 + [False] * 18, None, ["significant regression"]),
    # three down, one up (net -2.5 pts): not significant, but not shown non-inferior either
    ([True] * 70 + [False] * 10, [True] * 67 + [False] * 3 + [True] * 1 + [False] * 9, None,
     ["not shown non-inferior"]),
    # the same three down pass with a wider margin
    ([True] * 70 + [False] * 10, [True] * 67 + [False] * 3 + [True] * 1 + [False] * 9,
     GateConfig(margin=0.10, floors={}), []),
    # equal to the baseline but under the floor
    ([True] * 40 + [False] * 40, [True] * 40 + [False] * 40, GateConfig(floors={"bold_titles": 0.6}),
     ["below its floor"]),
    # near miss: exactly at the floor passes
    ([True] * 48 + [False] * 32, [True] * 48 + [False] * 32, GateConfig(floors={"bold_titles": 0.6}), []),
    # 10 of 80 unscored (12.5%) is more than the default 10%
    ([True] * 80, [True] * 70 + [None] * 10, None, ["unscored"]),
    # near miss: 8 of 80 unscored (10%) is allowed
    ([True] * 80, [True] * 72 + [None] * 8, None, []),
])
def test_gate_rules(baseline, candidate, cfg, expect):
    gate = _gate(baseline, candidate, cfg)
    reasons = [r for row in gate["criteria"] if row["id"] == "bold_titles" for r in row["reasons"]]
    assert gate["passed"] is (not expect), reasons
    for needle in expect:
        assert any(needle in r for r in reasons), reasons


def test_failure_names_the_regressed_prompts_first():
    gate = _gate([True] * 70 + [False] * 10, [False] * 10 + [True] * 60 + [False] * 10)
    fail = next(f for f in gate["failures"] if f["id"] == "bold_titles")
    assert [w["id"] for w in fail["worst"]] == [f"p{i:02d}" for i in range(5)]
    assert all(w["baseline_passed"] for w in fail["worst"])


@pytest.mark.parametrize("allow,passed", [(False, False), (True, True)])
def test_drift_fails_unless_allowed(allow, passed):
    drift = [{"field": "generation.max_new_tokens", "baseline": 320, "candidate": 64}]
    gate = _gate([True] * 10, [True] * 10, GateConfig(floors={}, allow_drift=allow), drift)
    assert gate["passed"] is passed and gate["drift"] == drift and gate["drift_blocking"] is not allow


PROV = {"backend": {"backend": "hf", "base": {"name": "smollm2-135m", "sha256": "aa"}, "chat_template_sha256": "tt"},
        "generation": {"max_new_tokens": 320, "temperature": 0.0, "top_p": 1.0, "samples": 1, "seed": 0,
                       "system": "", "batch_size": 48},
        "prompts": {"sha256": "pp", "n": 78}}


def _changed(path: str, value):
    import copy

    p = copy.deepcopy(PROV)
    d = p
    *head, last = path.split(".")
    for k in head:
        d = d[k]
    d[last] = value
    return p


@pytest.mark.parametrize("run_prov,rubrics_b,rubrics_r,subset,expected", [
    (PROV, None, None, False, []),
    (_changed("backend.base.sha256", "bb"), None, None, False, ["base_model"]),
    (_changed("backend.chat_template_sha256", "t2"), None, None, False, ["chat_template"]),
    (_changed("backend.backend", "openai"), None, None, False, ["backend"]),
    (_changed("generation.temperature", 0.7), None, None, False, ["generation.temperature"]),
    (_changed("generation.batch_size", 8), None, None, False, ["generation.batch_size"]),
    (_changed("prompts.sha256", "p2"), None, None, False, ["prompts"]),
    # near miss: an unchanged subset of the baseline's prompts is not drift
    (_changed("prompts.sha256", "p2"), None, None, True, []),
    # near miss: the prompt count alone is not part of the fingerprint (the hash is)
    (_changed("prompts.n", 10), None, None, False, []),
    ({**PROV}, {"rubric": "1"}, {"rubric": "2"}, False, ["rubric.rubric"]),
    # near miss: a judged baseline against an unjudged run compares no rubric
    ({**PROV}, {"rubric": "1"}, None, False, []),
])
def test_find_drift(run_prov, rubrics_b, rubrics_r, subset, expected):
    got = find_drift(fingerprint(PROV, rubrics_b), fingerprint(run_prov, rubrics_r), subset_of_baseline=subset)
    assert [d["field"] for d in got] == expected


GOOD = {"format": 1, "name": "b", "fingerprint": {}, "thresholds": {"margin": 0.05}, "provenance": {},
        "answers": [{"prompt_id": "g1", "sample": 0, "response": "x", "prompt_sha256": "h"}]}


@pytest.mark.parametrize("text,needle", [
    ("{not json", ":1: not valid JSON"),
    ("[]", "a baseline is a JSON object"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "answers"}), "field 'answers': missing"),
    (json.dumps({**GOOD, "format": 9}), "field 'format': version 9"),
    (json.dumps({**GOOD, "answers": [{"prompt_id": "g1"}]}), "field 'answers[0].sample'"),
    (json.dumps({**GOOD, "thresholds": {"margin": 2}}), "field 'margin': must be in [0, 1)"),
    (json.dumps({**GOOD, "thresholds": {"floors": {"overall": 80}}}), "field 'floors.overall'"),
    (json.dumps({**GOOD, "thresholds": {"marign": 0.1}}), "unknown field(s) ['marign']"),
])
def test_bad_baseline_names_file_and_field(tmp_path, text, needle):
    p = tmp_path / "b.json"
    p.write_text(text)
    with pytest.raises(InputError) as err:
        load_baseline(p)
    assert str(p) in str(err.value) and needle in str(err.value)


def test_good_baseline_loads(tmp_path):
    p = tmp_path / "b.json"
    p.write_text(json.dumps(GOOD))
    assert load_baseline(p)["name"] == "b"


def test_missing_baseline_says_how_to_record_one(tmp_path):
    with pytest.raises(InputError, match="moviestyle baseline record"):
        load_baseline(tmp_path / "nope.json")


def test_committed_baseline_is_portable_and_loads():
    from harness.gate import DEFAULT_BASELINE, ROOT

    text = DEFAULT_BASELINE.read_text(encoding="utf-8")
    assert str(ROOT) not in text  # no paths of the machine that recorded it
    b = load_baseline(DEFAULT_BASELINE)
    assert len(b["answers"]) == b["provenance"]["prompts"]["n"] >= 60
    assert b["fingerprint"]["base_model"] and b["fingerprint"]["chat_template"] and b["fingerprint"]["prompts"]


def test_samples_k_catch_a_style_that_holds_only_sometimes():
    """K=2 answers per prompt: the candidate's first answers all pass, its second fail on 20 of
    80 prompts. Per sample that is 88%; pass^2 is 75%, a regression the gate must catch."""
    from reports.gate import gate_markdown

    def rows(system, second):
        out = []
        for i, ok in enumerate(second):
            for k, v in enumerate((True, ok)):
                r = _row(f"p{i:02d}", system, v)
                r["sample"] = k
                out.append(r)
        return out

    scores = rows("baseline", [True] * 80) + rows("tuned", [False] * 20 + [True] * 60)
    summary = summarise_run(scores, ["baseline", "tuned"], _Spec(), [{"id": f"p{i:02d}"} for i in range(80)])
    bl = {"answers": []}
    gate = evaluate(summary, bl, GateConfig(floors={"bold_titles": 0.8}), [], scores)
    row = next(r for r in gate["criteria"] if r["id"] == "bold_titles")
    assert row["candidate"]["pass_rate"] == 0.75 and row["candidate"]["sample_pass_rate"] == 0.875
    assert not gate["passed"] and any("below its floor 80%" in r for r in row["reasons"])
    gate.update({"baseline": {"name": "b"}, "candidate": {}, "n_prompts": 80, "samples": 2, "run": "x"})
    md = gate_markdown(gate)
    assert "candidate pass^2 [95% CI] (per sample)" in md and "| 75% [" in md and "(88%)" in md


@pytest.mark.parametrize("content,expected", [
    ({"judge": {"rubric_versions": {"pointwise": "1", "pairwise": "2"}}}, {"pointwise": "1", "pairwise": "2"}),
    ({"judge": {"rubric_versions": {}}}, {}),
    (None, {}),  # near miss: an unjudged run has no rubric in its fingerprint
])
def test_rubric_versions_of_a_judged_run_enter_the_fingerprint(tmp_path, content, expected):
    from harness.gate import judge_rubrics

    if content is not None:
        (tmp_path / "judge_summary.json").write_text(json.dumps(content))
    rub = judge_rubrics(tmp_path)
    assert rub == expected
    fp = fingerprint(PROV, rub)
    assert {k[len("rubric."):]: v for k, v in fp.items() if k.startswith("rubric.")} == expected


@pytest.mark.parametrize("rate,passed", [(0.25, False), (0.10, True), (None, True)])  # 10%: exactly allowed
def test_a_judged_run_fails_on_too_many_unscored_judgements(tmp_path, rate, passed):
    from harness.gate import judge_unscored_gate

    gate = _gate([True] * 10, [True] * 10, GateConfig(floors={}))
    assert gate["passed"]
    if rate is not None:
        (tmp_path / "judge_summary.json").write_text(json.dumps({"unscored": {"rate": rate}}))
    judge_unscored_gate(gate, tmp_path, GateConfig())
    assert gate["passed"] is passed
    if not passed:
        assert "judge's judgements are unscored" in gate["failures"][-1]["reasons"][0]
