# SPDX-License-Identifier: GPL-2.0-or-later
"""A dependency-free terminal progress bar for the command line (updates in place on a TTY, a line per
10 % otherwise, so logs of cluster jobs stay readable)."""
from __future__ import annotations

import sys
import time
from typing import Optional, TextIO


def format_seconds(seconds: Optional[float]) -> str:
    if seconds is None or seconds != seconds:
        return "--:--"
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class ProgressBar:
    def __init__(self, label: str, stream: Optional[TextIO] = None, width: int = 28):
        # sys.stderr as it is now, not as it was at import (a caller may have redirected it since)
        self.label, self.stream, self.width = label, stream if stream is not None else sys.stderr, width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.perf_counter()
        self._last_decile = -1

    def update(self, fraction: float, detail: str = "", eta: Optional[float] = None) -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        if eta is None and fraction > 0:
            elapsed = time.perf_counter() - self.start
            eta = elapsed * (1 - fraction) / fraction
        filled = int(round(self.width * fraction))
        bar = f"[{'#' * filled}{'.' * (self.width - filled)}]"
        line = f"{self.label} {bar} {fraction * 100:5.1f}% ETA {format_seconds(eta)} {detail}"
        if self.tty:
            self.stream.write("\r" + line[:160].ljust(160))
            self.stream.flush()
        else:
            decile = int(fraction * 10)
            if decile != self._last_decile:
                self._last_decile = decile
                self.stream.write(line + "\n")
                self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
