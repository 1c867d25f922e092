"""moviestyle's pytest plugin (registered through the ``pytest11`` entry point).

Any project that installs moviestyle gets:

* the ``style`` marker (declared, so ``--strict-markers`` is happy): ``pytest -m style``;
* options ``--style-base``, ``--style-adapter``, ``--style-prompts``, ``--style-baseline``,
  ``--style-run`` and ``--style-out``, each also settable in the ini file as
  ``style_base`` etc. (paths there are relative to the rootdir);
* the session fixture ``style_run``: the candidate adapter's answers on the prompts,
  generated once per session (cached on disk across sessions) or read from
  ``--style-run``, scored, and gated against ``--style-baseline`` when one is given. It is
  a :class:`harness.style_run.StyleRun` with ``assert_pass_rate``,
  ``assert_no_regression``, ``assert_prompt_passes`` and ``assert_gate``.

A user's repository gates its adapter with::

    import pytest

    @pytest.mark.style
    def test_style_holds(style_run):
        style_run.assert_gate()
"""

from __future__ import annotations

from pathlib import Path

import pytest

OPTIONS = {
    "base": "base model name or path (default: the baseline's, else smollm2-135m)",
    "adapter": "the candidate LoRA adapter folder to test",
    "prompts": "prompts JSONL (default: the baseline's prompt file, else golden/prompts.jsonl)",
    "baseline": "baseline JSON to gate against (moviestyle baseline record)",
    "run": "reuse a finished `moviestyle compare` run folder instead of generating",
    "out": "where the session's run folder goes (default: inside .pytest_cache)",
}


def pytest_addoption(parser) -> None:
    group = parser.getgroup("moviestyle", "moviestyle style gates")
    for name, help_text in OPTIONS.items():
        group.addoption(f"--style-{name}", dest=f"style_{name}", default=None, help=help_text)
        parser.addini(f"style_{name}", help=f"moviestyle: {help_text}", default=None)


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "style: moviestyle style-regression gates (select with -m style)")


def _option(config, name: str, is_path: bool = True) -> str | None:
    value = config.getoption(f"style_{name}")
    if value:
        return value
    value = config.getini(f"style_{name}")
    if not value:
        return None
    if is_path and not Path(value).is_absolute():
        return str(config.rootpath / value)
    return value


@pytest.fixture(scope="session")
def style_run(request, tmp_path_factory):
    """The scored candidate run (a StyleRun), built once per session."""
    from checks.errors import MovieStyleError

    from .gate import GateInputs, run_gate
    from .style_run import StyleRun

    config = request.config
    adapter = _option(config, "adapter")
    run = _option(config, "run")
    baseline = _option(config, "baseline")
    base = _option(config, "base", is_path=False)
    prompts = _option(config, "prompts")
    out = _option(config, "out")
    if not adapter and not run:
        pytest.fail("style_run needs an adapter to test: --style-adapter PATH or --style-run RUN_FOLDER "
                    "(or style_adapter = ... in the pytest ini options)", pytrace=False)
    if out is None:
        cache = getattr(config, "cache", None)
        out = str(cache.mkdir("moviestyle-run")) if cache is not None else str(tmp_path_factory.mktemp("style"))
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")

    def log(msg) -> None:  # shown live, past pytest's output capture (generation takes minutes)
        if reporter is None:
            return
        if capture is None:
            reporter.write_line(f"moviestyle: {msg}")
            return
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"moviestyle: {msg}")

    try:
        if baseline:
            log(f"gating {'run ' + run if run else adapter} against baseline {baseline}")
            _, folder = run_gate(GateInputs(baseline=baseline, adapter=adapter, run=run, base=base, prompts=prompts,
                                            out=out), log=log)
            return StyleRun(folder)
        if run:
            return StyleRun(run)
        return StyleRun(_compare_only(adapter, base, prompts, out, log))
    except MovieStyleError as exc:
        pytest.fail(f"moviestyle could not build the style run: {exc}", pytrace=False)


def _compare_only(adapter: str, base: str | None, prompts: str | None, out: str, log) -> Path:
    """No baseline: the candidate's answers alone, scored (pass-rate assertions only)."""
    from .compare import DEFAULT_PROMPTS, load_prompts, make_backend, run_compare
    from .generate import GenConfig

    rows = load_prompts(prompts or DEFAULT_PROMPTS)
    backend = make_backend("hf", base or "smollm2-135m", adapter, None, log=log)
    log(f"scoring {adapter} on {len(rows)} prompts (answers are cached across sessions)")
    run_compare(out, rows, backend, GenConfig(), ["tuned"], log=log,
                meta={"prompts": {"path": str(prompts or DEFAULT_PROMPTS)}, "adapter": adapter})
    return Path(out)
