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


def utf16_without_bom(head: bytes) -> str:
    """ "utf-16-le" or "utf-16-be" for text saved as UTF-16 without its byte-order mark (every
    other byte of Latin text is 0), else ""."""
    if len(head) < 8:
        return ""
    even, odd = head[0::2], head[1::2]
    for name, zeros, text in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) >= 0.9 * len(zeros) and text.count(0) <= 0.1 * len(text):
            return name
    return ""


def looks_utf8(head: bytes) -> bool:
    """Whether a file's first bytes are UTF-8 text (a text may begin "GIF89a" or "%PDF-1.7 est une
    norme"; a character cut at the end of `head` does not count against it)."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        return e.start >= len(head) - 3 and e.reason == "unexpected end of data"
    return True


def not_text(head: bytes) -> bool:
    """Whether a file whose first bytes are `head` is no text: a NUL byte, or the mark of a known
    binary format on bytes that are not UTF-8."""
    return b"\x00" in head or (binary_kind(head).startswith("is ") and not looks_utf8(head))


def binary_kind(head: bytes) -> str:
    """What a file that is not text is, and what to do with it, from its first bytes."""
    if head.startswith(b"\x1f\x8b"):
        return "is gzip-compressed; decompress it first (gunzip)"
    if head.startswith(b"PK\x03\x04"):
        if b"xl/" in head or b"[Content_Types].xml" in head:
            return "is an Excel workbook; save it as CSV (Save As… CSV UTF-8)"
        return "is a ZIP archive; extract the data file from it first"
    if head.startswith(b"%PDF"):
        return "is a PDF; copy its text into a text file first"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "is an image, not text"
    line = head[: head.index(b"\x00")].count(b"\n") + 1 if b"\x00" in head else 0
    at = f" (a NUL byte on line {line})" if line else ""
    return f"looks like a binary file, not text{at}"


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
    if not_text(raw[:8192]):
        encoding = utf16_without_bom(raw[:8192])
        if encoding:  # UTF-16 saved without its byte-order mark
            try:
                return raw.decode(encoding).replace("\r\n", "\n").replace("\r", "\n"), []
            except UnicodeDecodeError:
                pass
        kind = binary_kind(raw[:8192])
        fix = "" if kind.startswith("is ") else "; export the data as CSV, TSV or JSON Lines"
        raise DataError(kind + fix, path)
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
