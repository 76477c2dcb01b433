"""Read a zip archive from outside in memory, within limits, without trusting its headers.

Nothing is extracted to disk. The archive is refused when it is too large, has too many
entries, an entry name that could escape a folder (``../``, absolute, drive letters,
backslashes, NUL), duplicate or encrypted entries, or an entry that declares or actually
expands past the size and compression-ratio limits: entries are read in chunks and reading
stops at the limit, so a header that lies about the size cannot exhaust memory.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError


@dataclass(frozen=True)
class ZipLimits:
    """Limits for one archive."""

    max_archive_bytes: int = 256 * 1024 * 1024
    max_entries: int = 10_000
    max_entry_bytes: int = 64 * 1024 * 1024  # one entry, uncompressed
    max_total_bytes: int = 256 * 1024 * 1024  # all entries read, uncompressed
    max_ratio: float = 100.0  # uncompressed / compressed, checked past ratio_floor_bytes
    ratio_floor_bytes: int = 1024 * 1024


DEFAULT_LIMITS = ZipLimits()
_CHUNK = 64 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


class SafeZip:
    """An archive read into memory and checked; ``read(name)`` returns an entry's bytes."""

    def __init__(self, path: str | Path, limits: ZipLimits = DEFAULT_LIMITS, data: bytes | None = None):
        self.path = Path(path)
        self.limits = limits
        self._read_total = 0
        if data is None:
            try:
                size = self.path.stat().st_size
            except OSError as exc:
                raise InputError(self.path, f"cannot read file: {exc.strerror or exc}") from None
            if size > limits.max_archive_bytes:
                raise InputError(self.path, f"file is {size / 1e6:.0f} MB, over the "
                                 f"{limits.max_archive_bytes / 1e6:.0f} MB limit for an archive")
            data = self.path.read_bytes()
        elif len(data) > limits.max_archive_bytes:
            raise InputError(self.path, "archive over the size limit")
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
            entries = self.archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OSError,
                EOFError) as exc:
            raise InputError(self.path, f"not a valid zip archive: {exc}",
                             hint="a .qdpx is a zip file exported by a QDA program") from None
        if len(entries) > limits.max_entries:
            raise InputError(self.path, f"archive has {len(entries)} entries, over the limit of "
                             f"{limits.max_entries}")
        self.entries: dict[str, zipfile.ZipInfo] = {}
        for entry in entries:
            self._check_entry(entry)
            if entry.filename in self.entries:
                raise InputError(self.path, f"entry {entry.filename!r} appears twice; refusing an "
                                 "ambiguous archive")
            self.entries[entry.filename] = entry
        declared = sum(e.file_size for e in entries)
        if declared > limits.max_total_bytes:
            raise InputError(self.path, f"archive unpacks to {declared / 1e6:.0f} MB, over the "
                             f"{limits.max_total_bytes / 1e6:.0f} MB limit")

    def _check_entry(self, entry: zipfile.ZipInfo) -> None:
        name = entry.filename
        if not is_safe_name(name):
            raise InputError(self.path, f"entry name {name[:200]!r} could escape the archive's folder; "
                             "refusing the archive", hint="re-export the project from the QDA program")
        if entry.flag_bits & 0x1:
            raise InputError(self.path, f"entry {name!r} is encrypted", hint="export without a password")
        if entry.file_size > self.limits.max_entry_bytes:
            raise InputError(self.path, f"entry {name!r} unpacks to {entry.file_size / 1e6:.0f} MB, over "
                             f"the {self.limits.max_entry_bytes / 1e6:.0f} MB limit")
        self._check_ratio(name, entry.file_size, entry.compress_size)

    def _check_ratio(self, name: str, size: int, compressed: int) -> None:
        if size > self.limits.ratio_floor_bytes and size / max(compressed, 1) > self.limits.max_ratio:
            raise InputError(self.path, f"entry {name!r} expands {size / max(compressed, 1):.0f}-fold; "
                             "refusing a zip bomb")

    def names(self) -> list[str]:
        return list(self.entries)

    def find(self, name: str) -> str | None:
        """Return the entry name matching ``name`` exactly or, failing that, ignoring case."""
        if name in self.entries:
            return name
        folded = name.casefold()
        matches = [n for n in self.entries if n.casefold() == folded]
        return matches[0] if len(matches) == 1 else None

    def read(self, name: str) -> bytes:
        """Return an entry's bytes; stop and raise InputError at the size or ratio limit."""
        entry = self.entries.get(name)
        if entry is None:
            raise InputError(self.path, f"no entry {name!r} in the archive")
        limit = min(self.limits.max_entry_bytes, self.limits.max_total_bytes - self._read_total)
        chunks: list[bytes] = []
        size = 0
        try:
            with self.archive.open(entry) as stream:
                while True:
                    chunk = stream.read(_CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > limit:
                        raise InputError(self.path, f"entry {name!r} unpacks to more than "
                                         f"{limit / 1e6:.0f} MB; refusing it")
                    self._check_ratio(name, size, entry.compress_size)
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError, ValueError) as exc:
            raise InputError(self.path, f"entry {name!r} is damaged: {exc}") from None
        self._read_total += size
        return b"".join(chunks)


def is_safe_name(name: str) -> bool:
    """Return True if an entry name stays inside the folder it would be extracted to."""
    if not name or "\x00" in name or "\\" in name or name.startswith("/") or _DRIVE.match(name):
        return False
    return all(part not in ("..",) for part in name.split("/"))
