"""Phrase lists from the style spec, matched in one pass over a text.

``PhraseMatcher(phrases).findall(text)`` returns exactly what the plain alternation

    (?<![\\w])(longest|...|shortest)(?:s|es|ed|d|ing)?(?![\\w])

returns with ``findall`` (the phrase as matched, an optional inflection allowed:
"gem" matches "gems", "thrill" matches "thrilled"), but faster:

* the alternation is written as a trie ("a(?:bsolutely|mazing)|..."), so the regex
  engine follows one branch per character instead of trying every phrase at every
  position. At one position all the phrases that can match lie on one path of the
  trie, and the trie tries the longer before the shorter, which is the order of the
  longest-first alternation: the same match, the same backtracking.

The checks that match lists in every answer (enthusiasm, taste_reasoning) first ask which
phrases can match at all: every word of a matched phrase is a whole word of the text.
"""

from __future__ import annotations

import re
from functools import lru_cache

INFLECTIONS = ("s", "es", "ed", "d", "ing")
_NOTHING = re.compile(r"(?!x)x")


def trie_alternation(phrases: list[str]) -> str:
    """A regex alternation of the phrases, written as a trie, longer branches first."""
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = {}  # a phrase ends here

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # a phrase ends here: try the longer ones first, then stop
            return body + "?" if len(branches) == 1 and len(branches[0]) == 1 else "(?:" + body + ")?"
        return body

    return build(trie)


class PhraseMatcher:
    """Case-sensitive, whole-word matching of a fixed phrase list (lower-case the text)."""

    def __init__(self, phrases: tuple[str, ...]):
        self.phrases = sorted({p.lower() for p in phrases if p}, key=len, reverse=True)
        if not self.phrases:
            self.rx = _NOTHING
            self.literals = ()  # no phrase: ``any`` finds nothing
            return
        self.rx = re.compile(r"(?<![\w])(" + trie_alternation(self.phrases) + r")(?:" + "|".join(INFLECTIONS)
                             + r")?(?![\w])")
        # A match holds its phrase, so the text contains one of these (the phrases, less those
        # containing another): ``any`` tests them one by one first when they are few.
        literals = [p for p in self.phrases if not any(q != p and q in p for q in self.phrases)]
        self.literals = tuple(literals) if len(literals) <= 16 else None

    def findall(self, text: str) -> list[str]:
        """Every phrase matched in ``text``, in order."""
        return self.rx.findall(text)

    def any(self, text: str) -> bool:
        """Whether ``findall(text)`` finds anything."""
        if self.literals is not None:
            for p in self.literals:
                if p in text:
                    break
            else:
                return False
        return self.rx.search(text) is not None


@lru_cache(maxsize=64)
def phrase_matcher(phrases: tuple[str, ...]) -> PhraseMatcher:
    return PhraseMatcher(phrases)
