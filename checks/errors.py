"""Exceptions that say how to fix the problem. The CLI maps them to exit code 2."""

from __future__ import annotations


class MovieStyleError(Exception):
    """Base class: a user-facing error whose message says what to do."""

    exit_code = 2


class SpecError(MovieStyleError):
    """The style spec (golden/style.toml or --spec) is missing or malformed."""


class CatalogueError(MovieStyleError):
    """The catalogue file is missing or malformed."""


class InputError(MovieStyleError):
    """A bad input line: names the file, the line and the field."""

    def __init__(self, path, line: int | None, field: str | None, problem: str, fix: str = ""):
        self.path, self.line, self.field, self.problem = str(path), line, field, problem
        where = self.path + (f":{line}" if line is not None else "")
        what = f" field {field!r}:" if field else ""
        msg = f"{where}:{what} {problem}"
        if fix:
            msg += f" ({fix})"
        super().__init__(msg)
