"""The pytest plugin, run inside pytester sessions the way a user's repository would use it.

Each session runs in its own process (runpytest_subprocess), as in a user's repository: an
in-process session would import torch, transformers and scipy inside pytester's module
snapshot, which unloads them afterwards and breaks every later test that imports them."""

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _shared_model_cache(monkeypatch):
    """pytester points HOME at a temporary folder; the sessions share this machine's
    moviestyle cache (converted model, generations) as a user's sessions do."""
    from harness.models import cache_root

    monkeypatch.setenv("MOVIESTYLE_CACHE", str(cache_root()))

# the five-line gate the README and examples/adapter-repo show a user's repository
USER_TEST = (Path(__file__).resolve().parents[2] / "examples" / "adapter-repo" / "tests" / "test_style.py").read_text()


def test_the_example_is_five_lines():
    assert len([line for line in USER_TEST.splitlines() if line.strip()]) == 4  # + one blank: five lines


def test_marker_and_options_are_registered(pytester):
    pytester.makepyfile(USER_TEST.replace("style_run.assert_gate()", "pass").replace("(style_run)", "()"))
    res = pytester.runpytest_subprocess("--strict-markers", "-m", "style")
    res.assert_outcomes(passed=1)  # the style marker is declared: --strict-markers accepts it
    help_text = pytester.runpytest_subprocess("--help").stdout.str()
    for opt in ("--style-base", "--style-adapter", "--style-prompts", "--style-baseline", "--style-run"):
        assert opt in help_text


def test_without_an_adapter_the_fixture_says_what_to_pass(pytester):
    pytester.makepyfile(USER_TEST)
    res = pytester.runpytest_subprocess()
    res.assert_outcomes(errors=1)
    res.stdout.fnmatch_lines(["*style_run needs an adapter to test: --style-adapter PATH or --style-run*"])


@pytest.mark.slow
def test_five_line_user_gate_passes_on_the_reference_run(pytester, small_gate_run):
    pytester.makepyfile(USER_TEST)
    res = pytester.runpytest_subprocess("--style-run", str(small_gate_run["run"]), "--style-baseline",
                             str(small_gate_run["baseline"]), "-m", "style", "--strict-markers")
    res.assert_outcomes(passed=1)


@pytest.mark.slow
def test_the_example_adapter_repository_gates_its_adapter(pytester, small_gate_run):
    """examples/adapter-repo as a user's repository: its pyproject.toml names the adapter and the
    baseline (paths relative to the rootdir); `pytest -m style` generates (from the cache) and gates."""
    import shutil

    example = Path(__file__).resolve().parents[2] / "examples" / "adapter-repo"
    shutil.copytree(small_gate_run["adapter"], pytester.path / "adapters" / "movie")
    (pytester.path / "baselines").mkdir()
    shutil.copy(small_gate_run["baseline"], pytester.path / "baselines" / "movie.json")
    shutil.copy(small_gate_run["prompts"], pytester.path / "prompts.jsonl")
    ini = (example / "pyproject.toml").read_text().replace('# style_prompts = "prompts.jsonl"', 'style_prompts = "prompts.jsonl"')
    pytester.makepyprojecttoml(ini)
    pytester.makepyfile(test_style=USER_TEST)
    res = pytester.runpytest_subprocess("-m", "style")
    res.assert_outcomes(passed=1)
    res.stdout.fnmatch_lines(["*gating */adapters/movie against baseline */baselines/movie.json*"])


@pytest.mark.slow
def test_failing_assertions_name_the_check_figures_and_worst_prompts(pytester, small_gate_run):
    pytester.makepyfile("""
        def test_floor(style_run):
            style_run.assert_pass_rate("no_repeat", 0.99)

        def test_prompt(style_run):
            bad = [r["id"] for r in style_run.scores if r["system"] == "tuned" and not r["passed"]]
            style_run.assert_prompt_passes(bad[0])

        def test_regression_against_a_stricter_margin(style_run):
            style_run.assert_no_regression("overall", margin=-0.01)  # demands an improvement

        def test_unknown_check(style_run):
            style_run.pass_rate("bogus")
    """)
    res = pytester.runpytest_subprocess("--style-run", str(small_gate_run["run"]), "--style-baseline",
                             str(small_gate_run["baseline"]))
    res.assert_outcomes(failed=4)
    import re

    out = res.stdout.str()
    assert re.search(r"no_repeat: pass rate \d+% \[\d+, \d+\] over 6 prompts is below 99% .*Worst prompts: g0", out)
    assert "overall on prompt g0" in out
    # the same answers on both sides: a zero difference with a zero-width paired interval
    assert re.search(r"overall: candidate (\d+% \[\d+, \d+\]) vs baseline \1: \+0 pts \[\+0, \+0\]", out)
    assert "unknown check 'bogus'" in out


@pytest.mark.slow
def test_a_regressed_candidate_fails_assert_gate_with_the_gate_summary(pytester, small_gate_run, tmp_path):
    """A baseline that claims everything passed: the real candidate is a regression against it."""
    import json

    b = json.loads(small_gate_run["baseline"].read_text())
    b["thresholds"]["floors"] = {"overall": 0.99}
    path = tmp_path / "strict.json"
    path.write_text(json.dumps(b))
    pytester.makepyfile(USER_TEST)
    res = pytester.runpytest_subprocess("--style-run", str(small_gate_run["run"]), "--style-baseline", str(path))
    res.assert_outcomes(failed=1)
    res.stdout.fnmatch_lines(["*moviestyle gate: FAIL*", "*overall*below its floor 99%*"])
