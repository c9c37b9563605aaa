"""Writing a ZIP member by member without holding it in memory, and a file that appears
whole or not at all.

:class:`PackArchive` streams each member into the archive (text, bytes, a file copied in
chunks, or anything written to a stream), choosing per member whether compressing is worth
it; :func:`write_whole_file` writes to a temporary file beside the target and renames it
at the end, so a failure never leaves a half-written pack where the pack should be.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, BinaryIO

CHUNK = 1024 * 1024  # bytes copied at a time
# Already compressed: deflating them again costs time and saves nothing.
_STORED_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "video/", "audio/",
                 "application/zip", "application/pdf", "application/vnd.openxmlformats",
                 "application/gzip", "application/x-7z")  # fmt: skip
_STORED_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".zip", ".pdf", ".docx",
                    ".xlsx", ".pptx", ".gz", ".7z", ".mp4", ".mp3")  # fmt: skip


def stored(name: str, content_type: str = "") -> bool:
    """Whether a member is better stored than deflated (it is compressed already)."""
    return content_type.startswith(_STORED_TYPES) or name.lower().endswith(_STORED_SUFFIXES)


class PackArchive:
    """A ZIP being written to ``out``; members are added one at a time, in full."""

    def __init__(self, out: IO[bytes], stamped: datetime) -> None:
        self.zip = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6)
        # ZIP times are local and have no zone: the pack's build time, the same for all.
        self.date_time = (max(stamped.year, 1980), *stamped.timetuple()[1:6])
        self.names: list[str] = []

    @contextmanager
    def member(self, name: str, content_type: str = "") -> Iterator[IO[bytes]]:
        """A stream to write the member ``name`` into (compressed unless :func:`stored`)."""
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = (
            zipfile.ZIP_STORED if stored(name, content_type) else zipfile.ZIP_DEFLATED
        )
        info.external_attr = 0o644 << 16
        with self.zip.open(info, "w", force_zip64=True) as stream:
            yield stream
        self.names.append(name)

    def write_bytes(self, name: str, content: bytes, content_type: str = "") -> None:
        with self.member(name, content_type) as stream:
            stream.write(content)

    def write_text(self, name: str, text: str, encoding: str = "utf-8") -> None:
        self.write_bytes(name, text.encode(encoding))

    def copy_file(self, name: str, source: Path, content_type: str = "") -> None:
        """Copy ``source`` into the member in chunks of :data:`CHUNK` bytes."""
        with source.open("rb") as handle, self.member(name, content_type) as stream:
            shutil.copyfileobj(handle, stream, CHUNK)

    def close(self) -> None:
        self.zip.close()


def write_whole_file(target: Path, write: Callable[[BinaryIO], None]) -> int:
    """Call ``write`` with a temporary file beside ``target``, then rename it to ``target``;
    on any failure remove the temporary file (``target`` is left as it was). Returns the
    size written."""
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".part", dir=target.parent
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it readable by its owner only
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target.stat().st_size
