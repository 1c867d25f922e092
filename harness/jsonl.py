"""JSONL reading with errors that name file, line and field; atomic writing."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from checks.errors import InputError


def read_jsonl(path: str | Path, required: dict[str, type] | None = None,
               optional: dict[str, type] | None = None) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) for each non-blank line, validating field types.

    Raises InputError naming the file, the line and the field for: bytes that are not
    UTF-8, a line that is not a JSON object, a missing required field, or a field of
    the wrong type.
    """
    path = Path(path)
    required = required or {}
    optional = optional or {}
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise InputError(path, None, None, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, None, None, "is a directory, expected a .jsonl file") from None
    with fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(path, lineno, None, f"not valid UTF-8 (byte {exc.start})",
                                 "re-encode the file as UTF-8, e.g. with iconv") from None
            if lineno == 1 and line.startswith("\ufeff"):
                line = line[1:]
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(path, lineno, None, f"not valid JSON: {exc.msg} at column {exc.colno}") from None
            if not isinstance(obj, dict):
                raise InputError(path, lineno, None, f"expected a JSON object, got {type(obj).__name__}")
            for name, typ in required.items():
                if name not in obj:
                    raise InputError(path, lineno, name, "missing",
                                     f"each line needs {', '.join(repr(r) for r in required)}")
                if not isinstance(obj[name], typ):
                    raise InputError(path, lineno, name, f"must be a {_tname(typ)}, got {type(obj[name]).__name__}")
            for name, typ in optional.items():
                if name in obj and obj[name] is not None and not isinstance(obj[name], typ):
                    raise InputError(path, lineno, name, f"must be a {_tname(typ)}, got {type(obj[name]).__name__}")
            yield lineno, obj


def _tname(typ) -> str:
    if isinstance(typ, tuple):
        return " or ".join(t.__name__ for t in typ)
    return {"str": "string", "list": "list", "dict": "object"}.get(typ.__name__, typ.__name__)


def write_jsonl_atomic(path: str | Path, rows: Iterable[dict]) -> int:
    """Write all rows to a temporary file beside ``path`` and rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    n = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return n


def write_json_atomic(path: str | Path, obj) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(obj, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def read_summary(run: str | Path) -> dict:
    """A finished run folder's summary.json, or an error that says which folder to pass."""
    p = Path(run) / "summary.json"
    if not p.exists():
        raise InputError(run, None, None, "no summary.json here; pass a folder written by `moviestyle compare`")
    return json.loads(p.read_text(encoding="utf-8"))


def read_rows(path: str | Path) -> list[dict]:
    """One of a run folder's JSONL files (moviestyle wrote them: no per-field checks)."""
    p = Path(path)
    if not p.exists():
        raise InputError(p, None, None, "missing; the run folder is incomplete (rerun `moviestyle compare`)")
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
