"""The one list of checks. Add your own by subclassing ``Check`` and calling ``register``."""

from __future__ import annotations

from .base import Check
from .bold_titles import BoldTitles
from .enthusiasm import Enthusiasm
from .grounded import Grounded
from .known_titles import KnownTitles
from .no_repeat import NoRepeat
from .pick_count import PickCount
from .taste_reasoning import TasteReasoning
from .why_it_fits import WhyItFits

REGISTRY: dict[str, type[Check]] = {}


def register(cls: type[Check]) -> type[Check]:
    """Add a check class under its ``id`` (usable as a decorator)."""
    if not cls.id:
        raise ValueError(f"{cls.__name__} has no id")
    if cls.id in REGISTRY and REGISTRY[cls.id] is not cls:
        raise ValueError(f"check id {cls.id!r} is already registered by {REGISTRY[cls.id].__name__}")
    REGISTRY[cls.id] = cls
    return cls


for _cls in (BoldTitles, WhyItFits, Enthusiasm, TasteReasoning, KnownTitles, NoRepeat, PickCount, Grounded):
    register(_cls)


def get_check(check_id: str) -> Check:
    try:
        return REGISTRY[check_id]()
    except KeyError:
        raise KeyError(f"unknown check {check_id!r}; known: {', '.join(REGISTRY)}") from None
