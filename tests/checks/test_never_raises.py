"""No check may raise on any string: arbitrary text and markdown-like text."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks import OVERALL, Status, score_pair

MD_PIECES = st.sampled_from([
    "**", "*", "_", "__", "\\*", "#", "## ", "- ", "* ", "+ ", "• ", "1. ", "2) ", "> ", "```", "`", "\n", "\n\n",
    "Why it fits:", "**Why it fits:**", "The Matrix", "Heat", "(1999)", "(", ")", "[", "](", "<script>", "!", "?",
    "you", "Since you loved Inception", "directed by ", "Christopher Nolan", "animated", " ", "\t", "💥", "ẞ", "\u200b",
])
markdownish = st.lists(st.one_of(MD_PIECES, st.text(max_size=8)), max_size=60).map("".join)


def _assert_valid(results):
    assert OVERALL in results
    for r in results.values():
        assert r.status in (Status.PASSED, Status.FAILED, Status.UNSCORED)
        if r.status is Status.UNSCORED:
            assert r.score is None
        else:
            assert 0.0 <= r.score <= 1.0
        assert all(isinstance(e, str) for e in r.evidence)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prompt=st.text(max_size=200), response=st.text(max_size=400))
def test_arbitrary_text(spec, prompt, response):
    _assert_valid(score_pair(prompt, response, spec))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prompt=markdownish, response=markdownish)
def test_markdown_like_text(spec, prompt, response):
    _assert_valid(score_pair(prompt, response, spec))
