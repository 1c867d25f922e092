import subprocess

import pytest

from llama_server import start_llama_server


@pytest.fixture(scope="module")
def llama_server():
    proc, url = start_llama_server()
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
