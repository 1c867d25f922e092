"""`moviestyle score` on real files, run as a user runs it (a subprocess)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin", "COLUMNS": "120"})


def test_score_examples_writes_output_and_summary(tmp_path):
    out = tmp_path / "scored.jsonl"
    res = run("score", "golden/examples.jsonl", "-o", str(out), "--json")
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["n"] == 8
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 8
    for row in lines:
        assert set(row["checks"]) == {"bold_titles", "why_it_fits", "enthusiasm", "taste_reasoning",
                                      "known_titles", "no_repeat", "pick_count", "grounded"}
        for c in row["checks"].values():
            assert set(c) >= {"passed", "score", "evidence"}
        assert row["passed"] == (row["expect"] == "pass"), row["id"]  # the hand-written verdicts
        assert "note" in row  # other fields pass through


def test_score_table_goes_to_terminal():
    res = run("score", "golden/examples.jsonl")
    assert res.returncode == 0
    assert "bold_titles" in res.stdout and "overall" in res.stdout


@pytest.mark.parametrize("content,needle", [
    ('{"prompt": "hi", "response": "yo"}\nnot json\n', ":2: not valid JSON"),
    ('{"prompt": "hi"}\n', ":1: field 'response': missing"),
    ('{"prompt": "hi", "response": 5}\n', ":1: field 'response': must be a string, got int"),
    ('[1, 2]\n', ":1: expected a JSON object"),
    ('{"prompt": "hi", "response": "ok"}\n{"prompt": null, "response": "x"}\n', ":2: field 'prompt'"),
])
def test_bad_input_names_file_line_field_and_leaves_no_output(tmp_path, content, needle):
    src = tmp_path / "in.jsonl"
    src.write_text(content, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = run("score", str(src), "-o", str(out))
    assert res.returncode == 2
    assert str(src) in res.stderr and needle in res.stderr, res.stderr
    assert not out.exists()
    assert not list(tmp_path.glob(".out.jsonl*"))  # no temporary left behind


def test_non_utf8_is_a_clear_error(tmp_path):
    src = tmp_path / "latin1.jsonl"
    src.write_bytes('{"prompt": "café", "response": "x"}\n'.encode("latin-1"))
    res = run("score", str(src))
    assert res.returncode == 2 and "not valid UTF-8" in res.stderr and ":1:" in res.stderr


def test_missing_file(tmp_path):
    res = run("score", str(tmp_path / "nope.jsonl"))
    assert res.returncode == 2 and "file not found" in res.stderr


def test_empty_response_is_scored_not_crashed(tmp_path):
    src = tmp_path / "e.jsonl"
    src.write_text('{"prompt": "I loved Heat.", "response": ""}\n', encoding="utf-8")
    res = run("score", str(src), "--json")
    assert res.returncode == 0
    assert json.loads(res.stdout)["checks"]["overall"]["failed"] == 1


def test_workers_give_the_same_result(tmp_path):
    rows = [json.loads(line) for line in (ROOT / "golden/examples.jsonl").read_text().splitlines()] * 20
    src = tmp_path / "many.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert run("score", str(src), "-o", str(one), "--json").returncode == 0
    assert run("score", str(src), "-o", str(two), "--json", "--workers", "2").returncode == 0
    assert one.read_text() == two.read_text()


def test_spec_and_checks_commands():
    res = run("spec", "--json")
    assert res.returncode == 0
    fields = {row["field"]: row for row in json.loads(res.stdout)}
    assert fields["picks.min"]["value"] == 2 and fields["picks.min"]["help"]
    res = run("checks", "--json")
    assert {c["id"] for c in json.loads(res.stdout)} >= {"bold_titles", "grounded"}


def test_bad_spec_is_a_clear_error(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text("[picks]\nmin = 'two'\n", encoding="utf-8")
    res = run("score", "golden/examples.jsonl", "--spec", str(spec))
    assert res.returncode == 2 and "field 'min' must be int" in res.stderr
