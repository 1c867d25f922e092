import pytest

from checks import get_check

PROMPT = "I loved Inception. What should I watch?"

CASES = [
    ("**The Matrix** (1999)\nWhy it fits:\n- a\n- b\n\n**Memento** (2000)\n**Why it fits:**\n* c\n* d", True,
     "plain and bold labels, '-' and '*' bullets"),
    ("**The Matrix** (1999)\nWHY IT FITS\n+ a\n+ b", True, "upper case label, '+' bullets"),
    ("**The Matrix** (1999)\nWhy it fits:\n• a\n• b", True, "'•' bullets (not markdown, read by hand)"),
    ("1. **The Matrix** (1999)\n   - Why it fits:\n     - a\n     - b", True, "label as a bullet, nested bullets"),
    ("**The Matrix** (1999)\nWhy it fits:\n- only one", False, "near miss: a single bullet"),
    ("**The Matrix** (1999)\nWhy it fits: it is twisty and smart, with great action.", False,
     "near miss: a paragraph instead of bullets"),
    ("**The Matrix** (1999)\nWhy it fits:\n1. a\n2. b", False, "near miss: a numbered list"),
    ("**The Matrix** (1999)\nWhy it works:\n- a\n- b", False, "near miss: another label"),
    ("**The Matrix** (1999)\nWhy it fits:\n- a\n- b\n\n**Memento** (2000)\nSo good.", False,
     "near miss: the second pick lacks its section"),
    ("Nothing to recommend today.", False, "no picks"),
]


@pytest.mark.parametrize("response,expected,comment", CASES, ids=[c[2] for c in CASES])
def test_why_it_fits(spec, response, expected, comment):
    result = get_check("why_it_fits").run(PROMPT, response, spec)
    assert result.passed is expected, result.evidence
