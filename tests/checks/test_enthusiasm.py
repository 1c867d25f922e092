import pytest

from checks import get_check

PROMPT = "I loved Inception. What should I watch?"
BODY = "\n\n**The Matrix** (1999)\nWhy it fits:\n- reality-bending plot\n- iconic action\n"

CASES = [
    ("You absolutely have to watch **The Matrix**! You're going to love it." + BODY, True, "the target voice"),
    ("Oh, you're in for a treat! This one will blow your mind." + BODY + "\nEnjoy the ride!", True, "warm hook and sign-off"),
    ("Here is a list of movies similar to Inception." + BODY, False, "near miss: flat, no '!'"),
    ("You are going to love this one, it is a wonderful film and a true gem." + BODY, False,
     "near miss: warm words but no exclamation mark"),
    ("The following films are recommended for fans of the genre!" + BODY, False,
     "near miss: '!' but clinical, never speaks to the user"),
    ("Oh great, another Nolan fan. Fine, watch **The Matrix**, I guess!" + BODY, False, "near miss: sarcastic"),
    ("As an AI, I don't have personal preferences, but you might like this!" + BODY, False, "near miss: apologetic"),
    ("Sorry, I can only suggest one film. You may like it!" + BODY, False, "near miss: apologetic"),
    ("", False, "empty"),
]


@pytest.mark.parametrize("response,expected,comment", CASES, ids=[c[2] for c in CASES])
def test_enthusiasm(spec, response, expected, comment):
    result = get_check("enthusiasm").run(PROMPT, response, spec)
    assert result.passed is expected, result.evidence


# --- fast paths of the check, each against its plain definition ---------------------------------

import re  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from checks.analysis import analyse  # noqa: E402
from checks.enthusiasm import _APOSTROPHE_WORD, _own_voice, _speaks_to, _without_titles_low  # noqa: E402


def plain_voice(a):
    lines = [l for l in a.doc.lines if l.kind != "code"]
    title_spans = {b.raw for b in a.bold_titles}
    voice = "\n".join("".join(sg.text for sg in l.segments if not (sg.bold and sg.text.strip() in title_spans))
                      for l in lines)
    return lines, "\n".join(l.text for l in lines), voice


VOICES = [
    ("You'll love **The Matrix** (1999)!\n\n- **Heat** and **Heat** again\n- **wow** emphasis", "bold titles, twice on a line"),
    ("**Inception** is the one you liked!\n\n**The Matrix** (1999)\nWhy it fits: [a link](http://x) too", "liked title, link"),
    ("Here you go!\n\n```\n**Heat** in code\n```\n\n**Heat** (1995)\n\n    indented code", "code lines are left out"),
    ("No bold at all, you'll see!", "near miss: no bold title, the text as it is"),
    ("**just emphasis here** you know!", "near miss: bold that is no title"),
    ("", "empty"),
]


@pytest.mark.parametrize("response,comment", VOICES, ids=[c[1] for c in VOICES])
def test_own_voice_table(spec, response, comment):
    a = analyse(PROMPT, response, spec)
    assert _own_voice(a) == plain_voice(a)


FRAGMENTS = st.sampled_from(["**The Matrix**", "**Heat**", "**wow**", " (1999)", "\n", "\n\n", "```\n", "    code",
                             "- ", "1. ", "*", "_", "great", "!", " ", "Inception", "[x](y)", "**", "•"])


@settings(max_examples=200, deadline=None)
@given(st.lists(FRAGMENTS, max_size=16).map("".join))
def test_own_voice_is_the_plain_voice(spec, response):
    a = analyse(PROMPT, response, spec)
    assert _own_voice(a) == plain_voice(a)


SENTENCES = st.lists(st.sampled_from(["you", "your", "you're", "ya", "yo", "u", "'", "’", " ", ",", "é", "x", "s",
                                      "you’ll", "\u0130", "_", "1"]), max_size=10).map("".join)


@settings(max_examples=300, deadline=None)
@given(SENTENCES)
def test_speaks_to_is_the_regex_test(spec, sentence):
    from checks.enthusiasm import _voice_lists

    v = _voice_lists(spec.enthusiasm)
    sl = sentence.lower().replace("’", "'")
    assert _speaks_to(sl, v.second_tokens) == (not v.second.isdisjoint(_APOSTROPHE_WORD.findall(sl)))


def plain_without_titles(voice, titles):
    for title in titles:
        if len(title) >= 3:
            voice = re.sub(re.escape(title), " ", voice, flags=re.I)
    return voice


TITLE_TEXT = st.lists(st.sampled_from(["Heat", "heat", "HEAT", "The Thing", "Thing", "Σ", "σ", "ς", "İ", "ı", "ſ",
                                       "K", "\u212a", "Kill", " ", "x", "é", "Amélie"]), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(TITLE_TEXT, st.lists(st.sampled_from(["Heat", "The Thing", "Thing", "Kill", "Amélie", "ΣΣΣ", "xΣx", "It"]),
                            max_size=3, unique=True))
def test_without_titles_low_is_the_plain_cut_lowered(voice, titles):
    titles = sorted(titles, key=len, reverse=True)
    expected = plain_without_titles(voice, titles)
    assert _without_titles_low(voice, titles) == (expected, expected.lower())


def plain_first_personal(voice, v):
    """The first sentence that speaks to the user, is not stock and has a '!' or a strong phrase."""
    from checks.analysis import sentences

    for s in sentences(voice):
        sl = s.lower().replace("’", "'")
        if v.second.isdisjoint(_APOSTROPHE_WORD.findall(sl)) or v.stock.findall(sl):
            continue
        if "!" in s or any(h not in v.weak for h in v.excitement.findall(sl)):
            return [s]
    return []


PERSONAL = [
    ("You will adore it. Really!", ["You will adore it."], "strong phrase, no '!' in the sentence"),
    ("So you love it. Really!", [], "near miss: 'love' is weak, the '!' is in a sentence to no one"),
    ("So you love it.", [], "near miss: weak only, no '!' anywhere: no sentence (the early return)"),
    ("So you love it! Yes.", ["So you love it!"], "weak only, but a '!': no early return"),
    ("You’ll love it, it's AMAZING.", ["You’ll love it, it's AMAZING."], "strong phrase upper-case, ’ in the sentence"),
    ("It's amazing. So you love it.", [], "near miss: the strong phrase is in another sentence"),
    ("You may like it! Wow.", [], "near miss: stock sentence; 'wow' speaks to no one"),
    ("You are amazingly lucky.", [], "near miss: 'amazingly' is no inflection of 'amazing'"),
    ("ΣΑΣ you must-see.", ["ΣΑΣ you must-see."], "final sigma before white space"),
]


@pytest.mark.parametrize("voice,expected,comment", PERSONAL, ids=[c[2] for c in PERSONAL])
def test_first_personal_table(spec, voice, expected, comment):
    from checks.enthusiasm import _first_personal, _voice_lists

    v = _voice_lists(spec.enthusiasm)
    low = voice.lower()
    assert _first_personal(voice, v, low, v.voice_lists.findall(low)[1]) == expected == plain_first_personal(voice, v)


PERSONAL_TEXT = st.lists(st.sampled_from(["you", "You", "your", "you’ll", "you'll", " ", "  ", "\n", ". ", "! ", "!", "?",
                                          ".", ",", "love", "loved", "adore", "amazing", "Amazing", "must-see", "must see",
                                          "going to", "gem", "gems", "best", "enjoy", "may like", "hope", "x", "_", "é",
                                          "Σ", "İ", "ς", "’", "'", "\u00a0", "\u2028", "e.g."]),
                         max_size=14).map("".join)


@settings(max_examples=400, deadline=None)
@given(PERSONAL_TEXT)
def test_first_personal_is_the_plain_search(spec, voice):
    from checks.enthusiasm import _first_personal, _voice_lists

    v = _voice_lists(spec.enthusiasm)
    low = voice.lower()
    assert _first_personal(voice, v, low, v.voice_lists.findall(low)[1]) == plain_first_personal(voice, v)


def test_white_space_bounds_lower_case_as_the_ends_do():
    """What _first_personal relies on: no white space is cased or case-ignorable (final sigma), so a
    piece between white space lower-cases as it does in the whole text."""
    import sys

    for c in map(chr, range(sys.maxunicode + 1)):
        if c.isspace():
            assert ("ΑΣ" + c + "Β").lower() == "ας" + c.lower() + "β", repr(c)
            assert ("ΑΣ" + c).lower() == "ας" + c.lower() and (c + "Σ").lower() == c.lower() + "σ", repr(c)
