"""Turn a file's bytes into normalised text: decode, unify line breaks, NFC."""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from combcoder.errors import InputError

MAX_FILE_BYTES = 50 * 1024 * 1024
# A legacy-encoded file is accepted only when charset-normalizer finds it reads cleanly as
# one of these Western single-byte encodings; it is then decoded as cp1252.
WESTERN_ENCODINGS = frozenset({"cp1252", "latin_1", "iso8859_15"})
MAX_CHAOS = 0.1
# More than this share of C0 control characters (other than tab, newlines, form feeds)
# means the file is not text.
MAX_CONTROL_SHARE = 0.01

_BOMS = (  # UTF-32 first: its little-endian BOM begins with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SAVE_AS_UTF8 = "save the file as UTF-8"


@dataclass(frozen=True)
class Decoded:
    """A file's normalised text and the encoding it was read with."""

    text: str
    encoding: str


def check_size(path: Path) -> None:
    """Raise InputError if the file is missing or larger than MAX_FILE_BYTES."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise InputError(
            path,
            f"file is {size / 2**20:.1f} MB, larger than the {MAX_FILE_BYTES / 2**20:.0f} MB limit",
            hint="split the transcript into smaller files",
        )


def read_text(path: Path) -> Decoded:
    """Read, decode and normalise a text file; raise InputError if it is not usable text."""
    check_size(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror or exc}") from None
    text, encoding = decode_bytes(data, path)
    text = normalise(text)
    if not text.strip():
        raise InputError(path, "empty file", hint="the file has no text, only whitespace")
    return Decoded(text, encoding)


def decode_bytes(data: bytes, path: Path) -> tuple[str, str]:
    """Return the decoded text and encoding name; raise InputError for binary or unknown bytes."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(
                    path, f"invalid {encoding.upper()} text at byte {exc.start}", hint=_SAVE_AS_UTF8
                ) from None
            _reject_binary(text, path)
            return text.removeprefix("\ufeff"), encoding
    if b"\x00" in data:
        raise InputError(path, "binary file, not text (it contains NUL bytes)", hint=_SAVE_AS_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode_western(data, path)
        _reject_binary(text, path)
        return text, "cp1252"
    _reject_binary(text, path)
    return text, "utf-8"


def normalise(text: str) -> str:
    """Return text with CRLF and CR turned into LF, in Unicode NFC."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def _decode_western(data: bytes, path: Path) -> str:
    matches = list(from_bytes(data))
    if matches:
        best_chaos = min(m.chaos for m in matches)
        for match in matches:
            if match.chaos <= min(MAX_CHAOS, best_chaos + 0.05) and WESTERN_ENCODINGS.intersection(
                match.could_be_from_charset
            ):
                try:
                    return data.decode("cp1252")
                except UnicodeDecodeError:  # bytes cp1252 leaves undefined
                    return data.decode("latin-1")
    raise InputError(
        path,
        "not UTF-8 text, and not recognisably Windows-1252/Latin-1 either",
        hint=_SAVE_AS_UTF8,
    )


def _reject_binary(text: str, path: Path) -> None:
    controls = len(_CONTROL.findall(text))
    if controls > max(1, MAX_CONTROL_SHARE * len(text)):
        raise InputError(path, "binary file, not text (it has many control characters)")
