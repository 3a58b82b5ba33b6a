# SPDX-License-Identifier: GPL-2.0-or-later
"""Widgets for a narrow dock: a row of buttons that stacks when needed, and labels that wrap long names.

QGIS gives a new dock little width. A row of two or three buttons with translated texts is often wider than
that, and so is a word-wrapped label holding a file path or a layer name with underscores (a label is never
narrower than its longest word): one such widget widens the whole dock, with a horizontal scroll bar for
everything.
"""
from __future__ import annotations

from typing import List, Optional

from qgis.PyQt.QtCore import QSize, Qt
from qgis.PyQt.QtWidgets import QBoxLayout, QLabel, QSizePolicy, QWidget

ZERO_WIDTH_SPACE = "\u200b"
_BREAK_AFTER = "/\\_-.,:;"


def breakable(text: str) -> str:
    """``text`` with a line-break opportunity after path separators and punctuation ('a_b.tif' can wrap)."""
    return "".join(ch + ZERO_WIDTH_SPACE if ch in _BREAK_AFTER else ch for ch in text)


class WrappingLabel(QLabel):
    """A word-wrapped plain-text label that can also break long names and paths; ``text()`` is what was set."""

    def __init__(self, text: str = "", parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        super().setText(breakable(text))

    def text(self) -> str:
        return super().text().replace(ZERO_WIDTH_SPACE, "")


class WrapRow(QWidget):
    def __init__(self, widgets: List[QWidget], parent: Optional[QWidget] = None, stretch: Optional[List[int]] = None):
        super().__init__(parent)
        self._widgets = list(widgets)
        self._layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        for i, widget in enumerate(self._widgets):
            self._layout.addWidget(widget, (stretch or [0] * len(self._widgets))[i])
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def _side_by_side_width(self) -> int:
        spacing = max(self._layout.spacing(), 0)
        return sum(w.minimumSizeHint().width() for w in self._widgets if not w.isHidden()) + spacing * max(
            len(self._widgets) - 1, 0)

    def is_stacked(self) -> bool:
        return self._layout.direction() == QBoxLayout.Direction.TopToBottom

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """The widest widget: narrower than that, nothing can help."""
        widest = max((w.minimumSizeHint().width() for w in self._widgets), default=0)
        return QSize(widest, self._layout.minimumSize().height())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        direction = (QBoxLayout.Direction.LeftToRight if event.size().width() >= self._side_by_side_width()
                     else QBoxLayout.Direction.TopToBottom)
        if direction != self._layout.direction():
            self._layout.setDirection(direction)
            self.updateGeometry()  # the row's height changed: let the dock lay out again
