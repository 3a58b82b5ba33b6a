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

# Okabe-Ito colours: distinguishable for colour-blind readers.
_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
ACCURACY_SERIES = ("val_accuracy", "pseudo_label_accuracy")


class LossPlot(QWidget):
    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.series: Dict[str, List[Tuple[float, float]]] = {}
        self.total_steps = 0
        self.setMinimumHeight(140)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
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
        """Append the values of a ``core.trainer.TrainProgress``."""
        if getattr(progress, "phase", "") != "training":
            return
        self.total_steps = max(self.total_steps, int(progress.total_steps or 0))
        for name, value in (progress.losses or {}).items():
            self.add_point(name, progress.step, value)
        self.add_point("val_accuracy", progress.step, progress.val_accuracy)
        self.add_point("pseudo_label_accuracy", progress.step, progress.pseudo_label_accuracy)

    def _label(self, name: str) -> str:
        return {"val_accuracy": tr("validation accuracy"), "pseudo_label_accuracy": tr("pseudo-label accuracy")}.get(
            name, name.replace("_", " "))

    def paintEvent(self, _event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        font = QFont(self.font())
        font.setPointSizeF(max(6.5, font.pointSizeF() * 0.85))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        text_color = self.palette().text().color()
        legend_h = metrics.height() + 4
        plot = QRectF(34, 6 + legend_h, max(10, self.width() - 72), max(10, self.height() - 24 - legend_h))
        painter.setPen(QPen(QColor(160, 160, 160), 1))
        painter.drawRect(plot)

        losses = {k: v for k, v in self.series.items() if k not in ACCURACY_SERIES and v}
        accs = {k: v for k, v in self.series.items() if k in ACCURACY_SERIES and v}
        if not losses and not accs:
            painter.setPen(text_color)
            painter.drawText(plot, Qt.AlignCenter, tr("Curves appear here while training"))
            painter.end()
            return
        x_max = float(max(self.total_steps, max(p[0] for v in self.series.values() for p in v), 1))
        y_max = max((p[1] for v in losses.values() for p in v), default=1.0) or 1.0
        painter.setPen(text_color)
        painter.drawText(QRectF(0, plot.top() - 2, 32, metrics.height()), Qt.AlignRight, f"{y_max:.2g}")
        painter.drawText(QRectF(0, plot.bottom() - metrics.height(), 32, metrics.height()), Qt.AlignRight, "0")
        painter.drawText(QRectF(plot.right() + 3, plot.top() - 2, 40, metrics.height()), Qt.AlignLeft, "100%")
        painter.drawText(QRectF(plot.right() + 3, plot.bottom() - metrics.height(), 40, metrics.height()), Qt.AlignLeft, "0%")
        painter.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), metrics.height()), Qt.AlignRight,
                         tr("step {n}").format(n=int(x_max)))

        def to_screen(step: float, value: float, top: float) -> QPointF:
            x = plot.left() + plot.width() * step / x_max
            y = plot.bottom() - plot.height() * max(0.0, min(1.0, value / top))
            return QPointF(x, y)

        legend_x = plot.left()
        for i, name in enumerate(list(losses) + list(accs)):
            points = self.series[name]
            color = QColor(_COLORS[i % len(_COLORS)])
            pen = QPen(color, 1.6)
            if name in ACCURACY_SERIES:
                pen.setStyle(Qt.DashLine)
            painter.setPen(pen)
            top = 1.0 if name in ACCURACY_SERIES else y_max
            path = QPainterPath(to_screen(points[0][0], points[0][1], top))
            for step, value in points[1:]:
                path.lineTo(to_screen(step, value, top))
            painter.drawPath(path)
            if len(points) == 1:
                painter.drawEllipse(to_screen(points[0][0], points[0][1], top), 2, 2)
            label = self._label(name)
            painter.drawLine(QPointF(legend_x, 4 + legend_h / 2), QPointF(legend_x + 12, 4 + legend_h / 2))
            painter.setPen(text_color)
            painter.drawText(QPointF(legend_x + 15, 2 + metrics.ascent()), label)
            legend_x += 22 + metrics.horizontalAdvance(label)
        painter.end()
