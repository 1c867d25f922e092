"""Typed results and the base class every check derives from.

A check is one small class with a stable ``id`` and a docstring that states its
rule. ``run(prompt, response, spec, meta)`` is a pure function returning a
``CheckResult``: passed, failed, or ``unscored`` (the check had nothing it could
judge). Unscored is its own state: never counted as a pass or a fail.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .spec import StyleSpec


class Status(str, enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    UNSCORED = "unscored"


# ``passed`` and ``status.value`` of each status, looked up (an Enum's .value is a Python-level property)
_PASSED = {Status.PASSED: True, Status.FAILED: False, Status.UNSCORED: None}
_VALUE = {s: s.value for s in Status}
# The members as module names: ``Status.PASSED`` goes through the enum's metaclass (~10x a global's cost).
_S_PASSED, _S_FAILED, _S_UNSCORED = Status.PASSED, Status.FAILED, Status.UNSCORED


@dataclass(frozen=True, init=False)
class CheckResult:
    check_id: str
    status: Status
    score: float | None  # in [0, 1]; None when unscored
    evidence: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def __init__(self, check_id: str, status: Status, score: float | None, evidence: list[str] | None = None,
                 details: dict[str, Any] | None = None) -> None:
        # A frozen dataclass's own __init__ sets each field through object.__setattr__; one
        # answer makes nine results, so the fields are set at once (half the cost).
        object.__setattr__(self, "__dict__", {
            "check_id": check_id, "status": status, "score": score,
            "evidence": [] if evidence is None else evidence, "details": {} if details is None else details})

    @property
    def passed(self) -> bool | None:
        """True, False, or None for unscored."""
        return _PASSED[self.status]

    def to_dict(self) -> dict:
        out = {"passed": _PASSED[self.status], "status": _VALUE[self.status], "score": self.score,
               "evidence": self.evidence}
        if self.details:
            out["details"] = self.details
        return out

    @classmethod
    def from_dict(cls, check_id: str, data: dict) -> "CheckResult":
        return cls(check_id, Status(data["status"]), data.get("score"), list(data.get("evidence", [])),
                   dict(data.get("details", {})))


class Check:
    """Base class. Subclasses set ``id``, ``title`` and implement ``run``."""

    id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    kind: ClassVar[str] = "criterion"  # criterion | supporting

    def run(self, prompt: str, response: str, spec: StyleSpec, meta: dict | None = None) -> CheckResult:
        raise NotImplementedError

    # helpers for subclasses ------------------------------------------------------------
    def passed(self, score: float, evidence: list[str], **details) -> CheckResult:
        return CheckResult(self.id, _S_PASSED, round(float(score), 4), evidence, details)

    def failed(self, score: float, evidence: list[str], **details) -> CheckResult:
        return CheckResult(self.id, _S_FAILED, round(float(score), 4), evidence, details)

    def unscored(self, evidence: list[str], **details) -> CheckResult:
        return CheckResult(self.id, _S_UNSCORED, None, evidence, details)

    def verdict(self, ok: bool, score: float, evidence: list[str], **details) -> CheckResult:
        return CheckResult(self.id, _S_PASSED if ok else _S_FAILED, round(float(score), 4), evidence, details)

    @classmethod
    def doc(cls) -> str:
        return (cls.__doc__ or "").strip()
