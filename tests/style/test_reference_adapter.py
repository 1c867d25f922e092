"""Style gates on the reference adapter against its committed baseline (`pytest -m style`).

The plugin's ``style_run`` fixture generates the adapter's answers on the golden
prompts with the baseline's settings (cached on disk, so only the first session
generates) and gates them; pyproject.toml's ini options point it at the reference
adapter and golden/baselines/smollm2-movie.json.
"""

import pytest

CRITERIA = ["bold_titles", "why_it_fits", "enthusiasm", "taste_reasoning"]


@pytest.mark.style
def test_reference_adapter_passes_its_gate(style_run):
    style_run.assert_gate()


@pytest.mark.style
@pytest.mark.parametrize("criterion", CRITERIA + ["overall"])
def test_criterion_holds_its_floor(style_run, criterion):
    style_run.assert_pass_rate(criterion, 0.80)


@pytest.mark.style
@pytest.mark.parametrize("criterion", CRITERIA + ["overall"])
def test_no_regression_against_the_baseline(style_run, criterion):
    style_run.assert_no_regression(criterion)


@pytest.mark.style
@pytest.mark.parametrize("prompt_id", ["g001", "g010", "g040"])
def test_showcase_prompts_pass(style_run, prompt_id):
    style_run.assert_prompt_passes(prompt_id)
