"""A server-side cursor read one batch ahead, on a thread of its own.

Streaming an export from PostgreSQL alternates: the client asks for the next batch and
waits while the server makes it (for wide records, writing each one's ``jsonb`` out as
text), then writes the batch out while the server waits. :func:`read_ahead` fetches the
next batches while the caller works on the current one, so the server's time and the
client's overlap; at most ``depth`` batches wait, so memory stays bounded.

Only the reading thread touches the result (and so the connection) until the rows end,
the caller stops early or an error comes; then the thread is stopped and joined before
the result is closed, in the caller's thread. A database error is raised to the caller.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Sequence
from typing import Any, cast

from sqlalchemy import Result, Row

_DONE = object()
_WAIT_SECONDS = 0.1  # how often a reader blocked on a full queue looks for a stop


def read_ahead(result: Result[Any], batch: int, depth: int = 2) -> Generator[Row[Any], None, None]:
    """The rows of ``result``, fetched ``batch`` at a time by a reading thread that keeps
    up to ``depth`` batches ready. Closes ``result`` when done (or abandoned)."""
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    reader = threading.Thread(
        target=_read, args=(result, batch, ready, stop), name="export-read-ahead", daemon=True
    )
    reader.start()
    try:
        while (part := ready.get()) is not _DONE:
            if isinstance(part, BaseException):
                raise part
            yield from cast(Sequence[Row[Any]], part)  # a batch of rows
    finally:
        stop.set()
        reader.join()
        result.close()


def _read(
    result: Result[Any], batch: int, ready: queue.Queue[object], stop: threading.Event
) -> None:
    try:
        for part in result.partitions(batch):
            if not _hand_over(part, ready, stop):
                return
        _hand_over(_DONE, ready, stop)
    except BaseException as exc:  # raised in the caller's thread
        _hand_over(exc, ready, stop)


def _hand_over(
    item: Sequence[Row[Any]] | object, ready: queue.Queue[object], stop: threading.Event
) -> bool:
    """Put ``item`` in the queue unless the caller stopped; whether it was put."""
    while not stop.is_set():
        try:
            ready.put(item, timeout=_WAIT_SECONDS)
            return True
        except queue.Full:
            continue
    return False
