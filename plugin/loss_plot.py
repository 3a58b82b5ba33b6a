# SPDX-License-Identifier: GPL-2.0-or-later
"""A small live plot of the training curves, drawn with QPainter (no plotting library needed in QGIS).

Losses share the left axis (from 0 to their maximum); accuracies (validation, pseudo-label) use the right
axis, fixed to 0..1 so runs can be compared at a glance.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from qgis.PyQt.QtCore import QPointF, QRectF, QSize, Qt
from qgis.PyQt.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from qgis.PyQt.QtWidgets import QSizePolicy, QWidget

from .i18n import tr

# Okabe-Ito colours: distinguishable for colour-blind readers (their yellow is too light on white).
_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
ACCURACY_SERIES = ("val_accuracy", "pseudo_label_accuracy")
_ACCURACY_COLORS = {"val_accuracy": "#000000", "pseudo_label_accuracy": "#888888"}
# The trainer reports more losses than a small plot can show; these tell the story (what is learnt from
# labels, from pseudo-labels, and from the teacher), and the others are left out.
PLOTTED_LOSSES = ("loss_sup", "loss_unsup", "loss_distill")


class LossPlot(QWidget):
    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.series: Dict[str, List[Tuple[float, float]]] = {}
        self.total_steps = 0
        self.setMinimumHeight(140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setToolTip(tr("Training losses (left axis) and validation accuracy (right axis, 0-100%)"))

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(300, 170)

    def clear(self, total_steps: int = 0) -> None:
        self.series = {}
        self.total_steps = total_steps
        self.update()

    def add_point(self, name: str, step: float, value: Optional[float]) -> None:
        if value is None or value != value:  # None or NaN
            return
        self.series.setdefault(name, []).append((float(step), float(value)))
        self.update()

    def add_progress(self, progress) -> None:
        """Append the values of a ``core.learning.trainer.TrainProgress``."""
        if getattr(progress, "phase", "") != "training":
            return
        self.total_steps = max(self.total_steps, int(progress.total_steps or 0))
        for name, value in (progress.losses or {}).items():
            if name in PLOTTED_LOSSES:
                self.add_point(name, progress.step, value)
        self.add_point("val_accuracy", progress.step, progress.val_accuracy)
        self.add_point("pseudo_label_accuracy", progress.step, progress.pseudo_label_accuracy)

    def _label(self, name: str) -> str:
        return {"val_accuracy": tr("validation accuracy"), "pseudo_label_accuracy": tr("pseudo-label accuracy"),
                "loss_sup": tr("labelled loss"), "loss_unsup": tr("pseudo-label loss"),
                "loss_distill": tr("distillation loss")}.get(name, name.replace("_", " "))

    def paintEvent(self, _event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        font = QFont(self.font())
        font.setPointSizeF(max(6.5, font.pointSizeF() * 0.85))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        text_color = self.palette().text().color()
        losses = {k: v for k, v in self.series.items() if k not in ACCURACY_SERIES and v}
        accs = {k: v for k, v in self.series.items() if k in ACCURACY_SERIES and v}
        names = list(losses) + list(accs)
        colors = {name: QColor(_ACCURACY_COLORS.get(name) or _COLORS[i % len(_COLORS)]) for i, name in enumerate(names)}
        # Legend entries flow over as many lines as the width needs.
        entries, x, line = [], 34.0, 0
        for name in names:
            width = 18 + metrics.horizontalAdvance(self._label(name))
            if x + width > self.width() - 4 and x > 34:
                x, line = 34.0, line + 1
            entries.append((name, x, line))
            x += width + 8
        legend_h = (line + 1) * (metrics.height() + 2) + 4
        plot = QRectF(34, 4 + legend_h, max(10, self.width() - 72), max(10, self.height() - 22 - legend_h))
        painter.setPen(QPen(QColor(160, 160, 160), 1))
        painter.drawRect(plot)
        if not names:
            painter.setPen(text_color)
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, tr("Curves appear here while training"))
            painter.end()
            return
        x_max = float(max(self.total_steps, max(p[0] for v in self.series.values() for p in v), 1))
        y_max = max((p[1] for v in losses.values() for p in v), default=1.0) or 1.0
        painter.setPen(text_color)
        left, right = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignRight
        painter.drawText(QRectF(0, plot.top() - 2, 32, metrics.height()), right, f"{y_max:.2g}")
        painter.drawText(QRectF(0, plot.bottom() - metrics.height(), 32, metrics.height()), right, "0")
        painter.drawText(QRectF(plot.right() + 3, plot.top() - 2, 40, metrics.height()), left, "100%")
        painter.drawText(QRectF(plot.right() + 3, plot.bottom() - metrics.height(), 40, metrics.height()), left, "0%")
        painter.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), metrics.height()), right,
                         tr("step {n}").format(n=int(x_max)))

        def to_screen(step: float, value: float, top: float) -> QPointF:
            x = plot.left() + plot.width() * step / x_max
            y = plot.bottom() - plot.height() * max(0.0, min(1.0, value / top))
            return QPointF(x, y)

        for name, legend_x, legend_line in entries:
            points = self.series[name]
            pen = QPen(colors[name], 1.6)
            if name in ACCURACY_SERIES:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            top = 1.0 if name in ACCURACY_SERIES else y_max
            path = QPainterPath(to_screen(points[0][0], points[0][1], top))
            for step, value in points[1:]:
                path.lineTo(to_screen(step, value, top))
            painter.drawPath(path)
            if len(points) == 1:
                painter.drawEllipse(to_screen(points[0][0], points[0][1], top), 2, 2)
            y = 2 + legend_line * (metrics.height() + 2)
            painter.drawLine(QPointF(legend_x, y + metrics.height() / 2), QPointF(legend_x + 14, y + metrics.height() / 2))
            painter.setPen(text_color)
            painter.drawText(QPointF(legend_x + 18, y + metrics.ascent()), self._label(name))
        painter.end()
