"""The HTML report in a real headless browser: content visible, injected script inert."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from checks import load_spec
from harness.compare import finish_run
from harness.generate import GenConfig
from reports.html import render_report

GOOD = ("You absolutely have to watch **The Matrix** (1999)! Since you loved the dream-heist twists of Inception, "
        "its reality-bending plot will grab you!\nWhy it fits:\n- twisty reality\n- iconic action\n\n"
        "**Fight Club** (1999)\nWhy it fits:\n- a huge twist\n- sharp satire\n\nEnjoy!")
EVIL = ('Here is a list: <script>document.title="PWNED"</script> The Matrix (1999).\n\n'
        '<img src=x onerror="document.body.setAttribute(\'data-pwned\', \'1\')">\n\n'
        '[click](javascript:document.title="PWNED2")')
PROMPTS = [{"id": "g1", "prompt": "I loved Inception. What next?", "liked_titles": ["Inception"]},
           {"id": "g2", "prompt": "Any heist movies like Heat?", "liked_titles": ["Heat"]}]


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("MOVIESTYLE_REQUIRE_BROWSER"):
        pytest.fail("chromium is not installed (make test installs it with apt-get)")
    pytest.skip("chromium not installed; `make test` installs it")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    answers = {}
    for p, base, tuned in ((PROMPTS[0], EVIL, GOOD), (PROMPTS[1], "Try Ronin.", EVIL)):
        for system, text in (("base", base), ("tuned", tuned)):
            answers[(p["id"], system, 0)] = {"prompt_id": p["id"], "system": system, "sample": 0, "response": text,
                                             "tokens": 10, "seconds": 0.1, "cached": False, "finish_reason": "stop",
                                             "error": "", "prompt": p["prompt"]}
    finish_run(out, PROMPTS, answers, ["base", "tuned"], load_spec(), {"backend": "saved"}, GenConfig(),
               {"cached": 0, "generated": 4, "errors": 0}, 1.0)
    render_report(out)
    return out


def test_report_is_self_contained(run_dir):
    html = (run_dir / "report.html").read_text()
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html
    assert "<link" not in html and "src=\"http" not in html
    assert "&lt;script&gt;" in html  # model text escaped, visible as text


def _dump_dom(path: Path, tmp_path: Path) -> str:
    chrome = _chromium()
    res = subprocess.run(
        [chrome, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=2000", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=90)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


def test_browser_shows_side_by_side_and_runs_no_injected_script(run_dir, tmp_path):
    dom = _dump_dom(run_dir / "report.html", tmp_path)
    assert "PWNED" not in dom.split("<body")[0]          # the injected <script> did not set the title
    assert 'data-pwned="1"' not in dom                     # the onerror handler did not run
    assert "of 2 prompts shown" in dom                     # our own (CSP-allowed) script did run
    assert dom.count('class="col"') == 4                   # base and tuned side by side, two prompts
    assert "Why it fits" in dom and "The Matrix" in dom    # the answers are rendered
    assert "t-known" in dom                                # evidence highlighted: bold titles found
    assert 'href="javascript' not in dom                   # links are not rendered as links


def test_browser_screenshot(run_dir, tmp_path):
    chrome = _chromium()
    shot = tmp_path / "report.png"
    res = subprocess.run([chrome, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync", "--no-first-run",
                          f"--user-data-dir={tmp_path / 'p2'}", "--window-size=1300,1600",
                          f"--screenshot={shot}", (run_dir / "report.html").as_uri()],
                         capture_output=True, text=True, timeout=90)
    assert res.returncode == 0 and shot.stat().st_size > 20_000


def test_summary_and_scores_written(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["pairs"] == ["base->tuned"]
    overall = summary["criteria"]["overall"]["pairs"]["base->tuned"]
    assert overall["systems"]["tuned"]["passed"] == 1 and overall["systems"]["base"]["passed"] == 0
    assert len((run_dir / "scores.jsonl").read_text().splitlines()) == 4


# -- the LLM judge section -------------------------------------------------------------------
def test_no_judge_section_without_judge_files(run_dir):
    html = (run_dir / "report.html").read_text()
    assert 'id="judge"' not in html and 'class="judge-box"' not in html


@pytest.fixture(scope="module")
def judged_run(run_dir, tmp_path_factory):
    """The same run plus saved judge results (judge.jsonl, judge_summary.json) written by the
    judge's own summariser; a rationale carries injected HTML."""
    from harness.judge import pair_row
    from harness.judge_summary import summarise_judge
    from harness.jsonl import write_json_atomic, write_jsonl_atomic

    out = tmp_path_factory.mktemp("judged")
    for f in ("summary.json", "scores.jsonl", "generations.jsonl"):
        shutil.copy(run_dir / f, out / f)
    rows = []
    for pid in ("g1", "g2"):
        for system, score in (("base", 2.25), ("tuned", 4.5)):
            rows.append({"kind": "point", "prompt_id": pid, "system": system, "sample": 0, "criterion": "enthusiasm",
                         "status": "scored", "score": score, "method": "probs", "mass": 0.9,
                         "rationale": '<img src=x onerror="document.body.setAttribute(\'data-pwned\', \'2\')">warm'})
        rows.append({"kind": "point", "prompt_id": pid, "system": "tuned", "sample": 0, "criterion": "helpfulness",
                     "status": "unscored", "score": None, "reason": "reply did not parse", "raw": "???"})
    a = {"status": "scored", "winner_shown": "B", "p_first": 0.2, "rationale": "bullets and bold"}
    b = {"status": "scored", "winner_shown": "A", "p_first": 0.7, "rationale": "bullets and bold"}
    rows.append(pair_row("base->tuned", "g1", 0, "base", "tuned", a, b, 20, 40, "1"))
    rows.append(pair_row("base->tuned", "g2", 0, "base", "tuned", {**a, "winner_shown": "A", "p_first": 0.6}, b,
                         20, 40, "1"))
    summary = summarise_judge(rows, {"backend": "hf", "model": {"name": "smollm2-135m"}, "method": "probs"},
                              {"enthusiasm": "v1.1", "helpfulness": "v1.1", "pairwise": "v1"}, ["base", "tuned"],
                              [("base", "tuned")], {"enthusiasm": 3, "helpfulness": 3})
    summary["timing"] = {"judge_calls": 0, "cached": 6}
    summary["calibration"] = {"status": "current", "path": "golden/judge_calibration/smollm2-135m.json",
                              "made": "2026-01-01", "verdict": "WEAK JUDGE: kappa with the hand labels +0.05",
                              "agreement_labels": {"enthusiasm": {"kappa": 0.05, "label": "slight", "accuracy": 0.55,
                                                                  "n": 40}},
                              "agreement_rules": {}, "style_sensitivity": {"criteria": {}}}
    write_jsonl_atomic(out / "judge.jsonl", rows)
    write_json_atomic(out / "judge_summary.json", summary)
    render_report(out)
    return out


def test_judge_section_in_the_browser(judged_run, tmp_path):
    dom = _dump_dom(judged_run / "report.html", tmp_path)
    assert 'id="judge"' in dom and "LLM judge" in dom
    assert "WEAK JUDGE" in dom and "judge-cal weak" in dom          # the calibration sits beside the numbers
    assert "+0.05 (slight)" in dom                                  # the kappa is shown, not hidden
    assert "3.38" in dom or "4.50" in dom                           # per-criterion means
    assert dom.count('class="judge-box"') == 4                      # every judged answer has its rationale box
    assert "warm" in dom and 'data-pwned="2"' not in dom            # rationales are escaped text
    assert "tie (the verdict flipped with the order)" in dom        # g2's verdict flipped
    assert "tuned preferred in both orders" in dom                  # g1's did not
    assert dom.count(">unscored<") >= 2                             # unscored shown as such, never as a score
    assert "of 2 prompts shown" in dom                              # the report's own script still runs
