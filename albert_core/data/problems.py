"""Problems found in a data file, each one naming the file and the line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    file: str
    line: int  # 1-based; 0 when the problem concerns the whole file
    message: str  # what is wrong, and what was expected
    severity: str = "error"  # error: the row is left out | warning: the row is kept

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}" if where else self.message  # a setting, not a file, is wrong


class DataError(ValueError):
    """Data that cannot be used at all. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | str, file: str | Path = ""):
        if isinstance(problems, str):
            problems = [Problem(str(file), 0, problems)]
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:20])
        more = f"\n… and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(shown + more)


def parse_json(text: str):
    """json.loads, with a document nested too deeply for the parser reported as a JSON error
    (a RecursionError otherwise) so readers name the file and line like any other bad JSON."""
    import json

    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None


LEGACY_ENCODINGS = (("cp1252", "Windows-1252"), ("latin-1", "Latin-1"))  # Latin-1 reads any bytes


def legacy_decode(raw: bytes) -> tuple[str, str]:
    """Bytes that are not UTF-8 read the way older Western European software wrote them: Windows-1252
    (Excel's "CSV" on Windows), else Latin-1. Returns the text and the encoding's name."""
    for codec, name in LEGACY_ENCODINGS:
        try:
            return raw.decode(codec), name
        except UnicodeDecodeError:
            continue
    raise AssertionError("Latin-1 decodes any bytes")


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # the byte-order marks that begin UTF-16 text


def read_text(path: str | Path) -> tuple[str, list[Problem]]:
    """A data file's text (BOM removed, newlines normalised) and notes about how it was read.
    Text that is not UTF-8 is read as Windows-1252 or Latin-1, with a warning that names the first
    line that is not UTF-8; UTF-16 with its byte-order mark is read as such. Raises DataError
    for a missing or binary file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError("no such file; check the path", path) from None
    except IsADirectoryError:
        raise DataError("is a folder, not a file; choose a data file inside it", path) from None
    except PermissionError:
        raise DataError("cannot be read (permission denied)", path) from None
    if raw[:2] in UTF16_BOMS:  # Excel's "Unicode Text", Notepad's "Unicode"
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise DataError(
                "is UTF-16 text that does not decode; save it as UTF-8 (in Excel: CSV UTF-8)", path
            ) from None
        return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"), []
    if b"\x00" in raw[:8192]:
        raise DataError("looks like a binary file, not text; export the data as CSV, TSV or JSON Lines", path)
    notes = []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        text, name = legacy_decode(raw)
        line = raw[: e.start].count(b"\n") + 1
        notes.append(
            Problem(
                str(path),
                line,
                f"is not UTF-8 (byte 0x{raw[e.start]:02x}), so the file was read as {name}; if letters look "
                "wrong, save the file as UTF-8",
                severity="warning",
            )
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n"), notes
