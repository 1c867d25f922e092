"""The fast reading (pulldown-cmark events) gives exactly the markdown-it reading.

``parse`` reads an answer from pyromark's events when it has none of the constructs
the two parsers read differently, and defers to markdown-it otherwise; either way
the Document must equal ``parse_reference`` (markdown-it alone).
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.markdown import _lines_from_events, _normalise_source, parse, parse_reference

WHY = "\n**Why it fits:**\n- a\n- b\n"

# (markdown, read by the fast path?, comment)
ROUTING = [
    ("## **Thief** (1981)" + WHY, True, "the usual answer: heading, bold, label, bullets"),
    ("1. **Heat** (1995)\n   Why it fits:\n   * a\n   * b", True, "numbered picks with nested bullets"),
    ("**Heat**’s score" + WHY, True, "’ beside '**' is punctuation for both parsers"),
    ("**Amélie** (2001)" + WHY, True, "accented letters inside the bold"),
    ("Fast & Furious" + WHY, True, "a bare '&' is no entity"),
    ("**Heat**\n\n<!-- 5 -->\n", True, "a one-line HTML comment between blank lines reads as its text"),
    ("**Heat**\n\n<!-- *5* -->\n", False, "near miss: markup inside the HTML line (markdown-it would read the '*')"),
    ("**Heat**\n<!-- 5 -->\n", False, "near miss: the HTML line continues a paragraph for markdown-it"),
    ("- **Heat**\n\n  <!-- 5 -->\n", False, "near miss: HTML block inside a list item"),
    ("Heat &amp; Thief", False, "near miss: an entity pulldown-cmark would decode"),
    ("See [Heat][1]\n\n[1]: http://x", False, "near miss: a link reference definition"),
    ("Heat\n\n[1]: http://x", False, "near miss: an unused link reference definition (pulldown-cmark drops it)"),
    ("1. [Serpico (1973)](https://x.org/wiki/Dog_Day__Afternoon) – a\n2. [Heat](x) b", True,
     "inline links read as their source text ('_' between letters or digits is inert)"),
    ("**[Heat](http://x)** and [a [b] c](<d> \"t\")", True, "a link in bold; brackets, a pointy destination, a title"),
    ("_x [a](b_c) y_", True, "emphasis around a link: its inert '_' pairs with neither"),
    ("[**Heat**](http://x)", False, "near miss: markup inside a link (markdown-it reads the link as text, the '**' not)"),
    # Each near miss below reads differently (to markdown-it, in the link's source) if read as its source text.
    ("_x [a](b_)", False, "near miss: a '_' at the end of a run in a link closes emphasis for markdown-it"),
    ("*x [a](b*)", False, "near miss: a '*' in a link"),
    ("[a](b`c) `d", False, "near miss: a backtick in a link"),
    ("[a\\_b](c)", False, "near miss: an escape in a link"),
    ("[a  \nb](c)", False, "near miss: a link across lines (here a hard break)"),
    ("[a ![b](c)](d)", False, "not a near miss: an image in a link (deferred to be safe, though read alike)"),
    ("See [Heat][]\n\n[Heat]: http://x", False, "near miss: a reference link"),
    ("<http://x>", False, "near miss: an autolink"),
    ("![poster](x.png)", False, "near miss: an image"),
    ("> **Heat** is great", False, "near miss: a block quote (markdown-it reads '>' as text)"),
    ("I <b>loved</b> it", False, "near miss: inline HTML"),
    ("- **Heat**\tsmart", False, "near miss: a tab (tab stops differ)"),
    ("\x0c", False, "near miss: a form feed alone (a blank line to pulldown-cmark, a paragraph to markdown-it)"),
    ("- \x0b", False, "near miss: a vertical tab in a list item (the same)"),
    ("**Heat**\u2029more", False, "near miss: a paragraph separator beside '**' (Unicode tables differ)"),
    ("Great pick!\u00a0\n" + WHY, False, "near miss: no-break space at a paragraph's end (trimmed by markdown-it only)"),
    ("Heat\\  \nThief", False, "near miss: backslash before trailing spaces at a line break"),
    ("1. Heat\n    continued", False, "near miss: a list line continued by a line indented like code"),
    ("```\ncode\n      ", False, "near miss: an unclosed fence ending in a blank line"),
    ("` a` b", False, "near miss: a block starting with white space (in a code span)"),
    ("a `b `", False, "near miss: a block ending with white space (in a code span)"),
    ("a\n` b`", True, "white space at the start of a block's later line is read alike"),
]


@pytest.mark.parametrize("markdown,fast,comment", ROUTING, ids=[c[2] for c in ROUTING])
def test_routing_and_agreement(markdown, fast, comment):
    assert (_lines_from_events(_normalise_source(markdown)) is not None) is fast
    assert parse(markdown) == parse_reference(markdown)


# Inputs read by the fast path whose reading is easy to get subtly wrong.
AGREE = [
    ("**Whisper of the Heart (1995)**\n\nWhy it fits\n• a\n• b", "'•' bullets after a bold-only paragraph"),
    ("**•** not a bullet", "a bold glyph: markdown-it's empty text before '**' keeps it from being a bullet"),
    ("• **Heat** (1995)", "'•' before bold is a bullet"),
    ("- - a\n\n  b", "an item holding only a list: its later paragraph still starts the item"),
    ("- a\n- b\n\n  c", "loose list: the second paragraph continues the item"),
    ("***x*** and **a *b* c**", "nested strong and emphasis"),
    ("**a\nb**", "bold across a soft break"),
    ("a  \nb\\\nc", "hard breaks: two spaces and a backslash"),
    ("#\n\n##   \n", "empty headings are empty lines"),
    ("Heat\n====\n\nThief\n---", "setext headings"),
    ("```\n```\n\n    code\n\n    more\n", "empty fence and an indented code block"),
    ("1. **x**\n   ```\n   y\n   ```\n   after", "fenced code inside a list item"),
    ("`a` `` b ` ``", "code spans"),
    ("\\*\\*Heat\\*\\*", "escaped asterisks are text"),
    ("x\r\ny\rz\0", "CR line ends and NUL are normalised like markdown-it"),
    ("_a_b_ and snake_case_word", "intraword underscores"),
    ("**a **b** c**", "nested strong: the bold runs on in one segment"),
    ("_`a`_*`b`*", "adjacent code spans in one style join"),
]


@pytest.mark.parametrize("markdown,comment", AGREE, ids=[c[1] for c in AGREE])
def test_fast_reading_equals_reference(markdown, comment):
    assert _lines_from_events(_normalise_source(markdown)) is not None, "expected the fast path"
    assert parse(markdown) == parse_reference(markdown)


PIECES = st.sampled_from([
    "**", "*", "_", "__", "\\*", "#", "## ", "- ", "* ", "+ ", "• ", "1. ", "2) ", "10. ", "> ", "```", "`", "\n",
    "\n\n", "  \n", "   ", "    ", "  - ", "Why it fits:", "**Why it fits:**", "Heat", "(1999)", "[", "](", "<!-- c -->",
    "&amp;", "!", "’s", "—", "é", "\u00a0", "---", "===", "\\",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(PIECES, st.text(max_size=4)), max_size=50).map("".join))
def test_any_markdownish_text_reads_alike(markdown):
    assert parse(markdown) == parse_reference(markdown)



_LINK_BITS = st.text(alphabet="ab1_*` \\\n()é<>!", max_size=5)


@settings(max_examples=500, deadline=None)
@given(st.tuples(_LINK_BITS, _LINK_BITS, _LINK_BITS, _LINK_BITS).map(lambda p: f"{p[0]}[{p[1]}]({p[2]}){p[3]}"))
def test_links_read_alike(markdown):
    """A link (its text, destination and what is around it drawn from the characters that
    matter) is read by the fast path as its source text: that must be markdown-it's reading."""
    assert parse(markdown) == parse_reference(markdown)
