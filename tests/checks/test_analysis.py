"""analysis: the sentence split (fast form against the reference regex)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.analysis import _SENTENCE_SPLIT, iter_sentences, sentence_tail, sentences


def _reference(text):
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s and s.strip()]


SENTENCES = [
    # (text, sentences)
    ("You'll love it! Trust me.", ["You'll love it!", "Trust me."]),
    ("Heat.\n\n- tense\n- smart", ["Heat.", "- tense", "- smart"]),
    ("Directed by S. Craig Zahler. Brutal.", ["Directed by S. Craig Zahler.", "Brutal."]),  # near miss: an initial
    ("Like Mr. Fox? Yes!", ["Like Mr. Fox?", "Yes!"]),  # near miss: an abbreviation
    ("No.1 in 1999.Then more", ["No.1 in 1999.Then more"]),  # near miss: no white space after the stop
    ("a.\n.\nb", ["a.", ".", "b"]),
    ("", []),
    ("  \n\n  ", []),
]


@pytest.mark.parametrize("text,expected", SENTENCES, ids=[t[:24] or "empty" for t, _ in SENTENCES])
def test_sentences(text, expected):
    assert sentences(text) == expected == _reference(text)
    assert list(iter_sentences(text)) == expected


_PIECES = st.sampled_from(["a", "B", "Mr", "Dr", "vs", "No", "Vol", " ", "  ", "\n", "\n\n", "\t", ".", "!", "?",
                           "x.", "S.", "\u00a0", "\u2028", "é", "1"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join) | st.text(max_size=60))
def test_sentences_agree_with_the_reference_split(text):
    assert sentences(text) == _reference(text)
    assert sentence_tail(text) == _SENTENCE_SPLIT.split(text)[-1]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=12).map("".join), max_size=6))
def test_sentences_of_lines_equal_the_joined_texts_sentences(lines):
    """Every newline is a split point and the splits are white space, which the split strips:
    so a text's sentences are its lines' sentences in turn (the checks split line by line)."""
    from checks.analysis import line_sentences

    assert [s for line in lines for s in line_sentences(line)] == _reference("\n".join(lines))
    for line in lines:
        assert line_sentences(line) == _reference(line)
