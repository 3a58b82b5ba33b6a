# SPDX-License-Identifier: GPL-2.0-or-later
"""GeoTIFF outputs whose every failure is seen: opening, each block written, the close, and a read-back.

GDAL does not always raise when a write fails: a block can sit in its cache and fail only when flushed at
close, which rasterio reports as a log message, not an exception. On a full disk that left a 0-byte or
4,096-byte class map under the final name while the command printed success. So each write and the close are
checked here, GDAL's own messages are collected to say why, and :func:`verify_geotiff` reopens the finished
file and reads every block back before :func:`core.app.outputs.atomic_output` may rename it.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator, List

import numpy as np
import rasterio
from rasterio.windows import Window

from .filecheck import write_failed

try:  # where rasterio keeps GDAL's error classes; they are not OSErrors
    from rasterio._err import CPLE_BaseError
except ImportError:  # pragma: no cover - other rasterio layouts
    CPLE_BaseError = RuntimeError

_WRITE_ERRORS = (OSError, CPLE_BaseError, rasterio.errors.RasterioError)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def gdal_messages() -> Iterator[List[str]]:
    """Collect the errors GDAL signals meanwhile (rasterio logs them to 'rasterio._err'), to explain a failure."""
    logger = logging.getLogger("rasterio._err")
    handler = _Collect()
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        # Lowered only to collect them: they must not reach the host's handlers, which did not ask for them.
        logger.setLevel(logging.INFO)
        logger.propagate = False
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def _reason(exc: BaseException, messages: List[str]) -> OSError:
    """One OSError carrying every clue: rasterio's message, its cause's, and GDAL's own ('No space left')."""
    texts = [str(exc)]
    if exc.__cause__ is not None:
        texts.append(str(exc.__cause__))
    texts += [m.split("msg=", 1)[-1].strip("'") for m in messages[-3:]]
    code = getattr(exc, "errno", None)
    return OSError(code, "; ".join(t for t in texts if t)) if code else OSError("; ".join(t for t in texts if t))


def open_geotiff(tmp: str, path: str, what: str, **profile) -> "rasterio.io.DatasetWriter":
    """Open ``tmp`` for writing (``path`` is the final name, for the message)."""
    with gdal_messages() as messages:
        try:
            return rasterio.open(tmp, "w", **profile)
        except _WRITE_ERRORS as exc:
            raise write_failed(what, path, _reason(exc, messages)) from exc


def write_block(dst: "rasterio.io.DatasetWriter", array: np.ndarray, window: Window, what: str, path: str) -> None:
    """Write one block of band 1; any GDAL error is an :class:`OutputError` naming the output."""
    with gdal_messages() as messages:
        try:
            dst.write(array, 1, window=window)
        except _WRITE_ERRORS as exc:
            raise write_failed(what, path, _reason(exc, messages)) from exc
    if _failed(messages):
        raise write_failed(what, path, _reason(OSError("write failed"), messages))


def close_geotiff(dst: "rasterio.io.DatasetWriter", what: str, path: str) -> None:
    """Close (flush cached blocks and the tile index); an error GDAL only logs is raised here."""
    with gdal_messages() as messages:
        try:
            dst.close()
        except _WRITE_ERRORS as exc:
            raise write_failed(what, path, _reason(exc, messages)) from exc
    if _failed(messages):
        raise write_failed(what, path, _reason(OSError("close failed"), messages))


def _failed(messages: List[str]) -> bool:
    # rasterio logs every CPLError it sees; warnings (err_class 2) come through too, so only I/O words count.
    words = ("No space left", "Write error", "write error", "Disk quota", "Read-only", "Permission denied",
             "TIFFAppendToStrip", "_tiffWriteProc", "Failed to write", "failed to write")
    return any(w in m for m in messages for w in words)


def verify_geotiff(path: str, width: int, height: int, count: int, dtype: str) -> None:
    """Reopen a finished GeoTIFF and read every block back; raise ValueError (or GDAL's error) if the size or
    type is not what was written, a block was never stored, or a block does not decode."""
    with gdal_messages() as messages:
        try:
            ds = rasterio.open(path)
        except _WRITE_ERRORS as exc:
            raise ValueError(f"it does not open: {_reason(exc, messages)}") from exc
        with ds:
            if (ds.width, ds.height, ds.count, ds.dtypes[0]) != (width, height, count, dtype):
                raise ValueError(f"it reads back as {ds.width} x {ds.height} x {ds.count} {ds.dtypes[0]}, "
                                 f"not {width} x {height} x {count} {dtype}")
            for (row, col), window in ds.block_windows(1):
                offset = ds.get_tag_item(f"BLOCK_OFFSET_{col}_{row}", "TIFF", bidx=1)
                if not offset or int(offset) == 0:
                    raise ValueError(f"block ({row}, {col}) was never stored")
                try:
                    ds.read(1, window=window)
                except _WRITE_ERRORS as exc:
                    raise ValueError(f"block ({row}, {col}) does not decode: {messages[-1].split('msg=', 1)[-1]}"
                                     if messages else f"block ({row}, {col}) does not decode") from exc
