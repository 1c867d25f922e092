import pytest

from checks import OVERALL, REGISTRY, Check, Status, get_check, register, score_pair

EXPECTED_IDS = {"bold_titles", "why_it_fits", "enthusiasm", "taste_reasoning",
                "known_titles", "no_repeat", "pick_count", "grounded"}


def test_every_spec_id_resolves(spec):
    for cid in list(spec.criteria) + list(spec.supporting):
        check = get_check(cid)
        assert check.id == cid
        assert check.doc(), f"{cid} has no docstring stating its rule"


def test_registry_holds_exactly_the_contract():
    assert set(REGISTRY) == EXPECTED_IDS


def test_unknown_id_is_a_clear_error():
    with pytest.raises(KeyError, match="unknown check 'nope'"):
        get_check("nope")


def test_duplicate_id_refused():
    class Fake(Check):
        id = "bold_titles"

    with pytest.raises(ValueError, match="already registered"):
        register(Fake)


def test_overall_is_the_four_criteria(spec):
    good = ("You absolutely have to watch **The Matrix** (1999)! Since you loved the dream-heist twists of "
            "Inception, its reality-bending plot will grab you!\nWhy it fits:\n- twisty reality\n- iconic action\n\n"
            "**Fight Club** (1999)\nWhy it fits:\n- a huge twist\n- sharp satire\n\nEnjoy!")
    res = score_pair("I loved Inception.", good, spec)
    assert res[OVERALL].status is Status.PASSED, {k: v.evidence for k, v in res.items()}
    bad = good.replace("**", "")
    res = score_pair("I loved Inception.", bad, spec)
    assert res[OVERALL].status is Status.FAILED
    assert "bold_titles" in res[OVERALL].evidence[0]
