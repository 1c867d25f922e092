"""Memos keyed on text, registered so they can be emptied together.

Two kinds of cache live in ``checks``:

* caches keyed on the spec or on a fixed list (compiled regexes, phrase matchers, the
  catalogue): they live as long as the spec and are never cleared here;
* caches keyed on text: ``@text_cache(maxsize, scope)`` registers them and
  ``clear_text_caches(scope)`` empties them. ``scope="answer"``: keyed on an answer or
  a piece of one (its parse, its analysis, one of its lines); ``scope="vocabulary"``:
  keyed on what recurs from answer to answer (a prompt, a title, a word).

The scoring benchmark empties the ``answer`` memos before each pass over its set, so
its figures are for answers the process has never seen, scored against prompts it
has (as a run's answers to the golden prompts are), and it also reports the figure with
every memo emptied. Tests use ``clear_text_caches()`` to start clean.
"""

from __future__ import annotations

import copy
import functools
from functools import lru_cache
from typing import Callable, TypeVar

F = TypeVar("F", bound=Callable)
T = TypeVar("T")
R = TypeVar("R")

SCOPES = ("answer", "vocabulary")
_TEXT_CACHES: list[tuple[str, Callable]] = []


def text_cache(maxsize: int, scope: str) -> Callable[[F], F]:
    """``functools.lru_cache(maxsize)``, registered with ``clear_text_caches`` under
    ``scope`` ("answer" or "vocabulary", see the module docstring)."""
    if scope not in SCOPES:
        raise ValueError(f"text_cache scope must be one of {SCOPES}, not {scope!r}")

    def decorate(fn: F) -> F:
        cached = lru_cache(maxsize=maxsize)(fn)
        _TEXT_CACHES.append((scope, cached))
        return cached  # type: ignore[return-value]

    return decorate


def register_text_memo(scope: str, memo) -> None:
    """Register a memo of another shape (it must have ``cache_clear()`` and
    ``cache_info().currsize``, as an ``lru_cache`` has) so ``clear_text_caches`` empties it."""
    if scope not in SCOPES:
        raise ValueError(f"text memo scope must be one of {SCOPES}, not {scope!r}")
    _TEXT_CACHES.append((scope, memo))


def clear_text_caches(scope: str | None = None) -> None:
    """Empty the memos of one scope, or every memo keyed on text (``scope=None``)."""
    if scope is not None and scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES} or None, not {scope!r}")
    for s, cached in _TEXT_CACHES:
        if scope is None or s == scope:
            cached.cache_clear()


def text_cache_sizes() -> dict[str, tuple[str, int]]:
    """(scope, entries held) of each registered memo, by qualified name."""
    return {f"{c.__module__}.{c.__qualname__}": (s, c.cache_info().currsize) for s, c in _TEXT_CACHES}


def built_per_spec(snapshot: Callable[[T], list]) -> Callable[[Callable[[T], R]], Callable[[T], R]]:
    """Memoise ``build(section)`` on a spec section (frozen, hashed by identity).

    ``snapshot(section)`` lists the mutable lists the build reads: a spec is frozen but its
    lists can be changed in place, and then the build is made afresh (and kept, in place of
    the old one). An unhashable stand-in is built on every call."""

    def decorate(build: Callable[[T], R]) -> Callable[[T], R]:
        @lru_cache(maxsize=32)
        def cached(section: T) -> tuple[list, R]:
            return copy.deepcopy(snapshot(section)), build(section)

        @functools.wraps(build)
        def get(section: T) -> R:
            try:
                built_from, built = cached(section)
            except TypeError:  # unhashable
                return build(section)
            if snapshot(section) == built_from:
                return built
            cached.cache_clear()  # (every spec's: rare, and they are built again on demand)
            return cached(section)[1]

        return get

    return decorate
