import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks import Status, get_check

PICK = "\n\n**The Matrix** (1999)\nWhy it fits:\n- a\n- b\n"

CASES = [
    ("I loved Inception. What next?",
     "Since you loved the mind-bending side of Inception, the reality-twisting plot here will hook you!" + PICK,
     True, "names the liked title and a shared quality"),
    ("Any good heist movies? I love heist movies.",
     "Because you love heist movies, the meticulous bank-robbery planning in this one is perfect!" + PICK,
     True, "names the stated genre"),
    ("I'm a big David Fincher fan.",
     "As a Fincher fan you will appreciate the bleak, procedural obsession with detail here!" + PICK,
     True, "names the director"),
    ("I loved Inception. What next?",
     "Based on your taste, here are some great films!" + PICK, False, "near miss: generic link only"),
    ("I loved Inception. What next?",
     "This film has been a classic since 1999, with stunning action!" + PICK, False, "near miss: 'since' as time"),
    ("I loved Alien. What next?",
     "Since you loved Titanic, the sweeping romance and tragedy here will move you!" + PICK, False,
     "near miss: cites a liked title the user never mentioned"),
    ("I loved Inception. What next?", "Here is a great film with stunning action." + PICK, False,
     "near miss: never mentions the taste"),
    ("I loved Inception. What next?", "Since you loved Inception, here you go." + PICK, False,
     "near miss: names the taste but ties no quality"),
]


@pytest.mark.parametrize("prompt,response,expected,comment", CASES, ids=[c[3] for c in CASES])
def test_taste_reasoning(spec, prompt, response, expected, comment):
    result = get_check("taste_reasoning").run(prompt, response, spec)
    assert result.passed is expected, result.evidence


def test_unscored_when_prompt_states_no_taste(spec):
    result = get_check("taste_reasoning").run("?", "Since you loved it, watch **The Matrix**!" + PICK, spec)
    assert result.status is Status.UNSCORED
    assert result.passed is None and result.score is None


def test_metadata_liked_tastes_are_ground_truth(spec):
    meta = {"liked_titles": [], "liked_tastes": ["slow-burn dread"]}
    response = "Since you crave slow-burn dread, the creeping isolation of this one is ideal!" + PICK
    result = get_check("taste_reasoning").run("Something for tonight?", response, spec, meta)
    assert result.passed is True, result.evidence


DISTINCTIVE = [
    # (title, expected words, comment)
    ("The Shawshank Redemption", {"Shawshank", "Redemption"}, "capitalised words of six letters or more"),
    ("Shawshank", set(), "near miss: a one-word title has no distinctive word (the title itself is matched)"),
    ("The Big Lebowski", {"Lebowski"}, "near miss: 'Big' is too short"),
    ("Something Wild", set(), "near miss: a stop word is not distinctive"),
]


@pytest.mark.parametrize("title,expected,comment", DISTINCTIVE, ids=[c[2] for c in DISTINCTIVE])
def test_distinctive_words(title, expected, comment):
    from checks.taste_reasoning import _distinctive_words

    assert _distinctive_words(title) == expected


def test_repeated_sentences_count_each_time(spec):
    """A sentence written twice is read once (run keeps what it added) but adds twice."""
    link = "Since you loved Inception, the reality-twisting plot here will hook you!"
    contrast = "Since you loved Inception, for a change here is something slow and quiet."
    picks = "\n\n**The Matrix** (1999)\nWhy it fits:\n- a\n\n**Memento** (2000)\nWhy it fits:\n- b\n\n**Tenet** (2020)\n- c\n"
    once = get_check("taste_reasoning").run("I loved Inception. What next?", f"{link}\n{contrast}" + picks, spec)
    twice = get_check("taste_reasoning").run("I loved Inception. What next?",
                                             f"{link}\n{contrast}\n{link}\n{contrast}" + picks, spec)
    links = [e for e in once.evidence if e.startswith("link:")]
    assert links and [e for e in twice.evidence if e.startswith("link:")] == links * 2
    other = [e for e in once.evidence if e.startswith("names the taste only")]
    assert [e for e in twice.evidence if e.startswith("names the taste only")] == other * 2
    assert other and twice.score == pytest.approx(min(1.0, 2 * once.score), abs=1e-3)


CLAIM_PIECES = ["since", "because", "as", "given that", "now that", "you", "You", "YOU", "you've", "you’ve",
                "you have", "really", "loved", "like", "were into", "’re into", "your love", "of", "for",
                "you're", "you’re", "a big", "fan of", "Fan Of", "Heat", "Alien", "has", "yous", " ", "  ",
                "\t", ",", ".", "\n", "you're a fan of", "You are a huge fan of", "your love for", "since you loved",
                "because you’ve really enjoyed", "as  you"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(CLAIM_PIECES), max_size=14).map(" ".join))
def test_may_claim_keeps_every_claim_that_can_match(sentence):
    """_may_claim (on the lower case, '’' made "'") leaves out only a claim regex that cannot match."""
    from checks.taste_reasoning import _CLAIM, _CLAIM2, _may_claim

    low = sentence.lower().replace("’", "'")
    for rx in (_CLAIM, _CLAIM2):
        if rx.search(sentence):
            assert rx in _may_claim(low)


WORD_PIECES = ["since you", "because you", "you love", "fan of", "fans of", "like", "just like", "your taste",
               "cheesy", "cheesier", "cheese", "one-liners", "one-liner", "liners", "heist", "heists", "heis",
               "slow", "slowburn", "slow-burn", "burn", "CHEESY", "Heist", "dark", "darkly", "darker",
               "the", "a", "it", ",", ".", "'s", "’", "\u212a", "İ", "ſlow", "é", "you"]
PROMPT_WORDS = ["cheesy", "heist", "slow", "burn", "darkly", "liners", "dark"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(WORD_PIECES), max_size=12).map(" ".join))
def test_prompt_words_found_as_by_plain_definition(sentence):
    """_references's weakest evidence (its substring pre-test of the words' keys skips the cue
    search) names the prompt's content words the plain definition names: a cue sentence, and
    the word among its content words (a long one: by its 5-letter stem)."""
    from types import SimpleNamespace

    from checks.analysis import content_words_lower
    from checks.taste_reasoning import _CASE_SPECIAL, _STRONG_CUE, _references, _TasteKeys

    taste = SimpleNamespace(titles=[], films=[], terms=[], directors=[], phrases=[], words=PROMPT_WORDS,
                            to_dict=dict)
    keys = _TasteKeys(taste)
    lower = sentence.lower()
    expected = []
    if _STRONG_CUE.search(sentence):
        content = set(content_words_lower(lower))
        stems = {w[:5] for w in content if len(w) >= 4}
        expected = [w for w in PROMPT_WORDS if (w[:5] in stems if len(w) >= 6 else w in content)]
    plain = not any(c in sentence for c in _CASE_SPECIAL)
    assert _references(sentence, lower, keys, plain)[0] == expected


LINE_PIECES = ["Since you loved Heat", "since 1999", "just like", "fans of", "you", "YOU", "it", "e.g", "Dr",
               "3", ".", "!", "?", "…", "’", "\n", " ", "  ", "\t", "\u00a0", "\u2003", ",", ")", '"', "İ", "é"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(LINE_PIECES), max_size=12).map("".join))
def test_line_sentences_as_by_plain_definition(line):
    """_line_sentences keeps the sentences of the line (as the reference split gives them; near
    misses: a break mark last, followed by white space, or a newline) that say "you" or hold a
    link cue, read plainly."""
    from checks import load_spec
    from checks.analysis import sentences
    from checks.phrases import phrase_matcher
    from checks.taste_reasoning import _SINCE_YEAR, _line_sentences, _may_claim, _spec_lists, _words

    spec = load_spec()
    cues = phrase_matcher(tuple(spec.taste.link_cues))
    expected = []
    for s in sentences(line):
        lower = s.lower()
        low = lower.replace("’", "'")
        has_you = "you" in low
        has_cue = bool(cues.rx.findall(_SINCE_YEAR.sub(" ", low)))
        if has_you or has_cue:
            expected.append((s, lower, low, _words(low), _may_claim(low) if has_you else (), has_you, has_cue))
    assert list(_line_sentences.__wrapped__(line, _spec_lists(spec))) == expected


MAX_INDEL = [
    # (key length, threshold, most indels a window no longer than the key may be away, comment)
    (6, 90.0, 1, "1 deletion: 10/11 = 90.9; near miss: 2 edits at best 10/12 = 83.3"),
    (8, 90.0, 1, "near miss: 2 edits at best 14/16 = 87.5"),
    (8, 88, 1, "near miss: 2 edits at best 87.5, just under 88"),
    (9, 90.0, 1, "near miss: 1 deletion + 1 insertion, 16/18 = 88.9"),
    (9, 88, 2, "1 deletion + 1 insertion: 16/18 = 88.9 (2 deletions: 14/16 = 87.5)"),
    (10, 90.0, 2, "1 deletion + 1 insertion: 18/20 = 90, exactly the threshold"),
    (20, 90.0, 4, "2 deletions + 2 insertions: 36/40 = 90"),
    (20, 88, 4, "near miss: 5 edits at best 34/39 = 87.2"),
]


@pytest.mark.parametrize("m,threshold,expected,comment", MAX_INDEL, ids=[c[3][:40] for c in MAX_INDEL])
def test_max_indel(m, threshold, expected, comment):
    from checks.taste_reasoning import _max_indel

    assert _max_indel(m, threshold) == expected


def _plain_max_indel(m, threshold):
    """Over every (window length, lcs): the most indels of a ratio reaching the threshold."""
    best = -1
    for w in range(m + 1):
        for lcs in range(min(m, w) + 1):
            if 100 * (1 - (m + w - 2 * lcs) / (m + w or 1)) >= threshold - 1e-9:
                best = max(best, m + w - 2 * lcs)
    return best


@pytest.mark.parametrize("threshold", [90.0, 88])
def test_max_indel_as_by_plain_definition(threshold):
    from checks.taste_reasoning import _max_indel

    for m in range(1, 80):
        assert _max_indel(m, threshold) == _plain_max_indel(m, threshold), m


def _mutated(draw, key, alphabet):
    """``key`` after a few random deletions, insertions, substitutions and swaps."""
    chars = list(key)
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["del", "ins", "sub", "swap"]))
        i = draw(st.integers(0, max(0, len(chars) - 1)))
        if op == "del" and chars:
            del chars[i]
        elif op == "ins":
            chars.insert(i, draw(st.sampled_from(alphabet)))
        elif op == "sub" and chars:
            chars[i] = draw(st.sampled_from(alphabet))
        elif op == "swap" and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


@st.composite
def _key_and_text(draw):
    alphabet = draw(st.sampled_from(["ab", "abc ", "abcde", "inception ", "the oceans elvn"]))
    key = draw(st.text(alphabet, min_size=6, max_size=40))
    if draw(st.booleans()):
        key = (key[:3] * 20)[:len(key)]  # repeated letters
    around = st.text(alphabet, max_size=draw(st.sampled_from([0, 2, 10, 60])))
    parts = [draw(around)]
    for _ in range(draw(st.integers(1, 3))):
        parts += [_mutated(draw, key, alphabet), draw(around)]
    return key, "".join(parts)


@settings(max_examples=3000, deadline=None)
@given(_key_and_text(), st.sampled_from([90.0, 88]))
def test_fuzzy_pieces_only_rule_out_what_cannot_reach_the_threshold(key_text, threshold):
    """A text longer than the key holding none of its pieces scores below the threshold (with
    the score_cutoff _partial asks for, and without)."""
    from rapidfuzz import fuzz

    from checks.taste_reasoning import _fuzzy_pieces

    key, text = key_text
    pieces = _fuzzy_pieces(key, threshold)
    if len(text) > len(key) and not any(p in text for p in pieces):
        assert fuzz.partial_ratio(key, text) < threshold
        assert fuzz.partial_ratio(key, text, score_cutoff=threshold - 2) < threshold


FUZZY_PIECES = [
    # (key, threshold, text, can reach the threshold: a piece is in the text, comment)
    ("inception", 90.0, "a dream heist like inceptoin does", True, "a swap: 'ince' is whole"),
    ("inception", 90.0, "a dream heist like incepshun does", True, "near miss of the pieces: 'ince' still whole"),
    ("inception", 90.0, "a dream heist like nceptio does", False, "near miss: 2 deletions (87.5), no whole piece"),
    ("inception", 90.0, "a dream heist film with a twist", False, "neither 'ince' nor 'ption'"),
    ("oceans eleven", 88, "a cool crew pulls a casino job", False, "none of 4 pieces"),
]


@pytest.mark.parametrize("key,threshold,text,may,comment", FUZZY_PIECES, ids=[c[4][:40] for c in FUZZY_PIECES])
def test_fuzzy_pieces_table(key, threshold, text, may, comment):
    from rapidfuzz import fuzz

    from checks.taste_reasoning import _fuzzy_pieces

    pieces = _fuzzy_pieces(key, threshold)
    assert "".join(pieces) == key  # contiguous, covering the key
    assert any(p in text for p in pieces) is may
    if not may:
        assert fuzz.partial_ratio(key, text) < threshold


FUZZY_TITLES = ["inception", "oceans eleven", "heat", "le fabuleux destin d'amelie poulain"]


@st.composite
def _sentence_near_titles(draw):
    alphabet = "inceptoansulvhd' "
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        parts.append(draw(st.sampled_from(["a", "the", "heist", "'s", "’s", ",", "Inception's", "  ", "é"])))
        if draw(st.booleans()):
            parts.append(_mutated(draw, draw(st.sampled_from(FUZZY_TITLES)), alphabet))
    return " ".join(parts)


@settings(max_examples=1500, deadline=None)
@given(_sentence_near_titles())
def test_titles_named_as_partial_in_says(sentence):
    """_references names a liked title exactly where partial_in (whole words, the possessive,
    then rapidfuzz at 90) finds it: the pre-tests before rapidfuzz change nothing."""
    from types import SimpleNamespace

    from checks.analysis import partial_in
    from checks.taste_reasoning import _CASE_SPECIAL, _references, _TasteKeys

    taste = SimpleNamespace(titles=FUZZY_TITLES, films=[], terms=[], directors=[], phrases=[], words=[],
                            to_dict=dict)
    plain = not any(c in sentence for c in _CASE_SPECIAL)
    found = _references(sentence, sentence.lower(), _TasteKeys(taste), plain)[0]
    assert found == [t for t in FUZZY_TITLES if partial_in(t, sentence, 90.0)]


def _phrase_pieces():
    from checks import load_spec

    spec = load_spec()
    lists = [tuple(spec.taste.link_cues), tuple(spec.taste.contrast_phrases), tuple(spec.enthusiasm.sarcastic_phrases)]
    words = sorted({w for lst in lists for p in lst for w in p.lower().split()})
    # phrases, their words, inflected and cut short (near misses), and what sits between words
    pieces = [p.lower() for lst in lists for p in lst] + words + [w + "s" for w in words] + [w + "ing" for w in words]
    pieces += [w[:-1] for w in words if len(w) > 2] + [",", ".", "'", "’", "-", "you", "é", "/s", "🙄"]
    return lists, sorted(set(pieces))


_LISTS, _PIECES = _phrase_pieces()


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=8), st.sampled_from([" ", "", "  ", "-"]), st.integers(0, 2))
def test_phrase_lists_any_as_by_plain_definition(pieces, sep, which):
    """_Phrases.any (its word pre-tests) says what the phrase regex finds, for the link cues,
    the contrast and the sarcastic phrases."""
    from checks.phrases import phrase_matcher
    from checks.taste_reasoning import _phrase_list, _words

    text = sep.join(pieces)
    phrases = _LISTS[which]
    assert _phrase_list(phrases).any(text, _words(text)) is bool(phrase_matcher(phrases).findall(text))
