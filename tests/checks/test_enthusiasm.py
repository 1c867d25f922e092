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
