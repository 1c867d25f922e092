"""Phrase lists from the style spec, matched in one pass over a text.

``PhraseMatcher(phrases).findall(text)`` returns exactly what the plain alternation

    (?<![\\w])(longest|...|shortest)(?:s|es|ed|d|ing)?(?![\\w])

returns with ``findall`` (the phrase as matched, an optional inflection allowed:
"gem" matches "gems", "thrill" matches "thrilled"), but faster:

* the alternation is written as a trie ("a(?:bsolutely|mazing)|..."), so the regex
  engine follows one branch per character instead of trying every phrase at every
  position. At one position all the phrases that can match lie on one path of the
  trie, and the trie tries the longer before the shorter, which is the order of the
  longest-first alternation: the same match, the same backtracking;
* a text whose words cannot start any phrase is not scanned at all: a match starts a
  word, so the word (or, for a one-word phrase, the word with its inflection) must be
  among the text's words.
"""

from __future__ import annotations

import re
from functools import lru_cache

INFLECTIONS = ("s", "es", "ed", "d", "ing")
_WORD_RUN = re.compile(r"\w+")
_NOTHING = re.compile(r"(?!x)x")


def words_of(text: str) -> frozenset[str]:
    """The text's maximal runs of word characters (what a phrase match must start with)."""
    return frozenset(_WORD_RUN.findall(text))


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
            self.triggers: frozenset[str] | None = frozenset()
            return
        self.rx = re.compile(r"(?<![\w])(" + trie_alternation(self.phrases) + r")(?:s|es|ed|d|ing)?(?![\w])")
        self.triggers = self._triggers()

    def _triggers(self) -> frozenset[str] | None:
        """The words a match can start with; None when a phrase does not start with a word."""
        out = set()
        for phrase in self.phrases:
            m = _WORD_RUN.match(phrase)
            if m is None:
                return None
            if m.end() < len(phrase):  # more follows: the first word stands alone in the text
                out.add(m.group())
            else:  # a one-word phrase: the text's word is the phrase and its inflection
                out.update([phrase] + [phrase + s for s in INFLECTIONS])
        return frozenset(out)

    def findall(self, text: str, words: frozenset[str] | None = None) -> list[str]:
        """Every phrase matched in ``text``, in order (``words``: ``words_of(text)``, if known)."""
        if self.triggers is not None and words is not None and self.triggers.isdisjoint(words):
            return []
        return self.rx.findall(text)


@lru_cache(maxsize=64)
def phrase_matcher(phrases: tuple[str, ...]) -> PhraseMatcher:
    return PhraseMatcher(phrases)
