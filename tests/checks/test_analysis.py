"""analysis: the sentence split (fast form against the reference regex) and the last-call memo of analyse."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.analysis import _HEAD_WITH_YEAR, _SENTENCE_SPLIT, _head_before, iter_sentences, sentence_tail, sentences


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


LINES = [
    # (line, sentences)
    ("You'll love Heat", ["You'll love Heat"]),  # no break mark: one sentence, without the regex
    ("  You'll love Heat!  ", ["You'll love Heat!"]),  # near miss: the mark is last but for white space
    ("You'll love it!", ["You'll love it!"]),  # near miss: a mark last, nothing after it
    ("Wow! Heat", ["Wow!", "Heat"]),  # near miss: a mark before white space
    ("e.g.Heat", ["e.g.Heat"]),  # near miss: marks, none before white space
    ("Heat\nAlien", ["Heat", "Alien"]),  # near miss: a newline
    ("", []),
]


@pytest.mark.parametrize("line,expected", LINES, ids=[t[:20] or "empty" for t, _ in LINES])
def test_line_sentences(line, expected):
    from checks.analysis import line_sentences

    assert line_sentences(line) == expected == _reference(line)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=12).map("".join), max_size=6))
def test_sentences_of_lines_equal_the_joined_texts_sentences(lines):
    """Every newline is a split point and the splits are white space, which the split strips:
    so a text's sentences are its lines' sentences in turn (the checks split line by line)."""
    from checks.analysis import line_sentences

    assert [s for line in lines for s in line_sentences(line)] == _reference("\n".join(lines))
    for line in lines:
        assert line_sentences(line) == _reference(line)


# --- analyse's last-call memo --------------------------------------------------------------
_PROMPT = "I loved Heat and Alien. What should I watch next?"
_ANSWER = "You have to watch **Ronin** (1998)!\n\nWhy it fits:\n- heists\n- car chases"


def _liked_ids(a):
    return sorted(a.taste.liked_ids)


def test_analyse_reads_metadata_changed_in_place_since_its_last_call():
    from checks import load_spec
    from checks.analysis import analyse
    from checks.memo import clear_text_caches

    spec = load_spec()
    clear_text_caches()
    meta = {"liked_titles": ["Heat"]}
    first = analyse(_PROMPT, _ANSWER, spec, meta)
    assert analyse(_PROMPT, _ANSWER, spec, meta) is first  # the same objects: the same analysis
    meta["liked_titles"].append("Ronin")  # changed in place: the user liked Ronin too
    second = analyse(_PROMPT, _ANSWER, spec, meta)
    assert second is not first
    assert "Ronin" in second.taste.titles and "Ronin" not in first.taste.titles
    assert [p.text for p in first.picks] == ["Ronin"] and second.picks == []  # a liked title is no pick
    meta["liked_titles"] = ["Heat"]  # near miss: another list, equal to the first one's contents
    assert analyse(_PROMPT, _ANSWER, spec, meta).taste.titles == first.taste.titles


def test_analyse_last_call_memo_is_emptied_with_the_answer_memos():
    from checks import load_spec
    from checks.analysis import analyse
    from checks.memo import clear_text_caches, text_cache_sizes

    spec = load_spec()
    first = analyse(_PROMPT, _ANSWER, spec)
    assert text_cache_sizes()["checks.analysis.analyse.last_call"] == ("answer", 1)
    clear_text_caches("answer")
    assert text_cache_sizes()["checks.analysis.analyse.last_call"] == ("answer", 0)
    assert analyse(_PROMPT, _ANSWER, spec) is not first  # computed afresh


def test_alnum_class_is_str_isalnum_on_every_code_point():
    from checks.analysis import _ALNUM

    chars = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert set(_ALNUM.findall(chars)) == {c for c in chars if c.isalnum()}


def _line_head_hit_reference(line_text, start, end):
    """The plain definition of ``_line_head_hit``."""
    from checks.analysis import _HEAD_END, _NUMBERING

    if any(ch.isalnum() for ch in _NUMBERING.sub("", line_text[:start])):
        return False
    return bool(_HEAD_END.match(line_text[end:].lstrip("*_\"'”’»")))


LINE_HEADS = [
    # (line text, hit)
    ("Heat (1995) - a heist", "Heat"),
    ("1. Heat: a heist", "Heat"),
    ("## 2) Heat", "Heat"),
    ("  - Heat | 1995", "Heat"),
    ("(3) Heat — tense", "Heat"),
    ("• Heat", "Heat"),
    ("12. Heat is great", "Heat"),  # near miss: prose after the title
    ("Watch Heat (1995)", "Heat"),  # near miss: a word before it
    ("123. Heat", "Heat"),  # near miss: three digits are no numbering
    ("1.2 Heat", "Heat"),  # near miss: "2" left after the numbering
    ("_ Heat", "Heat"),  # near miss: '_' is no numbering, and not alphanumeric either
    ("é Heat", "Heat"),  # near miss: a non-ASCII letter before it
    ("½ Heat", "Heat"),  # near miss: a numeric character before it
]


@pytest.mark.parametrize("line,title", LINE_HEADS)
def test_line_head_hit_equals_its_definition(line, title):
    from checks.analysis import _line_head_hit

    start = line.index(title)
    assert _line_head_hit(line, start, start + len(title)) == _line_head_hit_reference(line, start, start + len(title))


@given(st.text(alphabet="Heat 12.)(#-*_|:é½•\n\t", max_size=20), st.integers(0, 20), st.integers(0, 20))
@settings(max_examples=500, deadline=None)
def test_line_head_hit_equals_its_definition_on_any_text(line, a, b):
    from checks.analysis import _line_head_hit

    start, end = sorted((min(a, len(line)), min(b, len(line))))
    assert _line_head_hit(line, start, end) == _line_head_hit_reference(line, start, end)


# --- (d)'s pre-test: which reasons a catalogue hit in a line may have ----------------------
LINE_REASONS = [
    # (line text, what _line_reasons says)
    ("It's beloved for good reason, with a 8.5/10 IMDb rating.", "NO_REASON"),
    ("", "NO_REASON"),
    ("Heat (1995) is next", "ANY_REASON"),  # a bracket: a year may follow a hit
    ("Heat [1995] is next", "ANY_REASON"),
    ("You should watch Heat tonight.", "ANY_REASON"),  # a verb
    ("WATCHING Heat tonight.", "ANY_REASON"),  # (in capitals)
    ("Do check\u00a0out Heat.", "ANY_REASON"),  # (white space outside ASCII after the verb)
    ("(see) Heat.", "ANY_REASON"),  # (a boundary that is not white space before the verb)
    ("A stopwatch of a film.", "NO_REASON"),  # near miss: the verb inside a word
    ("A rewatchable film.", "NO_REASON"),  # near miss: the verb starts a longer word
    ("A watch_ film.", "ANY_REASON"),  # conservative: '_' is a word character (the regex finds no verb)
    ("Go-to film.", "ANY_REASON"),  # conservative: "go" before '-' (the regex wants white space)
    ("A ſee-through plot.", "ANY_REASON"),  # near miss: 'ſ' is 's' to re.I: no shortcut
    ("Heat: a heist.", "HEAD_ONLY"),  # a mark _HEAD_END reads
    ("Heat – a heist.", "HEAD_ONLY"),
    ("Heat — a heist.", "HEAD_ONLY"),
    ("Heat | tense.", "HEAD_ONLY"),
    ("Heat - tense.", "HEAD_ONLY"),
    ("Heat -\ttense.", "HEAD_ONLY"),
    ("An action-packed film.", "NO_REASON"),  # near miss: a dash before no white space
    ("A tense heist", "HEAD_ONLY"),  # the line ends with a word
    ("A tense \"heist\"**  ", "HEAD_ONLY"),  # (then only what _line_head_hit strips, and white space)
    ("A tense heist!", "NO_REASON"),  # near miss: a mark after the last word
    ("A tense 'heist' .", "NO_REASON"),  # near miss: white space, then a mark
]


@pytest.mark.parametrize("line,expected", LINE_REASONS, ids=[t[:24] or "empty" for t, _ in LINE_REASONS])
def test_line_reasons(line, expected):
    import checks.analysis as analysis

    analysis._line_reasons.cache_clear()
    assert analysis._line_reasons(line) == getattr(analysis, expected)


def test_re_i_matches_an_ascii_letter_only_to_ascii_letters_and_ignorecase_to_ascii():
    """What ``_line_reasons`` reads of a verb's letters (checked over every code point)."""
    import re

    from checks.catalogue import IGNORECASE_TO_ASCII

    chars = "".join(chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF)
    for letter in "abcdefghijklmnopqrstuvwxyz":
        assert set(re.findall(letter, chars, re.I)) <= set(IGNORECASE_TO_ASCII)


_LINE_PIECES = st.sampled_from([
    "Heat", "The Matrix", "Alien", "1917", "Up", "Go", "It", "Se7en", "heat", "up", "go", " ", "  ", "\t", "\u00a0",
    "watch ", "Watch\t", "WATCHING ", "check out ", "check  out ", "go with ", "ſee ", "İ", "ı", "\u212a", "the film ",
    "out ", "(1995)", "[1995]", " ( 1995 )", "(", ":", "–", "—", "|", " - ", "-", "*", "_", '"', "”", "»", "’", "'",
    "1. ", "## ", "12) ", "• ", "é", "½", "x", ".", "!", ",", "like ", "a ",
])


def _reasons_of_hits(cat, line, start, end):
    """The reasons of (d) but "title in prose", by their definitions, of each catalogue hit in
    ``line[start:end]`` (a segment), as ``_analyse_cached`` reads them."""
    from checks.analysis import _REC_VERB, _YEAR_AFTER

    out = []
    for hit in cat.find_in_text(line[start:end], True):
        s, e = start + hit.start, start + hit.end
        out.append((hit.text, _line_head_hit_reference(line, s, e), bool(_YEAR_AFTER.match(line[e:])),
                    bool(_REC_VERB.search(line[:s]))))
    return out


REASON_POSSIBLE = [
    # (line text, segment start, whether a hit from there on may have a reason)
    ("Heat: a heist.", 0, True),  # may head the line
    ("Heat: a heist.", 4, False),  # near miss: a letter before the segment
    ("1. Heat: a heist.", 3, True),  # near miss: only the numbering's digit before it
    ("1. Heat: a heist.", 2, True),
    ("é: a heist.", 1, False),  # (a letter outside ASCII)
    ("½ Heat: a heist.", 2, False),  # (alphanumeric, and no digit _NUMBERING reads)
    ("Heat, a heist.", 0, False),  # no mark _HEAD_END reads
    ("Heat (1995), a heist.", 4, True),  # a bracket: a year may follow a hit
    ("A heist: watch Heat.", 2, True),  # a verb
]


@pytest.mark.parametrize("line,start,expected", REASON_POSSIBLE)
def test_reason_possible(line, start, expected):
    from checks.analysis import _reason_possible

    assert _reason_possible(line, start) == expected


@settings(max_examples=3000, deadline=None)
@given(st.lists(_LINE_PIECES, max_size=8), st.integers(0, 8), st.integers(0, 8))
def test_no_hit_has_a_reason_where_the_pre_test_says_so(pieces, a, b):
    """Where ``_reason_possible`` says no, no catalogue hit in a segment from there on is a
    head, has a year after it or a verb before it (segments start and end between pieces)."""
    from checks import load_spec
    from checks.analysis import _reason_possible, _spec_catalogue

    cat = _spec_catalogue(load_spec())
    line = "".join(pieces)
    i, j = sorted((min(a, len(pieces)), min(b, len(pieces))))
    start, end = len("".join(pieces[:i])), len("".join(pieces[:j]))
    if not _reason_possible(line, start):
        for hit, *reasons in _reasons_of_hits(cat, line, start, end):
            assert not any(reasons), (hit, reasons)


def test_no_hit_has_a_reason_where_the_pre_test_says_so_on_every_short_line():
    """The same over every line of three pieces of a small set, segments from every piece on."""
    import itertools

    from checks import load_spec
    from checks.analysis import _reason_possible, _spec_catalogue

    cat = _spec_catalogue(load_spec())
    pieces = ["Heat", "Up", "1. ", " ", "\u00a0", "Watch ", "ſee ", "(1995)", "[1995]", ":", "—", "|", "-\t", "-",
              "*", "!", "é", "½", "x"]
    skipped = 0
    for three in itertools.product(pieces, repeat=3):
        line = "".join(three)
        for i in range(3):
            start = len("".join(three[:i]))
            if not _reason_possible(line, start):
                skipped += 1
                for hit, *reasons in _reasons_of_hits(cat, line, start, len(line)):
                    assert not any(reasons), (line, start, hit, reasons)
    assert skipped > 1000


PLAIN_PICKS = [
    # (answer, its picks and their reasons): (d)'s plain catalogue titles, with and without the pre-test
    ("Honestly Blade Runner is a classic of the genre.", [("Blade Runner", "title in prose")]),
    ("- Honestly Blade Runner is a classic of the genre.", []),  # near miss: no prose in a bullet line
    ("- You should watch Blade Runner next.", [("Blade Runner", "title after a recommending verb")]),
    ("- Blade Runner: a classic.", [("Blade Runner", "title heads its line")]),
    ("- A true classic is Blade Runner (1982).", [("Blade Runner", "title with its year")]),
    ("**Why**: Blade Runner is a classic of the genre.", [("Why", ""), ("Blade Runner", "title in prose")]),
    ("**Why: Blade Runner is a classic of the genre.**", []),  # near miss: no prose in bold
]


@pytest.mark.parametrize("answer,expected", PLAIN_PICKS, ids=[a[:30] for a, _ in PLAIN_PICKS])
def test_plain_picks(answer, expected, spec):
    from checks.analysis import analyse
    from checks.memo import clear_text_caches

    clear_text_caches("answer")
    assert [(p.text, p.reason) for p in analyse("I loved Alien.", answer, spec).picks] == expected


REC_VERB_BEFORE = [
    # (text before a title, whether it ends with a recommending verb)
    ("You should watch ", True),
    ("Honestly, CHECK OUT ", True),
    ("go for\u00a0", True),  # (white space outside ASCII)
    ("check out the film ", True),  # (four words)
    ("and so check out the film ", True),  # (the four last of six)
    ("one, two, three, four, five, six: just try the\tmovie ", True),  # (the match in the last four words)
    ("(see ", True),  # (a word boundary that is not white space)
    ("ſee ", True),  # 'ſ' is 's' to re.I
    ("ſtream ", True),  # (not the last letter)
    ("You should watch", False),  # near miss: no white space after the verb
    ("a stopwatch ", False),  # near miss: the verb ends a longer word
    ("watch Heat or ", False),  # near miss: a word after the verb
    ("check  out ", False),  # near miss: "check out" is written with one space
    ("based on ", False),  # "on" ends "put on", but no "put" before it
    ("", False),
    ("   ", False),
]


@pytest.mark.parametrize("before,expected", REC_VERB_BEFORE, ids=[t[:24] or "empty" for t, _ in REC_VERB_BEFORE])
def test_rec_verb_before(before, expected):
    from checks.analysis import _REC_VERB, _rec_verb_before

    assert _rec_verb_before(before) == expected == bool(_REC_VERB.search(before))


_BEFORE_WORDS = st.sampled_from([
    "watch", "Watching", "CHECK", "check out", "checking", "out", "up", "the", "film", "MOVIE", "go", "with", "for",
    "put", "on", "dive", "into", "see", "ſee", "ſ", "ı", "İ", "\u212a", "pick", "add", "x", "stop", "(", "'", "-",
    ".", "é", "",
])
_BEFORE_GAPS = st.sampled_from([" ", " ", " ", "  ", "\t", "\n", "\u00a0", ""])


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.tuples(_BEFORE_WORDS, _BEFORE_GAPS).map("".join), max_size=9).map("".join))
def test_rec_verb_before_equals_the_regex(before):
    from checks.analysis import _REC_VERB, _rec_verb_before

    assert _rec_verb_before(before) == bool(_REC_VERB.search(before))


_MEMO_PROMPT = "I loved Heat and Blorp Zorp. What should I watch next?"
_MEMO_ANSWERS = [
    "1. **Blorp Zorp** (2001) - again\n2. **Quux Fizz** (1999) - new\n3. **Heat** (1995)",
    "1. **Ronin** (1998) - like Heat and Quux Fizz, watch Thief next.\n2. **Quux Fizz** (1999)",
    "- **Thief** (1981)\n- **Blorp Zorp**: you named it\n\nOr just watch Heat again, or Blorp Zorp.",
    "### Blorp Zorp (2001)\n\nNo: watch Ronin, then Thief.",
]


def test_the_taste_memo_gives_what_the_plain_definitions_give(spec):
    """What ``_analyse_cached`` keeps in ``taste.derived`` (whether a title is liked, whether
    the user named it) gives the analyses it gives without it, answer after answer."""
    from checks.analysis import _is_liked, analyse
    from checks.memo import clear_text_caches

    def fields(a):
        return [(p.text, p.film, p.line, p.start, p.reason) for p in a.picks], a.bold_titles, a.liked_recommended

    clear_text_caches()
    warm = []
    for answer in _MEMO_ANSWERS:  # each with what the answers before it left in the memo
        clear_text_caches("answer")
        warm.append(fields(analyse(_MEMO_PROMPT, answer, spec)))
    taste = analyse(_MEMO_PROMPT, _MEMO_ANSWERS[0], spec).taste
    liked_memo, named_memo = taste.derived["analysis"]
    assert set(liked_memo.values()) == {True, False} and len(liked_memo) == 5
    assert named_memo == {"Thief": ("thief", False), "Blorp Zorp": ("blorp zorp", True), "Ronin": ("ronin", False)}
    for (title, film_id), liked in liked_memo.items():
        film = next((f for f in [*taste.films, *(b.film for w in warm for b in w[1])] if f and f.id == film_id), None)
        assert liked == _is_liked(film, title, taste)
    for answer, expected in zip(_MEMO_ANSWERS, warm):
        taste.derived.pop("analysis")  # cold
        clear_text_caches("answer")
        assert fields(analyse(_MEMO_PROMPT, answer, spec)) == expected


def test_a_first_capital_is_one_of_capital_or_digit():
    """(d)'s fast path before ``_CAPITAL_OR_DIGIT.search``: a text whose first character is
    from "A" to "Z" has one (checked over every code point)."""
    import inspect

    from checks.analysis import _CAPITAL_OR_DIGIT, _analyse_cached

    # (the fast path this test is about, as written in (d))
    assert '("A" <= seg.text[:1] <= "Z" or _CAPITAL_OR_DIGIT.search(seg.text))' in inspect.getsource(_analyse_cached)
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    assert [c for c in chars if "A" <= c <= "Z" and not _CAPITAL_OR_DIGIT.match(c)] == []
    assert not ("A" <= ""[:1] <= "Z")  # (an empty text goes to the regex)


def _head_before_reference(text, bold_at):
    """(c)'s plain test: a _HEAD_WITH_YEAR match that ends (with its year) by ``bold_at``."""
    head = _HEAD_WITH_YEAR.match(text)
    return head if head and head.end(2) <= bold_at else None


HEADS_BEFORE = [
    # (line text, where its first bold segment starts, the match's year or None)
    ("## Le Samourai (1967)", 21, "1967"),
    ("## Le Samourai (1967)", 20, "1967"),  # the match ends on the year's last digit
    ("## Le Samourai (1967)", 19, None),  # near miss: it ends after the bold segment starts
    ("1. Heat [1995] - **tense**", 17, "1995"),
    ("1. **Heat** (1995)", 3, None),  # near miss: the bracket after the bold title (no regex)
    ("1. Heat (1995)", 8, None),  # near miss: the bracket right where the bold segment starts
    ("1. Heat (1995)", 9, None),  # near miss: the bracket before the bold segment, the year not
    ("1. Heat (1995)", 13, "1995"),
    ("Heat (or not) (1995)", 20, None),  # brackets, no match
    ("", 0, None),
]


@pytest.mark.parametrize("text,bold_at,year", HEADS_BEFORE)
def test_head_before(text, bold_at, year):
    head = _head_before(text, bold_at)
    assert (head and head.group(2)) == year
    assert (head and head.span(2)) == ((ref := _head_before_reference(text, bold_at)) and ref.span(2))


@given(st.text(alphabet="Heat 19(5)[]#1.-*\u00a0\u0661", max_size=24), st.integers(0, 26))
@settings(max_examples=1000, deadline=None)
def test_head_before_equals_its_definition_on_any_text(text, bold_at):
    head, ref = _head_before(text, bold_at), _head_before_reference(text, bold_at)
    assert (head and (head.span(), head.groups())) == (ref and (ref.span(), ref.groups()))
