"""Memos keyed on text, registered so they can be emptied together.

Two kinds of cache live in ``checks``:

* caches keyed on the spec or on a fixed list (compiled regexes, phrase matchers, the
  catalogue): they live as long as the spec and are never cleared here;
* caches keyed on text (an answer, a prompt, a title, a line): ``@text_cache(maxsize)``
  registers them, and ``clear_text_caches()`` empties them all. The scoring benchmark
  clears them before each pass, so its figures are for answers (and prompts) the
  process has never seen; tests use it to start clean.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable, TypeVar

F = TypeVar("F", bound=Callable)

_TEXT_CACHES: list = []


def text_cache(maxsize: int) -> Callable[[F], F]:
    """``functools.lru_cache(maxsize)``, registered with ``clear_text_caches``."""

    def decorate(fn: F) -> F:
        cached = lru_cache(maxsize=maxsize)(fn)
        _TEXT_CACHES.append(cached)
        return cached  # type: ignore[return-value]

    return decorate


def clear_text_caches() -> None:
    """Empty every memo keyed on text (see the module docstring)."""
    for cached in _TEXT_CACHES:
        cached.cache_clear()


def text_cache_sizes() -> dict[str, int]:
    """Entries held by each registered memo, by qualified name."""
    return {f"{c.__module__}.{c.__qualname__}": c.cache_info().currsize for c in _TEXT_CACHES}
