# SPDX-License-Identifier: GPL-2.0-or-later
"""Assess a classified map against reference data: the one call the CLI, Processing and the dock make.

``assess_map`` reads the map's class table and mapped area, samples the map under the reference layer, and
returns an :class:`AccuracyReport` holding the error matrix, the sample's figures and the stratified
estimates of Olofsson et al. (2014); :mod:`.report` writes it as CSV and HTML.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Mapping, Optional

import numpy as np

from .maps import MappedArea, count_mapped_area, open_class_map
from .olofsson import SampleMetrics, StratifiedEstimates, Z_95, error_matrix, sample_metrics, stratified_estimates
from .reference import ReferenceSample, read_reference


@dataclass
class AccuracyReport:
    """Everything an accuracy assessment reports, aligned with ``values`` (sorted class codes)."""

    map_name: str
    values: List[int]
    names: List[str]
    counts: np.ndarray  # sample counts (rows: map, columns: reference), int64 (K, K)
    mapped_pixels: np.ndarray  # (K,)
    mapped_hectares: Optional[np.ndarray]  # (K,) or None
    pixel_area: float  # map units squared per pixel
    area_unit: str
    sample: SampleMetrics
    strata: StratifiedEstimates
    reference: Optional[ReferenceSample] = None
    notes: List[str] = field(default_factory=list)

    @property
    def total_pixels(self) -> float:
        return float(self.mapped_pixels.sum())

    def estimated_area(self, unit: str = "ha") -> Optional[np.ndarray]:
        """Estimated area per class in ``'ha'``, ``'pixels'`` or ``'map'`` (map units squared); None when
        hectares are unknown (no CRS, or one whose unit is no length)."""
        total = self._total(unit)
        return None if total is None else self.strata.area_proportion * total

    def estimated_area_ci(self, unit: str = "ha") -> Optional[np.ndarray]:
        """Half-width of the 95 % confidence interval of :meth:`estimated_area`."""
        total = self._total(unit)
        return None if total is None else Z_95 * self.strata.area_proportion_se * total

    def mapped_area(self, unit: str = "ha") -> Optional[np.ndarray]:
        if unit == "ha":
            return self.mapped_hectares
        return self.mapped_pixels * (self.pixel_area if unit == "map" else 1.0)

    def _total(self, unit: str) -> Optional[float]:
        if unit == "ha":
            return None if self.mapped_hectares is None else float(self.mapped_hectares.sum())
        if unit == "pixels":
            return self.total_pixels
        if unit == "map":
            return self.total_pixels * self.pixel_area
        raise ValueError(f"unknown area unit {unit!r}")


def build_report(counts: np.ndarray, values, names, mapped: MappedArea, map_name: str = "",
                 reference: Optional[ReferenceSample] = None) -> AccuracyReport:
    """Figures of an error matrix whose strata sizes come from ``mapped`` (classes absent there: 0)."""
    values = [int(v) for v in values]
    pixels = np.array([mapped.pixels_of(v) for v in values], dtype=np.float64)
    hectares = None if mapped.hectares is None else np.array([mapped.hectares_of(v) for v in values])
    strata = stratified_estimates(counts, pixels, names)
    notes = list(strata.notes)
    if reference is not None:
        notes = reference.dropped_lines() + notes
        if reference.kind != "points":
            notes.append("the reference holds polygons: every pixel whose centre lies in one is a sample unit. "
                         "Pixels of one polygon are not independent samples, so the confidence intervals are "
                         "narrower than they should be; a stratified random sample of points (Create validation "
                         "sample) gives intervals that hold")
    if mapped.hectares is None and mapped.hectares_note:
        notes.append(mapped.hectares_note)
    return AccuracyReport(map_name=map_name, values=values, names=list(names), counts=np.asarray(counts),
                          mapped_pixels=pixels, mapped_hectares=hectares, pixel_area=mapped.pixel_area,
                          area_unit=mapped.area_unit, sample=sample_metrics(counts), strata=strata,
                          reference=reference, notes=notes)


def assess_map(map_path: str, reference_path: str, class_field: str,
               class_map: Optional[Mapping[str, int]] = None) -> AccuracyReport:
    """Assess the class map at ``map_path`` against the reference layer (points or polygons, any CRS).

    ``class_field`` names the reference class attribute; ``class_map`` maps class names used there to map
    codes (the map's own class names are known without it). Raises :class:`core.errors.InputError` naming
    the input and the fix for unreadable inputs, a missing field, unknown class names, a reference layer that
    misses the map, and map classes without reference samples.
    """
    cm = open_class_map(map_path)
    reference = read_reference(reference_path, class_field, cm, class_map)
    mapped = count_mapped_area(cm)
    values = sorted(set(mapped.values.tolist()) | set(reference.map_values.tolist())
                    | set(reference.reference_values.tolist()))
    inverse = {int(v): str(k) for k, v in (class_map or {}).items()}
    names = [cm.class_names.get(v, inverse.get(v, str(v))) for v in values]
    counts = error_matrix(reference.map_values, reference.reference_values, values)
    return build_report(counts, values, names, mapped, map_name=cm.name, reference=reference)
