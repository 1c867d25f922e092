"""The openai backend against a real OpenAI-compatible server on 127.0.0.1 (llama.cpp)."""

import json

import pytest

from harness.cache import DiskCache
from harness.compare import run_compare
from harness.generate import GenConfig, GenerationError, OpenAIBackend, Request, generate_all

from llama_server import free_port, start_llama_server

PROMPTS = [{"id": "a", "prompt": "I loved Heat. Recommend one movie."},
           {"id": "b", "prompt": "Name a good comedy."}]
GEN = GenConfig(max_new_tokens=12)
NAMES = {"base": "smollm2", "tuned": "smollm2"}


def test_compare_over_http_then_rerun_from_cache(llama_server, tmp_path):
    backend = OpenAIBackend(llama_server, NAMES, concurrency=2, timeout=60)
    backend.check_reachable()
    cache = DiskCache("generations", root=tmp_path / "cache")
    seen = []
    stats = generate_all(backend, [Request(p["id"], p["prompt"], s) for p in PROMPTS for s in NAMES], GEN,
                         seen.append, cache=cache)
    assert stats == {"cached": 0, "generated": 4, "errors": 0}
    assert all(a.response and a.tokens > 0 for a in seen)
    again = []
    stats = generate_all(backend, [Request(p["id"], p["prompt"], s) for p in PROMPTS for s in NAMES], GEN,
                         again.append, cache=cache)
    assert stats == {"cached": 4, "generated": 0, "errors": 0}  # a rerun generates nothing
    # base and tuned are the same served model here, so they share cache entries: every cached
    # answer is one the server gave for that prompt
    first = {}
    for a in seen:
        first.setdefault(a.prompt_id, set()).add(a.response)
    assert all(a.cached and a.response in first[a.prompt_id] for a in again)


def test_run_folder_from_http_backend(llama_server, tmp_path, monkeypatch):
    monkeypatch.setenv("MOVIESTYLE_CACHE", str(tmp_path / "cache"))
    backend = OpenAIBackend(llama_server, NAMES, concurrency=2)
    summary = run_compare(tmp_path / "run", PROMPTS, backend, GEN, ["base", "tuned"])
    assert summary["provenance"]["backend"]["backend"] == "openai"
    rows = [json.loads(l) for l in (tmp_path / "run" / "generations.jsonl").read_text().splitlines()]
    assert len(rows) == 4


def test_timeout_becomes_an_error_after_retries_and_the_run_goes_on(llama_server, tmp_path):
    backend = OpenAIBackend(llama_server, NAMES, concurrency=1, timeout=0.001, retries=1, backoff=0.01)
    out = []
    stats = generate_all(backend, [Request("a", PROMPTS[0]["prompt"], "base")], GenConfig(max_new_tokens=64),
                         out.append, cache=DiskCache("g", root=tmp_path))
    assert stats["errors"] == 1 and stats["generated"] == 0
    assert "timed out" in out[0].error.lower() or "timeout" in out[0].error.lower()


def test_server_dying_mid_run_keeps_finished_answers(tmp_path):
    proc, url = start_llama_server()
    try:
        # a generous timeout: on a loaded host the first answer can take long (once the server is
        # killed, the requests after it fail at once: connection refused)
        backend = OpenAIBackend(url, NAMES, concurrency=1, timeout=120, retries=1, backoff=0.05)
        cache = DiskCache("g", root=tmp_path)
        got = []

        def on_answer(a):
            got.append(a)
            if len(got) == 1:
                proc.kill()
                proc.wait(10)

        reqs = [Request(p["id"], p["prompt"], "base") for p in PROMPTS] + [Request("c", "Any thriller?", "base")]
        stats = generate_all(backend, reqs, GEN, on_answer, cache=cache)
        assert stats["generated"] >= 1 and stats["errors"] >= 1
        assert len(got) == 3
        # the finished answer survived: a rerun serves it from the cache
        first = got[0]
        again = []
        generate_all(backend, [Request(first.prompt_id, next(r.prompt for r in reqs if r.prompt_id == first.prompt_id),
                                       "base")], GEN, again.append, cache=cache)
        assert again[0].cached and again[0].response == first.response
    finally:
        if proc.poll() is None:
            proc.kill()


def test_unreachable_endpoint_is_a_clear_error_before_any_work():
    backend = OpenAIBackend(f"http://127.0.0.1:{free_port()}/v1", NAMES, timeout=2)
    with pytest.raises(GenerationError, match="cannot reach"):
        backend.check_reachable()
