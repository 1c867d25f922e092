"""llama.cpp's OpenAI-compatible server on loopback, for the openai-backend tests."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_llama_server(alias: str = "smollm2"):
    """llama.cpp's OpenAI-compatible server on loopback, serving the embedded SmolLM2 GGUF."""
    try:
        import llama_cpp.server  # noqa: F401
    except ImportError:
        if os.environ.get("MOVIESTYLE_REQUIRE_LLAMA_SERVER"):
            pytest.fail("llama-cpp-python[server] is not installed (make test installs it)")
        pytest.skip("llama-cpp-python[server] not installed; `make test` installs it")
    from harness.models import resolve_model

    src = resolve_model("smollm2-135m")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", f"{src.path}/{src.gguf_file}",
                             "--model_alias", alias, "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
                             "--n_threads", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail("llama.cpp server exited during start-up")
        try:
            with urllib.request.urlopen(url + "/models", timeout=2) as r:
                json.loads(r.read())
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    pytest.fail("llama.cpp server did not answer within 90 s")


