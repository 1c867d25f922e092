import pytest

from checks import Status, get_check

PROMPT = "I loved Inception. What should I watch?"
WHY = "\nWhy it fits:\n- a\n- b\n"


@pytest.mark.parametrize("response,expected,comment", [
    ("**The Matrix** (1999)" + WHY + "\n**Fight Club** (1999)" + WHY, True, "both in the catalogue"),
    ("**the matrix**" + WHY + "\n**Fight Clubb** (1999)" + WHY, True, "case and a small typo are tolerated"),
    ("**The Matrix** (1999)" + WHY + "\n**Quantum Dreamscape** (2011)" + WHY, False,
     "near miss: an invented title is flagged"),
])
def test_known_titles(spec, response, expected, comment):
    result = get_check("known_titles").run(PROMPT, response, spec)
    assert result.passed is expected, result.evidence


def test_known_titles_unscored_without_bold_titles(spec):
    assert get_check("known_titles").run(PROMPT, "No bold here.", spec).status is Status.UNSCORED


@pytest.mark.parametrize("response,expected,comment", [
    ("**The Matrix** (1999)" + WHY + "\n**Fight Club** (1999)" + WHY, True, "two fresh picks"),
    ("Since you loved **Inception**, try **The Matrix** (1999)!" + WHY, True, "a liked title mentioned, not picked"),
    ("**Inception** (2010)" + WHY + "\n**The Matrix** (1999)" + WHY, False, "near miss: recommends the liked film"),
    ("**The Matrix** (1999)" + WHY + "\n**Fight Club** (1999)" + WHY + "\n**The Matrix** (1999)" + WHY, False,
     "near miss: the same pick twice"),
    ("Next up: **Se7en** (1995)!" + WHY + "\nNext up: **Se7en** (1995)!" + WHY, False,
     "near miss: the same pick presented twice after a lead-in"),
    ("**Se7en** (1995)" + WHY + "\nIf **Se7en** hooks you, rewatch it twice!", True,
     "a second mention in prose is not a second pick"),
])
def test_no_repeat(spec, response, expected, comment):
    result = get_check("no_repeat").run(PROMPT, response, spec)
    assert result.passed is expected, result.evidence


@pytest.mark.parametrize("n,expected", [(0, False), (1, False), (2, True), (3, True), (4, False)])
def test_pick_count(spec, n, expected):
    titles = ["The Matrix", "Fight Club", "Se7en", "Zodiac"][:n]
    response = "".join(f"**{t}**{WHY}\n" for t in titles)
    assert get_check("pick_count").run(PROMPT, response, spec).passed is expected


@pytest.mark.parametrize("response,expected,comment", [
    ("**The Matrix** (1999)" + WHY, True, "right year"),
    ("**The Matrix** (2000)" + WHY, True, "a year off is within the tolerance"),
    ("**The Matrix** (1987)" + WHY, False, "near miss: wrong year"),
    ("**Se7en** (1995)\nWhy it fits:\n- Directed by David Fincher, it is grim.\n- twisty", True, "right director"),
    ("**Se7en** (1995)\nWhy it fits:\n- Directed by Steven Spielberg, it is grim.\n- twisty", False,
     "near miss: wrong director"),
    ("**The Matrix** (1999)\nWhy it fits:\n- It is a sci-fi classic.\n- smart", True, "right genre"),
    ("**The Matrix** (1999)\nWhy it fits:\n- It is a ſci-fi classic.\n- smart", True,
     "a long s that re.I reads as 's': read as the same genre word (it used to raise KeyError)"),
    ("**The Matrix** (1999)\nWhy it fits:\n- It is a SCİ-FI classic.\n- smart", True,
     "a dotted capital I: the same"),
    ("**The Matrix** (1999)\nWhy it fits:\n- It is a horror classic.\n- smart", False,
     "near miss: wrong genre"),
])
def test_grounded(spec, response, expected, comment):
    result = get_check("grounded").run(PROMPT, response, spec)
    assert result.passed is expected, result.evidence


def test_grounded_unscored_without_facts(spec):
    result = get_check("grounded").run(PROMPT, "**The Matrix**\nWhy it fits:\n- fun\n- smart", spec)
    assert result.status is Status.UNSCORED


@pytest.mark.parametrize("sentence", [
    "A gorgeous ANIMATED fable.", "This sci-fi classic!", "ſci-fi for the win", "SCİ-FI and more", "a \u212ailler western",
    "No genre words at all.", "Space Opera at its best", "café horror", "Ein Musical", "", "Documentary-style shots",
    "The Slasher", "a superhero's tale", "cartoonish fun", "Animé", "science fiction",
])
def test_may_claim_genre_is_the_regex_pre_test(sentence):
    """The ``in`` loop over the pieces finds what the pieces' regex alternation finds on the lower case."""
    import re

    from checks.grounded import _GENRE_PIECES, _GENRE_PIECES_RX, _GENRE_RX, IGNORECASE_TO_ASCII, _may_claim_genre

    pieces_lower_rx = re.compile("|".join(_GENRE_PIECES))
    plain = bool(pieces_lower_rx.search(sentence.lower())) or (
        not sentence.isascii() and any(c in sentence for c in IGNORECASE_TO_ASCII)
        and _GENRE_PIECES_RX.search(sentence) is not None)
    assert _may_claim_genre(sentence) is plain
    if _GENRE_RX.search(sentence):
        assert plain
