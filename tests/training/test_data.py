"""The data builder: deterministic, varied, true to the catalogue, every answer passing every check."""

import json

import pytest

from checks import OVERALL, Status, load_spec, score_pair
from training.data import DataBuildError, build


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("data")
    report = build(out, n_train=120, seed=7)
    return out, report


def _rows(path):
    return [json.loads(l) for l in path.read_text().splitlines()]


def test_files_and_split(small):
    out, report = small
    train, ev = _rows(out / "train.jsonl"), _rows(out / "eval.jsonl")
    assert len(train) == 120 and len(ev) == 6  # 5% held out
    assert report.train == 120 and report.eval == 6
    for row in train + ev:
        roles = [m["role"] for m in row["messages"]]
        assert roles == ["user", "assistant"]
    prompts = [r["messages"][0]["content"] for r in train + ev]
    assert len(set(prompts)) == len(prompts)  # no duplicate requests, so no train/eval overlap


def test_same_seed_same_files_other_seed_other_files(small, tmp_path):
    out, _ = small
    build(tmp_path / "again", n_train=120, seed=7)
    assert (tmp_path / "again" / "train.jsonl").read_bytes() == (out / "train.jsonl").read_bytes()
    build(tmp_path / "other", n_train=120, seed=8)
    assert (tmp_path / "other" / "train.jsonl").read_bytes() != (out / "train.jsonl").read_bytes()


def test_every_answer_passes_every_check_independently(small):
    out, _ = small
    spec = load_spec()
    for row in _rows(out / "train.jsonl"):
        user, answer = (m["content"] for m in row["messages"])
        res = score_pair(user, answer, spec, row["meta"])
        bad = {k: v.evidence for k, v in res.items() if v.status is Status.FAILED}
        assert not bad, (user, answer, bad)
        assert res[OVERALL].status is Status.PASSED


def test_picks_are_catalogue_films_and_never_the_liked_ones(small):
    out, _ = small
    from checks.catalogue import load_catalogue

    cat = load_catalogue(load_spec().catalogue_path)
    for row in _rows(out / "train.jsonl"):
        liked = {t.lower() for t in row["meta"]["liked_titles"]}
        for label in row["meta"]["picks"]:
            title = label.rsplit(" (", 1)[0]
            assert cat.lookup(title) is not None, title
            assert title.lower() not in liked


def test_variety(small):
    out, report = small
    rows = _rows(out / "train.jsonl")
    openers = {r["messages"][1]["content"].split("!")[0] for r in rows}
    signoffs = {r["messages"][1]["content"].strip().splitlines()[-1] for r in rows}
    assert len(openers) >= 10 and len(signoffs) >= 8
    assert len(report.kinds) >= 6  # one/two/three titles, genre, mood, director, era, mixed


def test_leakage_guard_refuses_near_duplicates_of_golden_prompts(tmp_path, small):
    out, _ = small
    leaked = _rows(out / "train.jsonl")[0]["messages"][0]["content"]
    golden = tmp_path / "golden.jsonl"
    golden.write_text(json.dumps({"id": "x", "prompt": leaked + "!"}) + "\n")
    with pytest.raises(DataBuildError, match="nearly duplicate a golden evaluation prompt"):
        build(tmp_path / "d", n_train=120, seed=7, golden_path=golden)


def test_golden_prompts_are_far_from_the_training_data(small):
    _, report = small
    assert report.nearest_golden["max"] < 85
