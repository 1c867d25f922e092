import pytest

from checks.catalogue import load_catalogue, normalise, split_year
from checks.errors import CatalogueError


@pytest.fixture(scope="module")
def cat(spec):
    return load_catalogue(spec.catalogue_path)


@pytest.mark.parametrize("written,title,year", [
    ("The Matrix", "The Matrix", 1999),
    ("the matrix", "The Matrix", 1999),          # case
    ("Matrix", "The Matrix", 1999),              # leading article dropped
    ("The Matrix (1999)", "The Matrix", 1999),   # trailing year
    ("The Matirx", "The Matrix", 1999),          # small typo
    ("Se7en", "Se7en", 1995),
    ("Léon", "Léon", None),                      # mis-encoded source title fixed ("LÈon")
    ("Leon", "Léon", None),                      # accents optional
])
def test_lookup(cat, written, title, year):
    m = cat.lookup(written)
    assert m is not None, written
    assert m.film.title == title
    if year:
        assert m.film.year == year


@pytest.mark.parametrize("written", [
    "Upp",                # near miss of "Up": short titles must match exactly
    "Quantum Dreamscape",  # invented
    "",
])
def test_no_match(cat, written):
    assert cat.lookup(written) is None


def test_year_picks_the_right_remake(cat):
    a = cat.lookup("Dawn of the Dead", 1978)
    b = cat.lookup("Dawn of the Dead", 2004)
    assert a and b and a.film.year != b.film.year


def test_find_in_text(cat):
    hits = cat.find_in_text("You should watch The Matrix and then Fight Club tonight.")
    assert [h.text for h in hits if len(h.text) > 6] == ["The Matrix", "Fight Club"]


@pytest.mark.parametrize("text,expected", [
    ("Heat (1995)", ("Heat", 1995)), ("Heat, 1995", ("Heat", 1995)), ("Heat", ("Heat", None)),
    ("2001: A Space Odyssey", ("2001: A Space Odyssey", None)),  # a year-like number that is the title
])
def test_split_year(text, expected):
    assert split_year(text) == expected


def test_normalise():
    assert normalise("Don’t Look Now!") == normalise("dont look now") == "dont look now"
    assert normalise("Fast & Furious") == "fast and furious"


def test_malformed_catalogue_names_line_and_field(tmp_path):
    bad = tmp_path / "c.csv"
    bad.write_text("title,year,genres,director,aliases,source\nHeat,199x,,,,\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"c.csv:2: field 'year'"):
        load_catalogue(bad)


WORD_TEXTS = [
    # (text, comment): _normalised_words must be normalise() of each _WORD token
    ("Heat and The Town", "plain ASCII words are only lower-cased"),
    ("Schindler's List, Dr. Strangelove", "near miss: apostrophes and dots go through normalise"),
    ("Léon: The Professional", "accents: the whole text goes through normalise"),
    ("Straße Æon Ø", "near miss: letters that normalise to nothing"),
    ("", "empty text"),
    ("Heat and Thief 1981", "near miss: ASCII without apostrophes or dots"),
]


@pytest.mark.parametrize("text,comment", WORD_TEXTS, ids=[c[1] for c in WORD_TEXTS])
def test_normalised_words_match_normalise(text, comment):
    from checks.catalogue import _WORD, _normalised_words, normalise

    assert _normalised_words(text) == [normalise(w) for w in _WORD.findall(text)]


CAPITALISED_TEXTS = [
    # (text, titles found with capitalised_only=True)
    ("You should watch Heat tonight", ["Heat"]),
    ("the heat of the night", []),  # near miss: lower-case words are dropped...
    ("the Dark Knight was great", []),  # ...and still cover what they span: no "Dark Knight" inside
    ("Then The Dark Knight", ["The Dark Knight"]),
    ("1917 and Amélie", ["1917", "Amélie"]),  # a digit or an accented capital first
    # a lower-case hit whose first letter's capital is nowhere in the text is dropped unlocated
    ("it was great", []),
    ("It was it", ["It"]),  # near miss: "I" is in the text (the lower-case "it" is located)
    ("Then it was one of them", []),  # near miss: "T" is, but "I" and "O" are not
    ("watch it: IT", ["IT"]),  # near miss: the capital is in the text, later
    ("x.y it Heat", ["Heat"]),  # near miss: a '.' inside a token (the general ASCII path)
    ("À bout de souffle", ["À bout de souffle"]),  # near miss: its word starts "a", but no "A" is written
]


@pytest.mark.parametrize("text,titles", CAPITALISED_TEXTS, ids=[t for t, _ in CAPITALISED_TEXTS])
def test_find_in_text_capitalised_only(cat, text, titles):
    every = cat.find_in_text(text)
    kept = cat.find_in_text(text, capitalised_only=True)
    assert [h.text for h in kept] == titles
    # the same hits as filtering every hit afterwards
    assert kept == [h for h in every if h.text[:1].isupper() or h.text[:1].isdigit()]


FUZZY_QUERIES = [
    # (query key, comment): the length window must find what a search of every key finds
    ("blade runer", "one letter missing"),
    ("the matrixx", "one letter too many"),
    ("eternal sunshine of the spotles mind", "long title, one typo"),
    ("amelie from montmartre", "near miss: no key this close"),
    ("you will love this one", "near miss: a sentence, no match"),
    ("zzzzz", "near miss: nothing alike"),
]


@pytest.mark.parametrize("query,comment", FUZZY_QUERIES, ids=[c for _, c in FUZZY_QUERIES])
def test_fuzzy_window_finds_what_every_key_finds(cat, query, comment):
    from rapidfuzz import fuzz, process

    full = process.extractOne(query, cat._key_list, scorer=fuzz.ratio, score_cutoff=cat.fuzzy_threshold)
    window = process.extractOne(query, cat._fuzzy_candidates(len(query)), scorer=fuzz.ratio,
                                score_cutoff=cat.fuzzy_threshold)
    assert (full and full[:2]) == (window and window[:2])
    assert len(cat._fuzzy_candidates(len(query))) < len(cat._key_list)  # the window does narrow


def test_normalise_ascii_fast_path_matches_the_full_path():
    import unicodedata

    from checks.catalogue import normalise, normalise_text

    for text in ["Schindler's List", "Fast & Furious 7", "  WALL·E  ", "Ocean`s Eleven", "Amélie", "İstanbul",
                 "", "  ", "&", "A--B__C\t\nD", "1917 (2019)!", "rock'n'roll"]:
        full = unicodedata.normalize("NFKD", text)
        full = "".join(c for c in full if not unicodedata.combining(c)).lower().replace("&", " and ")
        import re

        full = re.sub(r"[^a-z0-9]+", " ", re.sub(r"['’`]", "", full)).strip()
        assert normalise.__wrapped__(text) == full == normalise_text(text)


def test_normalise_text_on_any_text():
    import re
    import unicodedata

    from hypothesis import example, given, settings
    from hypothesis import strategies as st

    from checks.catalogue import normalise_text

    def reference(text):
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c)).lower().replace("&", " and ")
        return re.sub(r"[^a-z0-9]+", " ", re.sub(r"['’`]", "", text)).strip()

    @settings(max_examples=1500, deadline=None)
    @given(st.text(alphabet=st.characters(max_codepoint=127)) | st.text())
    @example("Amélie ＆ İstanbul’s ½ ΣΑΣ ß ﬁne \u212a e\u0301")  # accents, fullwidth '&', İ, ’, ½, sigmas, ß, ligature, Kelvin
    def check(text):
        assert normalise_text(text) == reference(text)

    check()


def _find_in_text_reference(cat, text):
    """The definition ``find_in_text`` must agree with: each ``_WORD`` token normalised, and at
    each token the longest run of tokens whose forms joined with spaces is a key (a form may
    itself hold spaces: "U.S" is "u s"), with ``re.finditer`` spans. The trie walk and the
    tokens located with ``str.find`` are speed-ups of this."""
    from checks.catalogue import _WORD

    keys = cat._key_films
    prefixes = {" ".join(k.split(" ")[:n]) for k in keys for n in range(1, len(k.split(" ")) + 1)}
    matches = list(_WORD.finditer(text))
    words = [normalise(m.group()) for m in matches]
    hits, i = [], 0
    while i < len(words):
        best = None
        for j in range(i, len(words)):
            key = " ".join(words[i:j + 1])
            if key not in prefixes:
                break
            if key in keys:
                best = j
        if best is None:
            i += 1
            continue
        start, end = matches[i].start(), matches[best].end()
        hits.append((start, end, text[start:end], keys[" ".join(words[i:best + 1])]))
        i = best + 1
    return hits


FIND_TEXTS = [
    # (text, comment)
    ("You should watch The Matrix and then Fight Club tonight.", "two titles, ASCII fast path"),
    ("u.s. marshals and L.A. Confidential", "dotted tokens normalise to several words ('u s')"),
    ("Dr. Strangelove, then It's a Wonderful Life", "an apostrophe and a dot inside tokens"),
    ("don't look up", "an apostrophe: the normalised path"),
    ("Amélie and AMÉLIE", "accented letters: the normalised path"),
    ("the  dark   knight", "runs of spaces between the words"),
    ("Heat Heat heat", "the same title three times: each located after the last"),
    ("the heat of the night", "near miss: 'In the Heat of the Night' without 'in'"),
    ("''", "near miss: no word at all"),
    ("a.b.c and a'b", "near miss: dotted and apostrophe tokens that name nothing"),
    ("Se7en (1995) and 1917", "digits"),
    ("Watch Heat — then “The Dark Knight” 🎬", "dashes, curly quotes, an emoji: no token holds them"),
    ("Amélie — Heat", "an accented token beside a dash: the normalised path"),
    ("Don’t miss “Heat” 🎬 — it’s The Dark Knight’s rival × 2",
     "'’' inside tokens, an emoji, '×' (Latin-1 but no letter): the normalised path"),
    ("Don’t miss “Heat” 🎬 — it’s The Dark Knight’s rival",
     "'’' inside tokens, quotes, a dash, an emoji: read as ASCII stand-ins"),
    # the words read straight from the text (each "." before a space or at the end, no "''")
    ("Watch Heat. Then The Thing.", "words from the text: each '.' before a space or at the end"),
    ("It's 'Heat' and rock 'n' roll", "words from the text: lone \"'\" dropped (the tokens found apart)"),
    ("Heat.\nThe Thing", "near miss: a '.' before a newline (read as the general ASCII path)"),
    ("Heat.The Thing and U.S. Marshals", "near miss: a '.' inside a token"),
    ("U.S.. Marshals and Heat.", "near miss: a '.' before a '.' ('. ' blanked leaves it)"),
    ("U.S Marshals", "near miss: a '.' inside a token, no '. ' anywhere"),
    ("Watch Heat.U", "near miss: a '.' inside a token, just before the last character"),
    ("Heat''The Thing", "near miss: \"''\" would join two tokens if dropped"),
    ("Heat'. The Thing .Heat", "near miss: a \"'\" before a '.' and a '.' after a space"),
]


@pytest.mark.parametrize("text,comment", FIND_TEXTS, ids=[c for _, c in FIND_TEXTS])
def test_find_in_text_matches_its_definition(cat, text, comment):
    got = [(h.start, h.end, h.text, h.films) for h in cat.find_in_text(text)]
    assert got == _find_in_text_reference(cat, text)


def test_find_in_text_matches_its_definition_on_any_text(cat):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    words = st.sampled_from(["the", "The", "dark", "Knight", "heat", "Heat", "U.S.", "marshals", "L.A.",
                             "Confidential", "in", "of", "night", "Amélie", "don't", "look", "up", "It's", "a",
                             "Wonderful", "Life", "1917", "x", "'", ".", ",", "é",
                             "ß", "æ", "ø",  # tokens that normalise to nothing or to other letters
                             "it", "It", "IT", "one", "À", "bout", "de", "souffle"])  # capitals elsewhere or accented
    seps = st.sampled_from([" ", "  ", ", ", "\n", "-", "", " — ", "“", "🎬", "’",
                            ". ", ".", "' ", "''", "'. "])  # marks beside the fast path's tests

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.tuples(words, seps), max_size=12))
    def check(parts):
        text = "".join(w + s for w, s in parts)
        got = [(h.start, h.end, h.text, h.films) for h in cat.find_in_text(text)]
        assert got == _find_in_text_reference(cat, text)
        # capitalised_only (tokens located only for the hits it keeps): the hits above it keeps
        kept = [(h.start, h.end, h.text, h.films) for h in cat.find_in_text(text, capitalised_only=True)]
        assert kept == [h for h in got if h[2][:1].isupper() or h[2][:1].isdigit()]

    check()


@pytest.mark.parametrize("key,expected", [
    ("the thing", "thing"), ("a quiet place", "quiet place"), ("an education", "education"),
    ("the", "the"), ("a ", "a "), ("an ", "an "),  # near misses: nothing after the article
    ("theory", "theory"), ("anora", "anora"), ("amelie", "amelie"), ("", ""),  # near misses: no space
    ("heat", "heat"),
])
def test_strip_article(key, expected):
    from checks.catalogue import strip_article

    assert strip_article(key) == expected


def test_ascii_tokens_are_word_tokens():
    """``_ascii_token_text`` (bytes translated, lone marks blanked: at once where no mark is
    beside another or a '.' is before a letter or digit) holds ASCII text's ``_WORD`` tokens
    where they are, and spaces elsewhere; ``_token_text`` the same for any text."""
    from hypothesis import example, given, settings
    from hypothesis import strategies as st

    from checks.catalogue import _WORD, _ascii_token_text, _token_text

    def reference(text):
        spaced = [" "] * len(text)
        for m in _WORD.finditer(text):
            spaced[m.start():m.end()] = m.group()
        return "".join(spaced)

    @settings(max_examples=600, deadline=None)
    @given(st.text(alphabet=st.sampled_from("aZ09'.. '-!\n\t_`\"") | st.characters(max_codepoint=127)))
    @example("Dr. Strangelove, then It's a Wonderful Life.")
    @example("U.S. marshals 'quoted' a..b a.'b 'a' .a. rock'n'roll x'")
    @example("It's Heat. Then more.")  # every '.' before a space or at the end: blanked in one go
    @example("It's a 'b c' d.")  # near misses: a "'" after or before a space...
    @example("'a b'")  # ...at either end
    @example("a''b a'. b")  # ...beside another "'" or a blanked '.'
    @example("a.\nb a.b")  # near miss: a '.' before a newline or inside a token
    @example("It's a.  b'c 'd")  # a "'" inside a word, one after a space
    @example("a'. b")  # a "'" before a blanked '.'
    def check(text):
        assert _ascii_token_text(text) == reference(text) == _token_text(text)
        assert reference(text).split() == _WORD.findall(text)

    @settings(max_examples=400, deadline=None)
    @given(st.text(alphabet=st.sampled_from("aZ9'’. é×ß-") | st.characters()))
    @example("Amélie’s ‘Léon’ — Æon. U.S. ×")
    def check_any(text):
        assert _token_text(text) == reference(text)

    check()
    check_any()
