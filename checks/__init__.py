"""Rule-based style checks: one class per check, one registry, typed results."""

from .base import Check, CheckResult, Status
from .registry import REGISTRY, get_check, register
from .runner import OVERALL, score_pair
from .spec import StyleSpec, load_spec

__all__ = ["Check", "CheckResult", "Status", "REGISTRY", "get_check", "register", "OVERALL", "score_pair",
           "StyleSpec", "load_spec"]
