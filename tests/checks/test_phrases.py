"""One-pass phrase matching: the trie regex finds exactly what the plain alternation finds."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.enthusiasm import _without_titles_low
from checks.grounded import _director_names
from checks.phrases import PhraseMatcher, trie_alternation

PHRASES = ["gem", "must watch", "must-watch", "must", "you'll love", "thrill", "thrilling", "so good", "can't wait"]


def plain(phrases, text):
    """The reference: a longest-first alternation of the escaped phrases."""
    parts = sorted((re.escape(p.lower()) for p in phrases if p), key=len, reverse=True)
    return re.findall(r"(?<![\w])(" + "|".join(parts) + r")(?:s|es|ed|d|ing)?(?![\w])", text)


CASES = [
    # (text, expected, comment)
    ("what a gem", ["gem"], "a one-word phrase"),
    ("three gems here", ["gem"], "an inflection is allowed, the phrase is returned"),
    ("a gemstone", [], "near miss: a longer word is not the phrase"),
    ("agem", [], "near miss: no word boundary before"),
    ("a must watch!", ["must watch"], "the longer phrase wins over its prefix 'must'"),
    ("a must-watch", ["must-watch"], "hyphenated phrase"),
    ("you must", ["must"], "the prefix alone still matches"),
    ("thrilling and thrilled", ["thrilling", "thrill"], "longest first; 'thrilled' is 'thrill' inflected"),
    ("i can't wait, so good", ["can't wait", "so good"], "apostrophes and several matches in order"),
    ("so goody", [], "near miss: 'goody' is not 'good' + an inflection"),
    ("", [], "empty text"),
]


@pytest.mark.parametrize("text,expected,comment", CASES, ids=[c[2] for c in CASES])
def test_findall_table(text, expected, comment):
    m = PhraseMatcher(tuple(PHRASES))
    assert m.findall(text) == expected == plain(PHRASES, text)


def test_trie_alternation_is_a_regex_of_the_phrases():
    rx = re.compile("(?:" + trie_alternation(["ab", "abc", "b-d"]) + ")$")
    assert all(rx.match(p) for p in ["ab", "abc", "b-d"])
    assert not rx.match("a") and not rx.match("b")  # near miss: a strict prefix is no phrase


def test_phrases_not_starting_with_a_word():
    m = PhraseMatcher(("...wow", "gem"))
    assert m.findall("well ...wow") == plain(["...wow"], "well ...wow")


WORDS = st.sampled_from(PHRASES + ["s", "es", "ed", "ing", "x", "-", "'", " ", "  ", ".", "Gem", "mus", "wait"])


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=20).map("".join))
def test_same_matches_as_the_plain_alternation(text):
    m = PhraseMatcher(tuple(PHRASES))
    assert m.findall(text) == plain(PHRASES, text)


WITHOUT_TITLES = [
    # (voice, titles, comment): the titles cut out as re.sub(re.escape(title), " ", voice, flags=re.I) cuts them
    ("Watch HEAT tonight", ["Heat"], "case-insensitive"),
    ("Watch Thief tonight", ["Heat"], "near miss: absent, nothing cut"),
    ("Watch \u212aill Bill and Kill Bill", ["Kill Bill"], "the Kelvin sign matches 'k' under IGNORECASE"),
    ("Léon, not Leon", ["Leon"], "near miss: an accented letter is another letter for re.I too"),
    ("Amélie is lovely, AMÉLIE!", ["Amélie"], "a non-ASCII title"),
    ("The Thing and Thing", ["The Thing", "Thing"], "longest first, then what is left"),
    ("ſcream and SCREAM", ["Scream"], "the long s matches 's' under IGNORECASE"),
]


@pytest.mark.parametrize("voice,titles,comment", WITHOUT_TITLES, ids=[c[2] for c in WITHOUT_TITLES])
def test_without_titles(voice, titles, comment):
    expected = voice
    for title in sorted(titles, key=len, reverse=True):
        if len(title) >= 3:
            expected = re.sub(re.escape(title), " ", expected, flags=re.I)
    assert _without_titles_low(voice, sorted(titles, key=len, reverse=True))[0] == expected


DIRECTORS = [
    ("Directed by Michael Mann, it is tense.", [("Michael Mann", True)], "explicit claim"),
    ("Mann's film is tense.", [("Mann", False)], "possessive"),
    ("Mann’s masterpiece", [("Mann", False)], "curly apostrophe possessive"),
    ("Michael Mann directs it.", [("Michael Mann", False)], "X directs"),
    ("Helmed by Kathryn Bigelow", [("Kathryn Bigelow", True)], "helmed by"),
    ("A tense heist film.", [], "near miss: no director cue at all"),
    ("Directions unclear", [], "near miss: 'Direct' without a name after the cue"),
]


@pytest.mark.parametrize("sentence,expected,comment", DIRECTORS, ids=[c[2] for c in DIRECTORS])
def test_director_names(sentence, expected, comment):
    assert _director_names(sentence) == expected


ANY_CASES = [
    # (phrases, text, expected any)
    (("let me know", "hope you enjoy"), "hope you enjoy these!", True),
    (("let me know", "hope you enjoy"), "let me knowledge", False),  # near miss: the phrase is there, not whole
    (("thrill",), "it thrilled me", True),  # an inflection
    ((), "anything", False),  # no phrase at all
    (tuple(f"phrase{i}" for i in range(20)), "phrase7s here", True),  # many phrases: no literal pre-test
]


@pytest.mark.parametrize("phrases,text,expected", ANY_CASES)
def test_any_is_whether_findall_finds_something(phrases, text, expected):
    m = PhraseMatcher(phrases)
    assert m.any(text) is expected
    assert m.any(text) == bool(m.findall(text))
