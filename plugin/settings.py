# SPDX-License-Identifier: GPL-2.0-or-later
"""Persistence: the dock's state in the QGIS project, the user's defaults in QgsSettings.

The project keeps what belongs to one mapping job (which rasters, their dates, the palette, the label layer,
the training options, the last model). QgsSettings keeps what a user wants in every new project (their usual
training options and output folder).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional

from qgis.core import QgsProject, QgsSettings

from ..core.errors import InputError
from ..core.params import ClassSpec, TrainOptions
from . import palette as palette_io
from .options_panel import FORM_FIELDS, RASTER_FIELDS

SCOPE = "spatiotemporal_ssl"
STATE_KEY = "state"
SETTINGS_PREFIX = "spatiotemporal_ssl/"


@dataclass
class RasterChoice:
    layer_id: str
    checked: bool = True
    date: Optional[str] = None  # what the user typed: 'YYYY-MM-DD', 'unknown', or None (use the detected date)


@dataclass
class DockState:
    """Everything the dock shows that a saved project should bring back."""

    rasters: List[RasterChoice] = field(default_factory=list)
    reference_layer_id: str = ""
    palette: List[ClassSpec] = field(default_factory=list)
    current_class: Optional[int] = None
    label_layer_id: str = ""
    label_layer_path: str = ""
    class_field: str = ""
    options: TrainOptions = field(default_factory=TrainOptions)
    output_folder: str = ""
    write_teacher_map: bool = False
    model_path: str = ""
    timestep_dates: str = ""  # the band-role panel's dates, as typed: for rasters whose bands carry none

    def to_json(self) -> str:
        data = {
            "rasters": [asdict(r) for r in self.rasters],
            "reference_layer_id": self.reference_layer_id,
            "palette": json.loads(palette_io.to_json(self.palette)),
            "current_class": self.current_class,
            "label_layer_id": self.label_layer_id,
            "label_layer_path": self.label_layer_path,
            "class_field": self.class_field,
            "options": options_to_dict(self.options),
            "output_folder": self.output_folder,
            "write_teacher_map": self.write_teacher_map,
            "model_path": self.model_path,
            "timestep_dates": self.timestep_dates,
        }
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> "DockState":
        data = json.loads(text)
        state = cls()
        state.rasters = [RasterChoice(**r) for r in data.get("rasters", [])]
        state.reference_layer_id = data.get("reference_layer_id", "")
        state.palette = palette_io.from_json(json.dumps(data.get("palette", [])))
        state.current_class = data.get("current_class")
        state.label_layer_id = data.get("label_layer_id", "")
        state.label_layer_path = data.get("label_layer_path", "")
        state.class_field = data.get("class_field", "")
        state.options = options_from_dict(data.get("options", {}))
        state.output_folder = data.get("output_folder", "")
        state.write_teacher_map = bool(data.get("write_teacher_map", False))
        state.model_path = data.get("model_path", "")
        state.timestep_dates = str(data.get("timestep_dates", "") or "")
        return state


def options_to_dict(options: TrainOptions, with_raster_fields: bool = True) -> Dict:
    """What is stored of the training options: the fields the dock's form shows, nothing else. A hidden option
    kept from an old run would outlive a change of the engine's default (a metadata dropout of 0.2 stayed 0.2
    after the default became 0.5) with no way for the user to see or change it. ``with_raster_fields``: also the
    band roles, sensor and scaling (for the project, not for the user's defaults)."""
    values = options.to_dict()
    return {name: values[name] for name in FORM_FIELDS + (RASTER_FIELDS if with_raster_fields else ())}


def options_from_dict(values: Dict) -> TrainOptions:
    """TrainOptions from stored values: the form's fields, the engine's defaults for the rest. Other keys (hidden
    options that older versions stored, or options of newer versions) are ignored; stored values that are no
    longer valid give the defaults."""
    try:
        return TrainOptions.from_mapping({k: v for k, v in values.items() if k in FORM_FIELDS + RASTER_FIELDS})
    except InputError:
        return TrainOptions()


def save_to_project(state: DockState, project: Optional[QgsProject] = None) -> None:
    project = project or QgsProject.instance()
    resolver = project.pathResolver()
    stored = DockState.from_json(state.to_json())
    # Paths relative to the project file (when the project says so), so a project folder can be moved.
    stored.label_layer_path = resolver.writePath(state.label_layer_path) if state.label_layer_path else ""
    stored.output_folder = resolver.writePath(state.output_folder) if state.output_folder else ""
    stored.model_path = resolver.writePath(state.model_path) if state.model_path else ""
    project.writeEntry(SCOPE, STATE_KEY, stored.to_json())


def load_from_project(project: Optional[QgsProject] = None) -> Optional[DockState]:
    project = project or QgsProject.instance()
    text, ok = project.readEntry(SCOPE, STATE_KEY, "")
    if not ok or not text:
        return None
    try:
        state = DockState.from_json(text)
    except (ValueError, TypeError, KeyError):
        return None
    resolver = project.pathResolver()
    state.label_layer_path = resolver.readPath(state.label_layer_path) if state.label_layer_path else ""
    state.output_folder = resolver.readPath(state.output_folder) if state.output_folder else ""
    state.model_path = resolver.readPath(state.model_path) if state.model_path else ""
    return state


def user_default_options() -> TrainOptions:
    """The training options the user last chose, or the engine's defaults."""
    text = QgsSettings().value(SETTINGS_PREFIX + "options", "", type=str)
    try:
        return options_from_dict(json.loads(text)) if text else TrainOptions()
    except (ValueError, TypeError):
        return TrainOptions()


def save_user_default_options(options: TrainOptions) -> None:
    QgsSettings().setValue(SETTINGS_PREFIX + "options", json.dumps(options_to_dict(options, with_raster_fields=False)))


def user_value(key: str, default: str = "") -> str:
    return QgsSettings().value(SETTINGS_PREFIX + key, default, type=str)


def set_user_value(key: str, value: str) -> None:
    QgsSettings().setValue(SETTINGS_PREFIX + key, value)
