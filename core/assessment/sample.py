# SPDX-License-Identifier: GPL-2.0-or-later
"""Create a validation sample: stratified random points over a class map, for the user to label.

The map classes are the strata (Olofsson et al. 2014, section 4.1). How many points per class comes either
from the user (the same number in every class) or from the paper's sample-size rule: the total is Cochran's
n = (sum_i W_i S_i / S(O))^2 with S_i = sqrt(U_i (1 - U_i)) from the user's expected user's accuracies U_i
and the target standard error S(O) of overall accuracy (eq. 13), allocated in proportion to area, then with
small classes raised to a minimum and the rest shared in proportion among the others, as the paper does
with its rare change classes (its example raises them to 75 or 100).

Points sit at pixel centres (the sample unit is a pixel), drawn without replacement, reproducibly from the
seed. They are written in random order, so labelling them in order does not walk class by class, with the
map class and an empty integer reference field (NULL) for the user's labels.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
import pyogrio
import rasterio
import shapely

from ..errors import InputError
from ..data.geo import pixel_centres_xy
from ..app.outputs import atomic_output, check_output_path
from . import DEFAULT_MIN_PER_CLASS
from .maps import ClassMap, MappedArea, count_mapped_area, open_class_map, read_strip, strips


def cochran_sample_size(weights: Union[np.ndarray, Sequence[float]], expected_ua: Union[np.ndarray, Sequence[float]],
                        target_se: float) -> int:
    """Total sample size for a target standard error of overall accuracy (Olofsson et al. 2014, eq. 13)."""
    w = np.asarray(weights, dtype=np.float64)
    u = np.asarray(expected_ua, dtype=np.float64)
    if not 0.0 < float(target_se) < 1.0:
        raise InputError(f"target standard error {target_se} is not between 0 and 1; use e.g. 0.01")
    if np.any((u <= 0) | (u > 1)):
        raise InputError(f"expected user's accuracies must be in (0, 1] (got {u.tolist()}); use e.g. 0.8")
    s = np.sqrt(u * (1 - u))
    n = float((w * s).sum() / target_se) ** 2
    return int(np.ceil(n - 1e-9))


def _largest_remainder(total: int, shares: np.ndarray) -> np.ndarray:
    """Whole numbers in proportion to ``shares`` that add up to ``total``."""
    if total <= 0 or shares.sum() <= 0:
        return np.zeros(shares.size, dtype=np.int64)
    exact = total * shares / shares.sum()
    out = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - out), kind="stable")
    out[order[: total - int(out.sum())]] += 1
    return out


def allocate(total: int, weights: Union[np.ndarray, Sequence[float]], minimum: int,
             available: Union[np.ndarray, Sequence[int]]) -> np.ndarray:
    """Per-class sample sizes: proportional to ``weights``, none below ``minimum`` (nor above the pixels a
    class has); classes raised to the minimum are taken out and the rest of ``total`` is shared again in
    proportion among the others, until no class is below the minimum. The total grows when the minimums
    alone need more than ``total``."""
    w = np.asarray(weights, dtype=np.float64)
    cap = np.asarray(available, dtype=np.int64)
    floor = np.minimum(int(minimum), cap)
    fixed = np.zeros(w.size, dtype=bool)
    while True:
        out = np.where(fixed, floor, 0)
        free = ~fixed & (cap > 0)
        out[free] = _largest_remainder(max(0, int(total) - int(out.sum())), w[free])
        low = free & (out < floor)
        if not low.any():
            break
        fixed |= low
    over = out > cap
    if over.any():  # a class smaller than its share: take all of it, share the rest among the others
        spare = int((out[over] - cap[over]).sum())
        out[over] = cap[over]
        room = np.maximum(cap - out, 0)
        out += np.minimum(room, _largest_remainder(spare, w * (room > 0)))
    return out


@dataclass
class SamplePlan:
    """How many points each class gets, and why."""

    values: np.ndarray  # class codes (K,)
    names: List[str]
    mapped_pixels: np.ndarray  # (K,)
    counts: np.ndarray  # points per class (K,)
    rule: str  # words for reports: 'N per class' or the Cochran computation
    cochran_n: Optional[int] = None
    expected_ua: Optional[np.ndarray] = None
    target_se: Optional[float] = None
    expected_se: Optional[float] = None  # SE of overall accuracy this allocation gives if the U_i hold
    notes: List[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return int(self.counts.sum())


def parse_expected_ua(spec: Union[None, str, Sequence, Mapping], cm: ClassMap,
                      values: Union[np.ndarray, Sequence[int]]) -> np.ndarray:
    """Expected user's accuracy per class from ``'0.9'`` (all classes), ``'1=0.7, 2=0.6, 0.9'`` (codes or
    class names; a bare number is the default for the others) or a mapping / list in class order."""
    values = [int(v) for v in values]
    if isinstance(spec, Mapping):
        items = [f"{k}={v}" for k, v in spec.items()]
    elif isinstance(spec, str):
        items = [t for t in spec.replace(";", ",").replace(" ", ",").split(",") if t.strip()]
    elif spec is not None and len(spec) == len(values) and all("=" not in str(t) for t in spec):
        items = [f"{v}={u}" for v, u in zip(values, spec)]
    else:
        items = [str(t) for t in (spec or [])]
    by_name = {cm.class_name(v).casefold(): v for v in values}
    default, given = None, {}
    for item in items:
        key, sep, text = item.rpartition("=")
        try:
            u = float(text)
        except ValueError:
            raise InputError(f"expected user's accuracy '{item}' is not a number; "
                             "write e.g. '0.9' or '1=0.7'") from None
        if not sep:
            default = u
            continue
        key = key.strip()
        code = int(key) if key.lstrip("-").isdigit() else by_name.get(key.casefold())
        if code not in values:
            raise InputError(f"expected user's accuracy '{item}': class '{key}' is not in map '{cm.name}' "
                             f"(classes: {', '.join(f'{v} {cm.class_name(v)}' for v in values)})")
        given[code] = u
    missing = [v for v in values if v not in given]
    if missing and default is None:
        raise InputError(f"no expected user's accuracy for class(es) {', '.join(cm.class_name(v) for v in missing)}; "
                         "give one per class (e.g. '1=0.7, 2=0.9') or one number for all")
    return np.array([given.get(v, default) for v in values], dtype=np.float64)


def plan_sample(mapped: MappedArea, cm: ClassMap, per_class: Optional[int] = None,
                expected_ua=None, target_se: float = 0.01,
                min_per_class: int = DEFAULT_MIN_PER_CLASS) -> SamplePlan:
    """Points per class: ``per_class`` in every class, or the Olofsson sample-size rule (see module doc)."""
    values, pixels = mapped.values, mapped.pixels
    if values.size == 0:
        raise InputError(f"map '{cm.name}' has no valid pixel to sample; check its nodata value")
    names = [cm.class_name(v) for v in values]
    weights = pixels / pixels.sum()
    notes: List[str] = []
    if per_class is not None:
        if int(per_class) < 1:
            raise InputError(f"points per class must be at least 1 (got {per_class})")
        counts = np.minimum(int(per_class), pixels)
        plan = SamplePlan(values, names, pixels, counts, rule=f"{int(per_class)} per class")
    else:
        if expected_ua is None:
            raise InputError("give the points per class, or the expected user's accuracies (with a target "
                             "standard error of overall accuracy) to size the sample")
        if int(min_per_class) < 0:
            raise InputError(f"minimum points per class must not be negative (got {min_per_class})")
        u = parse_expected_ua(expected_ua, cm, values)
        n = cochran_sample_size(weights, u, target_se)
        counts = allocate(n, weights, int(min_per_class), pixels)
        plan = SamplePlan(values, names, pixels, counts, cochran_n=n, expected_ua=u, target_se=float(target_se),
                          rule=(f"n = (sum W_i S_i / {target_se:g})^2 = {n} (Olofsson et al. 2014, eq. 13), "
                                f"proportional allocation with at least {int(min_per_class)} per class"))
        if plan.total > n:
            notes.append(f"the minimum of {int(min_per_class)} per class raises the sample from {n} to {plan.total}")
    small = [names[k] for k in range(values.size)
             if counts[k] == pixels[k] and counts[k] < (per_class or min_per_class)]
    if small:
        notes.append(f"class(es) {', '.join(small)} have fewer pixels than asked for: every pixel is taken")
    if plan.expected_ua is not None:
        u = plan.expected_ua
        var = np.where(counts > 0, weights ** 2 * u * (1 - u) / np.maximum(counts, 1), 0.0)
        plan.expected_se = float(np.sqrt(var.sum()))
    plan.notes = notes
    return plan


@dataclass
class SampleResult:
    path: str
    plan: SamplePlan
    seed: int
    reference_field: str


def draw_pixels(cm: ClassMap, plan: SamplePlan, seed: int):
    """Rows, columns and class codes of the sample: ``plan.counts[k]`` distinct pixels of each class, drawn
    uniformly from the class's pixels in row-major order (so the draw depends on the seed only)."""
    rng = np.random.default_rng(int(seed))
    ranks = {int(v): np.sort(rng.choice(int(n_pix), size=int(n), replace=False))
             for v, n_pix, n in zip(plan.values, plan.mapped_pixels, plan.counts) if n > 0}
    seen = {v: 0 for v in ranks}
    row_parts: List[np.ndarray] = []
    col_parts: List[np.ndarray] = []
    class_parts: List[np.ndarray] = []
    with rasterio.open(cm.path) as ds:
        for r0, n_rows in strips(cm.info):
            values, valid = read_strip(ds, cm.name, r0, n_rows)
            flat = np.where(valid, values, np.iinfo(np.int64).min).ravel()
            for v, rk in ranks.items():
                idx = np.flatnonzero(flat == v)
                lo, hi = np.searchsorted(rk, seen[v]), np.searchsorted(rk, seen[v] + idx.size)
                chosen = idx[rk[lo:hi] - seen[v]]
                seen[v] += idx.size
                row_parts.append(r0 + chosen // cm.info.width)
                col_parts.append(chosen % cm.info.width)
                class_parts.append(np.full(chosen.size, v, dtype=np.int64))
    rows, cols, classes = (np.concatenate(a) if a else np.zeros(0, np.int64)
                           for a in (row_parts, col_parts, class_parts))
    order = rng.permutation(rows.size)
    return rows[order], cols[order], classes[order]


def create_sample(map_path: str, out_path: str, per_class: Optional[int] = None, expected_ua=None,
                  target_se: float = 0.01, min_per_class: int = DEFAULT_MIN_PER_CLASS, seed: int = 0,
                  reference_field: str = "reference", overwrite: bool = False) -> SampleResult:
    """Draw a stratified random sample of the class map and write it as a point GeoPackage in the map's CRS.

    Fields: ``sample_id`` (1..n), ``map_class`` (code), ``map_name``, and ``reference_field`` left NULL for the
    user's labels (integer class codes; then assess with that field). The seed and the allocation are
    stored in the layer's metadata, so the sample can be redrawn.
    """
    if os.path.splitext(str(out_path))[1].lower() != ".gpkg":
        raise InputError(f"validation sample '{os.path.basename(str(out_path))}' must be a GeoPackage; "
                         "give a file name ending in .gpkg")
    check_output_path(out_path, overwrite, "validation sample")
    if not str(reference_field).strip() or reference_field in ("sample_id", "map_class", "map_name"):
        raise InputError(f"reference field name '{reference_field}' is empty or taken; choose e.g. 'reference'")
    cm = open_class_map(map_path)
    plan = plan_sample(count_mapped_area(cm), cm, per_class=per_class, expected_ua=expected_ua,
                       target_se=target_se, min_per_class=min_per_class)
    rows, cols, classes = draw_pixels(cm, plan, seed)
    xs, ys = pixel_centres_xy(cm.info.transform, rows + 0.5, cols + 0.5)
    geometry = shapely.to_wkb(shapely.points(xs, ys))
    n = rows.size
    names = np.array([cm.class_name(v) for v in classes], dtype=object)
    field_data = [np.arange(1, n + 1, dtype=np.int32), classes.astype(np.int32), names,
                  np.zeros(n, dtype=np.int32)]
    masks = [None, None, None, np.ones(n, dtype=bool)]  # the reference field starts NULL everywhere
    meta: Dict[str, str] = {
        "STSSL_SAMPLE_MAP": cm.name, "STSSL_SAMPLE_SEED": str(int(seed)), "STSSL_SAMPLE_RULE": plan.rule,
        "STSSL_SAMPLE_COUNTS": json.dumps({str(int(v)): int(c) for v, c in zip(plan.values, plan.counts)}),
    }
    crs = cm.info.crs.to_wkt() if cm.info.crs is not None and cm.crs is not None else None
    with atomic_output(out_path, overwrite, "validation sample") as tmp:
        pyogrio.raw.write(tmp, geometry=np.asarray(geometry, dtype=object), field_data=field_data,
                          fields=["sample_id", "map_class", "map_name", reference_field], field_mask=masks,
                          layer="validation_sample", driver="GPKG", geometry_type="Point", crs=crs,
                          layer_metadata=meta)
    return SampleResult(path=str(out_path), plan=plan, seed=int(seed), reference_field=reference_field)
