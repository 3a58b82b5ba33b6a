# SPDX-License-Identifier: GPL-2.0-or-later
"""SIGINT (Ctrl-C) and SIGTERM (``kill``, a cluster's time limit) for the command line.

During training the first signal asks the trainer to stop after the current step, through the same
``should_stop`` hook the dock's Cancel button uses: the best EMA model so far is then saved atomically with its
training state, so the run can go on with ``--resume``. Before training starts (reading and tiling) there is
nothing to save and the signal interrupts at once. A second signal always interrupts at once.

For the other commands a signal interrupts at once. Both signals raise :class:`Interrupted` (a
KeyboardInterrupt), so every ``atomic_output`` on the way out removes its temporary file: SIGTERM cleans up as
Ctrl-C does. Only SIGKILL leaves temporaries behind, and the next run into the folder removes them.
"""
from __future__ import annotations

import os
import signal
import threading
from types import FrameType
from typing import Dict, Optional

SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s is not None)


class Interrupted(KeyboardInterrupt):
    """A signal stopped the command; ``signum`` says which (exit status 128 + signum)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class SignalStop:
    """Context manager installing the handlers; ``requested()`` is the trainer's ``should_stop``.

    ``graceful`` tells whether the first signal may just ask to stop (from the trainer's first poll on); when
    it is False the signal raises :class:`Interrupted` at once.
    """

    def __init__(self) -> None:
        self.signum: Optional[int] = None
        self.graceful = False
        self._previous: Dict[int, "signal._HANDLER"] = {}

    def requested(self) -> bool:
        # The trainer polls this before every step: from the first poll on there is a run to save, so a
        # signal only asks it to stop (before that, reading and tiling, it interrupts at once).
        self.graceful = True
        return self.signum is not None

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else ""

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or signal.SIGINT)

    def _handle(self, signum: int, frame: Optional[FrameType]) -> None:
        if self.signum is not None or not self.graceful:
            self.signum = self.signum or signum
            raise Interrupted(signum)
        self.signum = signum

    def __enter__(self) -> "SignalStop":
        # Handlers can only be set from the main thread (the plugin never comes here), and torchrun manages
        # its workers' signals itself.
        if threading.current_thread() is threading.main_thread() and int(os.environ.get("WORLD_SIZE", "1")) <= 1:
            for s in SIGNALS:
                self._previous[s] = signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        self._previous.clear()
