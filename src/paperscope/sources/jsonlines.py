"""Reading JSON-lines files, plain or gzip-compressed, one record at a time.

Shared by the sources whose input is JSON lines (arXiv snapshot, daily listings,
conference corpus). A bad line becomes a :class:`Rejected` naming file, line and reason;
the lines around it are read as usual.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import orjson

from paperscope.models import Origin, Rejected

T = TypeVar("T")

__all__ = ["InvalidRecord", "SourceError", "id_and_title", "iter_json_objects", "json_object", "open_binary",
           "parse_json_lines", "read_lines"]


class InvalidRecord(ValueError):
    """A record that fails a source's validation; the message is the Rejected reason."""


class SourceError(Exception):
    """An input that cannot be read at all (missing, unreadable, not the expected format)."""


def open_binary(path: Path) -> BinaryIO:
    """Open a file for reading bytes, transparently gunzipping ``.gz`` (by magic, not name)."""
    try:
        f = open(path, "rb")  # noqa: SIM115 - returned to the caller
    except OSError as e:
        raise SourceError(f"{path}: cannot open: {e.strerror or e}") from e
    if f.peek(2)[:2] == b"\x1f\x8b":
        f.close()
        return gzip.open(path)  # type: ignore[return-value]
    return f


def iter_json_objects(
    path: Path, source: str
) -> Iterator[tuple[Origin, dict[str, Any]] | Rejected]:
    """Yield (origin, object) for every JSON-object line of the file, Rejected for the rest.

    Tolerated, not errors: a UTF-8 byte-order mark, CRLF line ends, blank lines.
    """
    name = str(path)
    for first, lines in read_lines(path, 1024):
        for lineno, line in enumerate(lines, start=first):
            item = json_object(line, Origin(name, f"line {lineno}"), source)
            if item is not None:
                yield item


def read_lines(path: Path, chunk: int) -> Iterator[tuple[int, list[bytes]]]:
    """The file's lines in chunks of ``chunk``: (number of the first line, lines), a UTF-8
    byte-order mark dropped; SourceError where the file cannot be read on (a truncated
    .gz: the lines before the damage were given)."""
    name = str(path)
    with open_binary(path) as f:
        lines: list[bytes] = []
        first = 1
        try:
            for lineno, line in enumerate(f, start=1):
                if lineno == 1 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                lines.append(line)
                if len(lines) >= chunk:
                    yield first, lines
                    lines, first = [], lineno + 1
        except (OSError, EOFError, gzip.BadGzipFile) as e:
            if lines:
                yield first, lines
            raise SourceError(f"{name}: read failed: {e}") from e
        if lines:
            yield first, lines


def json_object(line: bytes, origin: Origin, source: str) -> tuple[Origin, dict[str, Any]] | Rejected | None:
    """One line read: (origin, object), a Rejected saying why it is no JSON object, or None
    for a blank line."""
    # orjson skips the whitespace around a value, so only blank lines need a test here:
    # stripping every line would copy it.
    if line.isspace() or not line:
        return None
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        # Parsed again stripped: strip() also drops the odd form feed, which JSON does not
        # allow, and the error's position is then the same.
        line = line.strip()
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            reason = "undecodable bytes (not UTF-8)" if _bad_utf8(line) else f"not JSON: {e}"
            return Rejected(source, origin, reason, _excerpt(line))
    if type(obj) is not dict:
        return Rejected(source, origin, f"not a JSON object but {type(obj).__name__}", _excerpt(line.strip()))
    return origin, obj


def _excerpt(line: bytes) -> str:
    return line[:200].decode("utf-8", "replace")


def _bad_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def id_and_title(obj: dict[str, Any]) -> str:
    return repr({k: obj[k] for k in ("id", "title") if k in obj})[:200]


def parse_json_lines(
    path: Path,
    source: str,
    parse: Callable[[dict[str, Any], Origin], T],
    excerpt: Callable[[dict[str, Any]], str] = id_and_title,
) -> Iterator[T | Rejected]:
    """``parse`` every JSON-object line of the file; a line it rejects (InvalidRecord), or
    that is no JSON object at all, becomes a Rejected naming the line and the reason."""
    for item in iter_json_objects(path, source):
        if type(item) is Rejected:
            yield item
            continue
        origin, obj = item  # type: ignore[misc]
        try:
            yield parse(obj, origin)
        except InvalidRecord as e:
            yield Rejected(source, origin, str(e), excerpt(obj))
