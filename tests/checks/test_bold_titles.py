import pytest

from checks import get_check

PROMPT = "I loved Inception and Memento. Any recommendations?"
WHY = "\nWhy it fits:\n- twisty\n- smart\n"

CASES = [
    # (response, expected, comment)
    ("You have to watch **The Matrix** (1999)!" + WHY + "\n**Fight Club** (1999)" + WHY, True, "bold with year after"),
    ("**The Matrix (1999)**" + WHY + "\n**Fight Club (1999)**" + WHY, True, "year inside the bold"),
    ("## 1. **Se7en** (1995)" + WHY, True, "bold inside a numbered heading"),
    ("*The Matrix* (1999)" + WHY, False, "near miss: italics, not bold"),
    ('"The Matrix" (1999)' + WHY, False, "near miss: quotes, not bold"),
    ("1. The Matrix (1999) - mind-bending\n2. Fight Club (1999) - twisty", False, "near miss: plain numbered list"),
    ("**The Matrix** (1999)" + WHY + "\nFight Club (1999)" + WHY, False, "near miss: one of two picks plain"),
    (r"\*\*The Matrix\*\* (1999)" + WHY, False, "near miss: escaped asterisks are not bold"),
    ("**Great picks!**\n\nThe Matrix (1999) is a must.\n\n**Why it fits:**\n- a\n- b", False,
     "near miss: bold only on labels"),
    ("**You should really watch something with a twist tonight, trust me on this one!**", False,
     "near miss: a whole bold sentence, no title"),
    ("Since you loved **Inception**, rewatch **Memento**!", False, "liked titles are not recommendations"),
    ("", False, "empty response"),
    ("I can't help with that.", False, "no recommendations"),
]


@pytest.mark.parametrize("response,expected,comment", CASES, ids=[c[2] for c in CASES])
def test_bold_titles(spec, response, expected, comment):
    result = get_check("bold_titles").run(PROMPT, response, spec)
    assert result.passed is expected, result.evidence
    assert 0.0 <= result.score <= 1.0


def test_evidence_names_the_unbolded_title(spec):
    result = get_check("bold_titles").run(PROMPT, "**The Matrix** (1999)" + WHY + "\nFight Club (1999)" + WHY, spec)
    assert any("Fight Club" in e and "not bold" in e for e in result.evidence)
    assert result.score == 0.5
