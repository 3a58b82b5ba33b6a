# SPDX-License-Identifier: GPL-2.0-or-later
"""Reading a patch set (``.npz``) for ``stssl evaluate``, with every key checked before any of it is used.

Format: ``images`` (N, C, H, W) real numbers; ``labels`` (N,) class index 0..K-1, -1 for none (or (N, K)
multi-hot of 0/1, a row of -1 for none); ``split`` (N,) 'labeled' | 'unlabeled' | 'test'; ``lat``, ``lon`` (N,)
degrees WGS84, NaN unknown; ``date`` (N,) 'YYYY-MM-DD' or '' unknown; optional ``class_names`` (K,) and
``diagnostic_labels`` (N,). Optional keys for a time series stacked as channels (date-major, C = T x B):
``band_names`` (B,) the bands of one timestep and ``timestep_dates`` (N, T) 'YYYY-MM-DD' (or (T,) for every
tile). A file without them runs unchanged; ``--band-names`` / ``--timestep-dates`` stand in for missing keys
(:func:`series_description`). The Presto backbone needs the band names; its teacher reads the timesteps' months.

The file is read with ``allow_pickle=False``, so an object array is refused, never unpickled. A label beyond
the class names, a negative label other than -1, fractional labels, multi-hot values other than 0/1, complex
images, empty tiles and a set without one valid pixel are each an :class:`InputError` naming the file and
the key. Tiles without any valid pixel (all NaN) are dropped from training and scoring and counted.
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..data.dates import parse_date
from ..data.series import parse_name_list, parse_timestep_dates, split_series, timestep_months
from ..errors import InputError
from ..learning.metrics import class_names_or_default

REQUIRED_KEYS = ("images", "labels", "split", "lat", "lon", "date")
SPLITS = ("labeled", "unlabeled", "test")


def _day_of_year(dates: np.ndarray, name: str) -> np.ndarray:
    out = np.full(len(dates), np.nan)
    cache: Dict[str, float] = {}
    for i, text in enumerate(dates):
        text = str(text)
        if text not in cache:
            d = parse_date(text, f"'date' in patch set '{name}' holds")
            cache[text] = float(d.timetuple().tm_yday) if d is not None else np.nan
        out[i] = cache[text]
    return out


def _kind(arr: np.ndarray) -> str:
    """What an array holds, in words: 'text', 'true/false', or its numeric type."""
    return {"U": "text", "S": "text", "b": "true/false", "c": "complex", "O": "object"}.get(arr.dtype.kind,
                                                                                         arr.dtype.name)


def _read(npz, key: str, name: str) -> np.ndarray:
    try:
        return np.asarray(npz[key])
    except ValueError as exc:  # numpy refuses object arrays without allow_pickle
        raise InputError(f"'{key}' in patch set '{name}' is an object array (pickled Python objects), which is not "
                         "read because unpickling can run code; save it as a numeric or string array") from exc
    except Exception as exc:  # noqa: BLE001 - a damaged member of the zip
        raise InputError(f"'{key}' in patch set '{name}' cannot be read ({type(exc).__name__}: {exc}); "
                         "write the set again with numpy.savez") from exc


def _one_per_tile(arr: np.ndarray, key: str, name: str, n: int) -> None:
    if arr.ndim != 1:
        raise InputError(f"'{key}' in patch set '{name}' must have one value per tile, shape ({n},); got shape "
                         f"{arr.shape}")
    if arr.shape[0] != n:
        raise InputError(f"'{key}' in '{name}' has {arr.shape[0]} entries but 'images' has {n}")


def _check_images(images: np.ndarray, name: str) -> None:
    if images.ndim != 4:
        raise InputError(f"'images' in '{name}' must be (N, C, H, W), got shape {images.shape}")
    if images.dtype.kind == "c":
        raise InputError(f"'images' in '{name}' are complex numbers ({images.dtype}); give real values, e.g. the "
                         "magnitude (numpy.abs) or the bands' real and imaginary parts as separate bands")
    if images.dtype.kind not in "biuf":
        raise InputError(f"'images' in '{name}' are {_kind(images)} values; give numbers (integers or floats)")
    n, c, h, w = images.shape
    if min(n, c) < 1 or min(h, w) < 1:
        raise InputError(f"'images' in '{name}' have shape {images.shape}: it needs at least one tile, one band "
                         "and tiles of at least 1 x 1 pixel")
    if h != w:
        raise InputError(f"'images' in '{name}' have tiles of {h} x {w} pixels; tiles must be square")


def _check_single_labels(labels: np.ndarray, names: List[str], name: str) -> int:
    """Whole class indices 0..K-1 or -1; returns K."""
    if labels.dtype.kind not in "iuf":
        raise InputError(f"'labels' in '{name}' are {_kind(labels)} values; give class indices 0..K-1 as integers "
                         "(-1 for none), and the class names as 'class_names'")
    if labels.dtype.kind == "f":
        bad = labels[~np.isfinite(labels) | (labels != np.round(labels))] if labels.size else labels
        if bad.size:
            raise InputError(f"'labels' in '{name}' hold non-integer values such as {bad[0]!r}; give whole class "
                             "indices 0..K-1 (-1 for none)")
    values = labels.astype(np.int64)
    low = values[values < -1]
    if low.size:
        raise InputError(f"'labels' in '{name}' hold {int(low[0])}; class indices are 0..K-1, and -1 (only -1) "
                         "marks an unlabelled tile")
    used = np.unique(values[values >= 0])
    if names:
        beyond = used[used >= len(names)]
        if beyond.size:
            raise InputError(f"'labels' in '{name}' hold class {int(beyond[0])}, but 'class_names' names only "
                             f"{len(names)} classes (0..{len(names) - 1}); fix the labels or add the names")
        return len(names)
    if used.size and used[-1] + 1 > used.size:
        missing = sorted(set(range(int(used[-1]) + 1)) - set(used.tolist()))
        shown = ", ".join(str(m) for m in missing[:8]) + (" ..." if len(missing) > 8 else "")
        raise InputError(f"'labels' in '{name}' go up to class {int(used[-1])} but never use class(es) {shown}; "
                         "number the classes 0..K-1 without gaps, or give 'class_names' for all of them")
    return int(used.size)


def _check_multi_labels(labels: np.ndarray, names: List[str], name: str) -> int:
    """Multi-hot rows of 0/1, or a row of -1 for an unlabelled tile; returns K."""
    if labels.dtype.kind not in "biuf":
        raise InputError(f"'labels' in '{name}' are {_kind(labels)} values; give multi-hot rows of 0 and 1 "
                         "(a row of -1 for none)")
    k = labels.shape[1]
    if k < 1:
        raise InputError(f"'labels' in '{name}' have shape {labels.shape}: multi-hot rows need at least one class")
    values = labels.astype(np.float64)
    unlabelled = np.all(values == -1, axis=1)
    ok = np.isin(values[~unlabelled], (0.0, 1.0))
    if not ok.all():
        bad = values[~unlabelled][~ok][0]
        raise InputError(f"'labels' in '{name}' (multi-hot) hold {bad:g}; each class is 0 (absent) or 1 (present), "
                         "and an unlabelled tile is a row of -1")
    if names and len(names) != k:
        raise InputError(f"'class_names' in '{name}' names {len(names)} classes but the multi-hot 'labels' have {k}")
    return k


def _coordinates(arr: np.ndarray, key: str, name: str, limit: float) -> np.ndarray:
    if arr.dtype.kind not in "iuf":
        raise InputError(f"'{key}' in '{name}' are {_kind(arr)} values; give degrees as numbers (NaN for unknown)")
    values = arr.astype(np.float64)
    finite = values[np.isfinite(values)]
    if finite.size and np.abs(finite).max() > limit:
        raise InputError(f"'{key}' in '{name}' holds {finite[np.abs(finite) > limit][0]:g}, outside +/-{limit:g} "
                         "degrees; give WGS84 degrees (NaN for unknown)")
    return np.where(np.isfinite(values), values, np.nan)


def _band_names(npz, files: List[str], name: str) -> Optional[List[str]]:
    if "band_names" not in files:
        return None
    arr = _read(npz, "band_names", name)
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "US":
        raise InputError(f"'band_names' in '{name}' must be the names of one timestep's bands, text of shape (B,); "
                         f"got {_kind(arr)} values of shape {arr.shape}")
    return [str(b) for b in arr]


def _timestep_dates(npz, files: List[str], name: str, n: int) -> Optional[np.ndarray]:
    if "timestep_dates" not in files:
        return None
    dates = _read(npz, "timestep_dates", name)
    if dates.size and dates.dtype.kind not in "US":
        raise InputError(f"'timestep_dates' in '{name}' are {_kind(dates)} values; give text 'YYYY-MM-DD'")
    dates = dates.astype(str)
    if dates.ndim == 1:
        dates = np.broadcast_to(dates, (n, len(dates)))
    if dates.ndim != 2 or dates.shape[0] != n or dates.shape[1] < 1:
        raise InputError(f"'timestep_dates' in '{name}' must be (N, T) or (T,) with N = {n} tiles, got {dates.shape}")
    return dates


def series_description(ps: dict, band_names: Union[str, Sequence[str], None] = None,
                       timestep_dates: Union[str, Sequence[str], None] = None
                       ) -> Tuple[List[str], int, Optional[np.ndarray]]:
    """(band names, T, months (N, T) or None) of a loaded patch set; arguments stand in for missing keys."""
    name = f"patch set '{ps['name']}'"
    names = ps["band_names"] or parse_name_list(band_names, "band names")
    if not names:
        raise InputError(f"{name} has no 'band_names' key; give the bands of one timestep with --band-names "
                         "(e.g. --band-names blue,green,red,nir)")
    t = split_series(ps["images"].shape[1], names, name)
    dates = ps["timestep_dates"]
    given = parse_timestep_dates(timestep_dates) if dates is None else None
    if given is not None:
        if len(given) != t:
            raise InputError(f"--timestep-dates gives {len(given)} dates for {t} timesteps of {name}")
        dates = np.broadcast_to(np.array(given), (ps["images"].shape[0], t))
    if dates is None and t == 1:
        dates = ps["date"].reshape(-1, 1)
    if dates is not None and dates.shape[1] != t:
        raise InputError(f"{name}: 'timestep_dates' has {dates.shape[1]} dates per tile for {t} timesteps")
    return names, t, (timestep_months(dates) if dates is not None else None)


def load_patch_set(path: str) -> dict:
    """Read and check a patch set. Errors name the file and the key."""
    if not os.path.exists(path):
        raise InputError(f"patch set '{path}' does not exist; check the path")
    name = os.path.basename(path)
    try:
        npz = np.load(path, allow_pickle=False)
        files = list(npz.files)
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"patch set '{path}' is not a readable .npz ({type(exc).__name__}: {exc}); "
                         "write it with numpy.savez") from exc
    missing = [k for k in REQUIRED_KEYS if k not in files]
    if missing:
        raise InputError(f"patch set '{name}' lacks {', '.join(missing)}; see 'stssl evaluate --help' for the format")
    images = _read(npz, "images", name)
    _check_images(images, name)
    n = images.shape[0]
    split_raw = _read(npz, "split", name)
    _one_per_tile(split_raw, "split", name, n)
    if split_raw.dtype.kind not in "US":
        raise InputError(f"'split' in '{name}' are {_kind(split_raw)} values; give text: 'labeled', 'unlabeled' "
                         "or 'test'")
    split = split_raw.astype(str)
    bad = sorted(set(split) - set(SPLITS))
    if bad:
        raise InputError(f"'split' in '{name}' has values {bad[:5]}; use 'labeled', 'unlabeled' or 'test'")
    names_raw = _read(npz, "class_names", name) if "class_names" in files else np.zeros(0, dtype=str)
    if names_raw.ndim != 1 or (names_raw.size and names_raw.dtype.kind not in "US"):
        raise InputError(f"'class_names' in '{name}' must be a list of names, shape (K,); got {_kind(names_raw)} "
                         f"values of shape {names_raw.shape}")
    names = [str(s) for s in names_raw]
    labels = _read(npz, "labels", name)
    if labels.ndim not in (1, 2) or labels.shape[0] != n:
        raise InputError(f"'labels' in '{name}' must be ({n},) class indices or ({n}, K) multi-hot rows; got shape "
                         f"{labels.shape}")
    multi = labels.ndim == 2
    num_classes = _check_multi_labels(labels, names, name) if multi else _check_single_labels(labels, names, name)
    labels = labels.astype(np.float32 if multi else np.int64)
    coords = {}
    for key, limit in (("lat", 90.0), ("lon", 180.0)):
        arr = _read(npz, key, name)
        _one_per_tile(arr, key, name, n)
        coords[key] = _coordinates(arr, key, name, limit)
    dates = _read(npz, "date", name)
    _one_per_tile(dates, "date", name, n)
    diagnostic = None
    if "diagnostic_labels" in files and not multi:
        diagnostic = _read(npz, "diagnostic_labels", name)
        _one_per_tile(diagnostic, "diagnostic_labels", name, n)
        if diagnostic.dtype.kind not in "iu":
            raise InputError(f"'diagnostic_labels' in '{name}' must be integer class indices (-1 for none)")
        diagnostic = diagnostic.astype(np.int64)
    # A tile with no finite pixel in any band is nodata throughout: it cannot be trained on or scored.
    with np.errstate(invalid="ignore"):
        has_data = np.isfinite(images).all(axis=1).any(axis=(1, 2)) if images.dtype.kind == "f" else np.ones(n, bool)
    if not has_data.any():
        raise InputError(f"'images' in patch set '{name}' have no valid pixel (every value is NaN or infinite); "
                         "check how the set was written")
    return {
        "name": name, "path": path, "date": dates.astype(str), "images": images, "labels": labels, "split": split,
        "lat": coords["lat"], "lon": coords["lon"],
        "doy": _day_of_year(dates, name), "multi_label": multi, "num_classes": num_classes,
        "class_names": class_names_or_default(names, num_classes),
        # Optional: true classes of unlabelled tiles, used only to measure pseudo-label accuracy.
        "diagnostic_labels": diagnostic,
        "has_data": has_data,
        "band_names": _band_names(npz, files, name),
        "timestep_dates": _timestep_dates(npz, files, name, n),
        "no_data_tiles": {s: int(((split == s) & ~has_data).sum()) for s in SPLITS},
    }
