"""`moviestyle gate` and `moviestyle baseline` on the real SmolLM2 and real adapters."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli(*args):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160"}
    return subprocess.run([sys.executable, "-m", "harness.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env)


@pytest.fixture(scope="module")
def broken_adapter(tmp_path_factory, small_gate_run):
    """The reference adapter with every lora_B zeroed: it answers exactly like the base model."""
    from safetensors.torch import load_file, save_file

    src = small_gate_run["adapter"]
    dst = tmp_path_factory.mktemp("broken")
    (dst / "adapter_config.json").write_text((src / "adapter_config.json").read_text())
    weights = load_file(src / "adapter_model.safetensors")
    save_file({k: v * 0 if "lora_B" in k else v for k, v in weights.items()}, dst / "adapter_model.safetensors")
    return dst


@pytest.mark.slow
def test_baseline_record_writes_a_portable_file(small_gate_run, tmp_path):
    out = tmp_path / "b.json"
    res = cli("baseline", "record", "--run", small_gate_run["run"], "--name", "again", "--out", out,
              "--floor", "overall=0.5", "--json")
    assert res.returncode == 0, res.stderr
    info = json.loads(res.stdout)
    assert info["answers"] == 6 and info["thresholds"]["floors"]["overall"] == 0.5
    text = out.read_text()
    assert str(ROOT) not in text and str(small_gate_run["root"]) not in text  # no machine paths
    assert info["fingerprint"]["generation.max_new_tokens"] == 300


@pytest.mark.slow
def test_gate_on_a_reused_run_passes_against_its_own_baseline(small_gate_run, tmp_path):
    res = cli("gate", "--run", small_gate_run["run"], "--baseline", small_gate_run["baseline"], "--out",
              tmp_path / "g", "--no-html")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "PASS" in res.stdout
    gate = json.loads((tmp_path / "g" / "gate.json").read_text())
    assert gate["passed"] and not gate["drift"] and gate["n_prompts"] == 6
    assert (tmp_path / "g" / "gate.md").read_text().startswith("## ✅")


@pytest.mark.slow
def test_gate_generates_the_reference_adapter_from_the_cache_and_passes(small_gate_run, tmp_path):
    res = cli("gate", "--adapter", small_gate_run["adapter"], "--baseline", small_gate_run["baseline"],
              "--prompts", small_gate_run["prompts"], "--out", tmp_path / "g")
    assert res.returncode == 0, res.stdout + res.stderr
    summary = json.loads((tmp_path / "g" / "summary.json").read_text())
    assert summary["timing"]["cache"] == {"cached": 6, "generated": 0, "errors": 0}
    assert summary["provenance"]["systems"] == ["baseline", "tuned"]
    html = (tmp_path / "g" / "report.html").read_text()
    assert "Gate verdict: PASS" in html and "<h2>baseline vs tuned</h2>" in html
    res = cli("report", tmp_path / "g")  # re-rendered from the saved files, verdict included
    assert res.returncode == 0 and "moviestyle gate: PASS" in res.stdout


@pytest.mark.slow
def test_broken_candidate_fails_and_names_the_regressed_criteria(small_gate_run, broken_adapter, tmp_path):
    res = cli("gate", "--adapter", broken_adapter, "--baseline", small_gate_run["baseline"], "--prompts",
              small_gate_run["prompts"], "--limit", "3", "--out", tmp_path / "g", "--json")
    assert res.returncode == 1, res.stdout[-2000:] + res.stderr[-2000:]
    gate = json.loads(res.stdout)
    failed = {f["id"] for f in gate["failures"]}
    assert {"bold_titles", "why_it_fits", "enthusiasm", "overall"} <= failed
    overall = next(f for f in gate["failures"] if f["id"] == "overall")
    assert any("below its floor" in r for r in overall["reasons"])
    assert any("margin" in r for r in overall["reasons"])  # non-inferiority failed too
    assert overall["worst"] and overall["worst"][0]["baseline_passed"]
    md = (tmp_path / "g" / "gate.md").read_text()
    assert md.startswith("## ❌") and "**overall**" in md and "3 of the baseline's 6 prompts" in md
    html = (tmp_path / "g" / "report.html").read_text()
    assert "Gate verdict: FAIL" in html and "is below its floor 80%" in html


@pytest.mark.slow
def test_generation_drift_fails_and_says_which_field(small_gate_run, tmp_path):
    args = ("gate", "--adapter", small_gate_run["adapter"], "--baseline", small_gate_run["baseline"],
            "--prompts", small_gate_run["prompts"], "--limit", "2", "--batch-size", "2", "--no-html")
    res = cli(*args, "--out", tmp_path / "a")
    assert res.returncode == 1, res.stdout + res.stderr
    assert "drift: generation.batch_size: baseline 48 → candidate 2" in res.stdout
    res = cli(*args, "--out", tmp_path / "b", "--allow-drift")
    gate = json.loads((tmp_path / "b" / "gate.json").read_text())
    assert [d["field"] for d in gate["drift"]] == ["generation.batch_size"] and not gate["drift_blocking"]
    assert res.returncode == (0 if not gate["failures"] else 1)


@pytest.mark.slow
@pytest.mark.parametrize("field,value", [
    ("base_model", "another-model-sha"),
    ("chat_template", "another-template"),
    ("generation.temperature", 0.7),
    ("backend", "openai"),
])
def test_drift_in_any_fingerprint_field_fails(small_gate_run, tmp_path, field, value):
    b = json.loads(Path(small_gate_run["baseline"]).read_text())
    b["fingerprint"][field] = value
    p = tmp_path / "b.json"
    p.write_text(json.dumps(b))
    res = cli("gate", "--run", small_gate_run["run"], "--baseline", p, "--out", tmp_path / "g", "--no-html")
    assert res.returncode == 1
    assert f"drift: {field}: baseline {value!r}" in res.stdout
    assert f"`{field}`" in (tmp_path / "g" / "gate.md").read_text()


@pytest.mark.slow
def test_a_changed_prompt_is_drift_not_a_subset(small_gate_run, tmp_path):
    rows = [json.loads(line) for line in Path(small_gate_run["prompts"]).read_text().splitlines()][:1]
    rows[0]["prompt"] += " Thanks!"
    p = tmp_path / "p.jsonl"
    p.write_text(json.dumps(rows[0]) + "\n")
    res = cli("gate", "--adapter", small_gate_run["adapter"], "--baseline", small_gate_run["baseline"],
              "--prompts", p, "--out", tmp_path / "g", "--json", "--no-html")
    assert res.returncode == 1
    gate = json.loads(res.stdout)
    assert [d["field"] for d in gate["drift"]] == ["prompts"]
    assert gate["prompt_relation"]["changed"] == [rows[0]["id"]]


@pytest.mark.parametrize("args,needle", [
    (("gate", "--baseline", "no/such/baseline.json", "--adapter", "x"), "baseline not found"),
    (("gate", "--floor", "bogus=0.5", "--adapter", "x"), "unknown check(s) ['bogus']"),
    (("gate", "--floor", "overall=high"), "expected CHECK=RATE"),
    (("gate", "--margin", "1.5", "--adapter", "x"), "'margin': must be in [0, 1)"),
    (("gate",), "needs --adapter CANDIDATE"),
    (("baseline", "record", "--run", "no/such/run", "--name", "x"), "no summary.json here"),
])
def test_bad_gate_input_exits_2_before_any_model_loads(args, needle):
    res = cli(*args)
    assert res.returncode == 2, res.stdout + res.stderr
    assert needle in res.stderr


@pytest.mark.slow
def test_run_of_another_adapter_is_refused(small_gate_run, broken_adapter, tmp_path):
    res = cli("gate", "--run", small_gate_run["run"], "--adapter", broken_adapter, "--baseline",
              small_gate_run["baseline"], "--out", tmp_path / "g")
    assert res.returncode == 2 and "holds answers of adapter" in res.stderr
