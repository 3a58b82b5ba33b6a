# SPDX-License-Identifier: GPL-2.0-or-later
"""The Presto backbone's inputs in the dock: which band is which Presto channel, the stack's timesteps, the scaling.

Shown in Training options while the backbone is Presto (or a choice that may pick it, "auto"). It reads the first
ticked training raster as the engine will (core.data.stack.read_stack_layout: the bands of one timestep and the
dates), and shows one row per band of one timestep with the role the engine detects from the band's name
(core.data.band_roles), marked "detected". A role the user picks is marked "set by you" and goes to the engine as
TrainOptions.band_roles ("1=B2,3=ignore"); the other bands keep their detected roles there too, since the engine
detects them from the same names. A band whose role cannot be told is shown as unknown, with what training does
then: nothing is guessed, and no roles are handed over while any band is unknown.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Tuple

from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QHeaderView, QLineEdit, QTableWidget,
                                 QTableWidgetItem, QVBoxLayout, QWidget)

from ..core.data.band_roles import PRESTO_CHANNELS, band_role, detect_band_roles
from ..core.data.series import parse_timestep_dates
from ..core.errors import InputError
from ..core.params import option
from .i18n import tr
from .narrow_layout import WrappingLabel

if TYPE_CHECKING:
    from ..core.data.stack import StackLayout

# Backbone values for which the table is shown: Presto, and a choice that picks Presto when the roles are known.
PRESTO_BACKBONES = ("presto", "auto")
UNKNOWN = ""  # the role combo's value for a band whose role is not known
UNUSED = "ignore"
COL_BAND, COL_ROLE, COL_HOW = range(3)


def narrow_combo() -> QComboBox:
    """A combo that may be narrower than its longest choice (the dock is 300 px wide); the list shows it whole."""
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(6)
    return combo


def _role_combo() -> QComboBox:
    combo = narrow_combo()
    combo.addItem(tr("unused"), UNUSED)
    for channel in PRESTO_CHANNELS:
        combo.addItem(channel, channel)
    combo.setToolTip(tr("The Presto channel this band feeds"))
    return combo


class BandRolesPanel(QWidget):
    """``changed`` is emitted when a role, the dates, the sensor or the scaling change."""

    changed = pyqtSignal()

    def __init__(self, backbone: QComboBox, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self._backbone = backbone
        self._rasters: Callable[[], List[Tuple[str, str]]] = lambda: []
        self._layout: Optional["StackLayout"] = None
        self._raster = ""
        self._set: Dict[int, str] = {}  # band index (one timestep) -> the role token the user chose
        self._unknown: List[int] = []
        self._detected: List[Optional[tuple]] = []  # per band: the channels detected from its name, None: unknown
        self._dates: Optional[List[str]] = None
        self._problems: List[str] = []  # what reading the raster or the dates refused, shown above the notes
        self._pending: Optional[Dict[int, str]] = None  # roles restored from the project, for its raster

        self.summary = WrappingLabel()
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([tr("Band"), tr("Role"), tr("Source")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_BAND, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_ROLE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_HOW, QHeaderView.ResizeMode.ResizeToContents)
        self.problems = WrappingLabel()
        self.notes = WrappingLabel()
        self.dates = QLineEdit()
        self.dates.setPlaceholderText(tr("YYYY-MM-DD, … (one per timestep)"))
        self.dates.setToolTip(tr("The date of every timestep, where the band descriptions do not hold them; used for "
                                 "every ticked raster whose bands have no dates"))
        self.sensor = narrow_combo()
        self.sensor.addItem(tr("From the band names"), None)
        for choice in option("sensor").choices:
            self.sensor.addItem(tr(choice.label), choice.value)
        self.sensor.setToolTip(tr(option("sensor").help))
        self.scaling = narrow_combo()
        for choice in option("scaling").choices:
            self.scaling.addItem(tr(choice.label), choice.value)
        self.scaling.setToolTip(tr(option("scaling").help))

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(tr("Timestep dates"), self.dates)
        form.addRow(tr(option("sensor").label), self.sensor)
        form.addRow(tr(option("scaling").label), self.scaling)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.summary, self.table, self.problems, self.notes):
            layout.addWidget(widget)
        layout.addLayout(form)

        backbone.currentIndexChanged.connect(self._backbone_changed)
        self.dates.editingFinished.connect(self._dates_edited)
        self.sensor.currentIndexChanged.connect(self._sensor_changed)
        self.scaling.currentIndexChanged.connect(lambda *_: self.changed.emit())
        self._backbone_changed()

    # --- inputs -----------------------------------------------------------------------------------------
    def set_rasters(self, rasters: Callable[[], List[Tuple[str, str]]]) -> None:
        """Where the ticked training rasters come from, as (layer name, file path) (the Imagery panel); the first
        that is a file is the one shown."""
        self._rasters = rasters
        self.refresh()

    def _backbone_changed(self, *_args) -> None:
        shown = self._backbone.currentData() in PRESTO_BACKBONES
        self.setVisible(shown)
        if shown:
            self.refresh()
        else:
            self._show_problems()

    def _dates_edited(self) -> None:
        self.refresh()
        self.changed.emit()

    def _sensor_changed(self, *_args) -> None:
        self.refresh()
        self.changed.emit()

    # --- reading the raster -----------------------------------------------------------------------------
    def refresh(self, *_args) -> None:
        """Read the first ticked raster again (its bands, dates and the roles detected from the names)."""
        if self.isHidden():
            return
        rasters = [(name, path) for name, path in self._rasters() if path]
        name, path = rasters[0] if rasters else ("", "")
        problems: List[str] = []
        self._dates = None
        if self.dates.text().strip():
            try:
                self._dates = parse_timestep_dates(self.dates.text(), tr("Timestep dates"))
            except InputError as exc:
                problems.append(str(exc))
        layout = None
        if path:
            try:
                from ..core.data.stack import read_stack_layout  # rasterio: an engine package, not loaded with QGIS

                layout = read_stack_layout(path, self._own_dates_missing(path) and self._dates or None)
            except InputError as exc:
                problems.append(str(exc))
            except ImportError:
                problems.append(tr("The engine's Python packages are missing; install them to read the bands."))
        key = f"{path}|{layout.band_names if layout else ''}"
        if key != self._raster:
            self._raster, self._set = key, {}  # another raster or other bands: the user's roles were for those
            if self._pending is not None and layout is not None:  # roles kept with the project
                self._set = {r: v for r, v in self._pending.items() if r < len(layout.band_names)}
                self._pending = None
        self._layout = layout
        self._fill(name, problems)

    @staticmethod
    def _own_dates_missing(path: str) -> bool:
        try:
            from ..core.data.stack import read_stack_layout

            return read_stack_layout(path).source != "band descriptions"
        except (InputError, ImportError):
            return True

    def _fill(self, name: str, problems: List[str]) -> None:
        layout = self._layout
        self.table.setRowCount(0)
        self._unknown, self._detected = [], []
        if layout is None:
            self.summary.setText(tr("Tick a training raster in Imagery to see its bands.") if not name else
                                 tr("Raster '{name}':").format(name=name))
            self._problems = problems
            self._show_problems()
            return
        dates = [d for d in layout.dates if d]
        when = (tr("dates from the band descriptions") if layout.source == "band descriptions" else
                tr("dates given here") if layout.source == "given" else
                tr("no dates: give them below") if not dates else
                tr("one date ({source})").format(source=layout.source))
        span = f"{dates[0]} … {dates[-1]}" if len(dates) > 1 else (dates[0] if dates else "")
        self.summary.setText(tr("Raster '{name}': {steps} timestep(s) of {bands} band(s); {when}{span}").format(
            name=name, steps=layout.timesteps, bands=len(layout.band_names), when=when,
            span=f": {span}" if span else ""))
        sensor = self.sensor.currentData()
        try:
            sensor = detect_band_roles(layout.band_names, sensor).sensor  # e.g. Landsat 8 read from SR_B6
        except InputError:
            pass
        self.table.setRowCount(len(layout.band_names))
        for row, band in enumerate(layout.band_names):
            item = QTableWidgetItem(band)
            item.setToolTip(tr("Band {n} of each timestep: {name}").format(n=row + 1, name=band))
            self.table.setItem(row, COL_BAND, item)
            combo = _role_combo()
            detected = band_role(band, sensor)
            self._detected.append(detected)
            if detected is None:
                combo.insertItem(0, tr("unknown"), UNKNOWN)
            value = self._set.get(row, UNKNOWN if detected is None else "+".join(detected) or UNUSED)
            index = combo.findData(value)
            if index < 0:
                combo.addItem(value, value)  # several channels (B8+B8A), as detected or set
                index = combo.count() - 1
            combo.setCurrentIndex(index)
            combo.currentIndexChanged.connect(lambda _i, row=row, combo=combo: self._role_chosen(row, combo))
            self.table.setCellWidget(row, COL_ROLE, combo)
            if detected is None and row not in self._set:
                self._unknown.append(row)
            how = tr("set by you") if row in self._set else tr("unknown") if detected is None else tr("detected")
            self.table.setItem(row, COL_HOW, QTableWidgetItem(how))
        self.table.resizeRowsToContents()
        height = self.table.horizontalHeader().height() + sum(self.table.rowHeight(r) for r in range(
            self.table.rowCount())) + 2 * self.table.frameWidth()
        self.table.setFixedHeight(min(height, 12 * max(self.table.rowHeight(0), 1)))
        self._problems = problems
        self._show_problems()

    def _role_chosen(self, row: int, combo: QComboBox) -> None:
        # Updated in place: rebuilding the table here would delete the combo that is emitting.
        value = combo.currentData()
        if value == UNKNOWN:
            self._set.pop(row, None)
        else:
            self._set[row] = value
        unknown = self._detected[row] is None and row not in self._set
        self._unknown = sorted(set(self._unknown) - {row} | ({row} if unknown else set()))
        how = tr("set by you") if row in self._set else tr("unknown") if unknown else tr("detected")
        self.table.item(row, COL_HOW).setText(how)
        self._show_problems()
        self.changed.emit()

    def _show_problems(self) -> None:
        lines = list(self._problems)
        layout = self._layout
        if layout is not None and self._unknown:
            bands = ", ".join(f"{row + 1} '{layout.band_names[row]}'" for row in self._unknown)
            if self._backbone.currentData() == "presto":
                then = tr("Presto cannot train until they are set (the CNN backbone needs no roles).")
            else:
                then = tr("Training uses the CNN unless they are set.")
            lines.append(tr("Unknown role: band {bands}. {then}").format(bands=bands, then=then))
        self.problems.setText("\n".join(lines))
        self.problems.setVisible(bool(lines))
        notes = []
        if layout is not None and not self._unknown:
            try:
                roles = detect_band_roles(layout.band_names, self.sensor.currentData(), self.band_roles() or None)
                notes = list(roles.notes)
            except InputError as exc:
                notes = [str(exc)]
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))

    def dates_text(self) -> str:
        """The timestep dates as typed (kept with the project)."""
        return self.dates.text()

    def set_dates_text(self, text: str) -> None:
        """Show dates restored from the project; read with the raster at the next refresh (set_values)."""
        self.dates.setText(text or "")

    def set_values(self, band_roles: Optional[str], sensor: Optional[str], scaling: str) -> None:
        """Show options restored from the project: the sensor and scaling at once, the roles (``"1=B2,3=ignore"``)
        on the project's raster as soon as it is read."""
        index = self.sensor.findData(sensor) if sensor else 0
        self.sensor.setCurrentIndex(max(index, 0))
        self.scaling.setCurrentIndex(max(self.scaling.findData(scaling), 0))
        pending: Dict[int, str] = {}
        for part in (band_roles or "").split(","):
            band, _, role = part.partition("=")
            if band.strip().isdigit() and role.strip():
                pending[int(band) - 1] = role.strip()
        self._pending, self._raster = pending, ""  # "": the next read applies them
        self.refresh()

    # --- what the engine gets ---------------------------------------------------------------------------
    def unknown_bands(self) -> List[str]:
        """The bands (of one timestep) whose role is neither detected nor set."""
        layout = self._layout
        return [layout.band_names[row] for row in self._unknown] if layout is not None else []

    def band_roles(self) -> Optional[str]:
        """The roles the user set, as ``"1=B2,3=ignore"``; None when none is set or a band is still unknown
        (the engine then detects all roles from the names itself, and says which it cannot tell)."""
        if not self._set or self._unknown:
            return None
        return ",".join(f"{row + 1}={value}" for row, value in sorted(self._set.items()))

    def option_values(self) -> dict:
        """The training options this panel sets (its defaults while the backbone does not use Presto)."""
        if self.isHidden():
            return {}
        return {"band_roles": self.band_roles(), "sensor": self.sensor.currentData(),
                "scaling": self.scaling.currentData()}

    def timestep_dates_for(self, path: str) -> Optional[List[str]]:
        """The dates given here, for a raster whose band descriptions hold none (else None: its own dates)."""
        if self.isHidden() or not self._dates or not os.path.exists(path):
            return None
        return list(self._dates) if self._own_dates_missing(path) else None
