# SPDX-License-Identifier: GPL-2.0-or-later
"""The model file's schema, checked once when a file is opened.

A model file is a ``torch.save`` of plain values and tensors (see :mod:`core.app.modelfile`). A file with the
right format tag can still be damaged or edited: a missing ``config``, a ``format_version`` of "abc", band
statistics of the wrong length. Every value the engine reads later is checked here first, so such a file
gives one :class:`ModelFileError` naming the file and the field, never a KeyError or ValueError from deep
inside prediction or resume.
"""
from __future__ import annotations

import math
import os
from dataclasses import fields
from typing import Any, Dict, Optional, TypeGuard

import torch

from ..errors import ModelFileError
from ..models.network import NetworkConfig
from ..params import BACKBONES, ENCODINGS, METADATA_MODES, NORMALIZATIONS, PRESTO_STUDENT_VIEWS

FORMAT = "spatiotemporal-ssl-model"
FORMAT_VERSION = 1

_NETWORK_FIELDS = {f.name: f for f in fields(NetworkConfig)}
_REQUIRED_NETWORK = ("backbone", "size", "in_channels", "tile_size_px", "num_classes")
# Keys of files written before a rename, which NetworkConfig.from_dict maps ("meta_mode" -> "metadata_role").
_OLD_NETWORK_KEYS = ("meta_mode",)
_RESUME_KEYS = ("step", "model", "ema", "optimizer", "scheduler")


class _Damaged(Exception):
    """One problem, with the field it is in (the message is completed with the file name by the caller)."""


def _need(cond: bool, field: str, problem: str) -> None:
    if not cond:
        raise _Damaged(f"'{field}' {problem}")


def _is_int(v: Any) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) and math.isfinite(float(v))


def _positive_int(d: dict, key: str, where: str) -> int:
    v = d.get(key)
    if not (_is_int(v) and v >= 1):
        raise _Damaged(f"'{where}{key}' must be a whole number of at least 1 (found {v!r})")
    return v


def _check_tensors(state: Any, field: str) -> None:
    _need(isinstance(state, dict) and len(state) > 0, field, "must hold the network's weights")
    for k, v in state.items():
        _need(isinstance(k, str) and isinstance(v, torch.Tensor), field, f"holds a non-tensor entry {str(k)[:40]!r}")
        _need(bool(torch.isfinite(v).all()) if v.is_floating_point() else True, field,
              f"holds non-finite weights in {k[:40]!r}")


def _check_network(cfg: Any, field: str, band_count: int, tile: int, n_classes: int) -> None:
    _need(isinstance(cfg, dict), field, "is missing or not a table")
    for key in _REQUIRED_NETWORK:
        _need(key in cfg, f"{field}.{key}", "is missing")
    unknown = sorted(set(cfg) - set(_NETWORK_FIELDS) - set(_OLD_NETWORK_KEYS))
    _need(not unknown, field, f"has unknown entries {unknown[:5]}")
    _need(cfg["backbone"] in BACKBONES, f"{field}.backbone",
          f"is {cfg['backbone']!r}, not one of {', '.join(BACKBONES)}")
    _need(isinstance(cfg["size"], str), f"{field}.size", "is not a name")
    for key in ("in_channels", "tile_size_px", "num_classes", "loc_dim", "date_dim"):
        if key in cfg:
            _need(_is_int(cfg[key]) and cfg[key] >= 0, f"{field}.{key}", f"must be a whole number (found {cfg[key]!r})")
    _need(cfg["in_channels"] == band_count, f"{field}.in_channels",
          f"is {cfg['in_channels']}, not band_count {band_count}")
    _need(cfg["tile_size_px"] == tile, f"{field}.tile_size_px", f"is {cfg['tile_size_px']}, not tile_size_px {tile}")
    _need(cfg["num_classes"] == n_classes, f"{field}.num_classes",
          f"is {cfg['num_classes']}, not the {n_classes} classes")
    for key in ("meta_mode", "metadata_role", "film_stages"):
        if key in cfg:
            _need(isinstance(cfg[key], str), f"{field}.{key}", "is not a name")
    if "token_film" in cfg:
        _need(isinstance(cfg["token_film"], bool), f"{field}.token_film", "is not true/false")
    if cfg["backbone"] == "presto" or cfg.get("presto") is not None:
        _check_presto(cfg.get("presto"), f"{field}.presto", band_count)


def _check_presto(spec: Any, field: str, band_count: int) -> None:
    """The Presto backbone's spec (core.models.presto_backbone.make_presto_spec): bands, timesteps, roles,
    scaling, statistics of every channel, pooling and the student's view."""
    if not isinstance(spec, dict):
        raise _Damaged(f"'{field}' is missing or not a table (a Presto network needs it)")
    for key in ("band_names", "timesteps", "roles", "scaling", "band_mean", "band_std", "temporal_pool",
                "student_view"):
        _need(key in spec, f"{field}.{key}", "is missing")
    names = spec["band_names"]
    _need(isinstance(names, list) and len(names) > 0 and all(isinstance(n, str) for n in names),
          f"{field}.band_names", "must be a non-empty list of band names")
    timesteps = _positive_int(spec, "timesteps", f"{field}.")
    _positive_int(spec, "temporal_pool", f"{field}.")
    _need(timesteps * len(names) == band_count, f"{field}.timesteps",
          f"is {timesteps}: {timesteps} x {len(names)} bands is not band_count {band_count}")
    _need(isinstance(spec["roles"], dict), f"{field}.roles", "is not a table")
    _need(isinstance(spec["scaling"], dict) and isinstance(spec["scaling"].get("kind"), str), f"{field}.scaling",
          "is not a table with a 'kind'")
    for key in ("band_mean", "band_std"):
        values = spec[key]
        _need(isinstance(values, list) and len(values) == band_count and all(_is_number(x) for x in values),
              f"{field}.{key}", f"must be {band_count} finite numbers, one per channel")
    _need(all(float(x) > 0 for x in spec["band_std"]), f"{field}.band_std", "must be positive")
    _need(spec["student_view"] in PRESTO_STUDENT_VIEWS, f"{field}.student_view",
          f"is {spec['student_view']!r}, not one of {', '.join(PRESTO_STUDENT_VIEWS)}")


def _check_classes(classes: Any) -> int:
    _need(isinstance(classes, list) and len(classes) > 0, "config.classes", "must be a non-empty list")
    seen = set()
    for i, c in enumerate(classes):
        where = f"config.classes[{i}]"
        _need(isinstance(c, dict), where, "is not a table")
        _need(_is_int(c.get("value")) and 0 <= c["value"] <= 65534, f"{where}.value",
              f"must be a class code in 0..65534 (found {c.get('value')!r})")
        _need(c["value"] not in seen, f"{where}.value", f"repeats class code {c['value']}")
        seen.add(c["value"])
        _need(isinstance(c.get("name"), str), f"{where}.name", "is missing or not text")
        color = c.get("color")
        _need(isinstance(color, list) and len(color) in (3, 4) and all(_is_int(v) and 0 <= v <= 255 for v in color),
              f"{where}.color", f"must be 3 numbers 0..255 (found {color!r})")
    return len(classes)


def _check_band_stats(stats: Any, band_count: int) -> None:
    _need(isinstance(stats, dict), "config.band_stats", "is missing or not a table")
    for key in ("mean", "std"):
        v = stats.get(key)
        _need(isinstance(v, list) and len(v) == band_count and all(_is_number(x) for x in v),
              f"config.band_stats.{key}", f"must be {band_count} finite numbers, one per band")
    _need(all(float(x) > 0 for x in stats["std"]), "config.band_stats.std", "must be positive")


def _check_training_state(state: Any) -> None:
    _need(isinstance(state, dict), "training_state", "is not a table")
    for key in _RESUME_KEYS:
        _need(key in state, f"training_state.{key}", "is missing")
    _need(_is_int(state["step"]) and state["step"] >= 0, "training_state.step",
          f"is not a step count ({state['step']!r})")
    _check_tensors(state["model"], "training_state.model")
    _check_tensors(state["ema"], "training_state.ema")
    for key in ("optimizer", "scheduler"):
        _need(isinstance(state[key], dict), f"training_state.{key}", "is not a table")


def exception_detail(exc: BaseException, limit: int = 200) -> str:
    """The informative line of an error, for a message: torch's load_state_dict puts a header first
    ("Error(s) in loading state_dict for X:") and the cause ("size mismatch for ...") on the next line."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].endswith(":"):
        lines = lines[1:]
    text = lines[0] if lines else ""
    if isinstance(exc, KeyError) or not text:
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text[:limit]


def format_version(blob: Dict[str, Any], name: str) -> int:
    """The file's format version as a number, or :class:`ModelFileError` for a newer or malformed one."""
    raw = blob.get("format_version")
    if not _is_int(raw):
        raise ModelFileError(f"model file '{name}' is damaged: 'format_version' is {raw!r}, not a whole number; "
                             "retrain the model or use another copy of the file")
    if raw > FORMAT_VERSION:
        raise ModelFileError(f"model file '{name}' was written by a newer version (format {raw}; this one reads up "
                             f"to {FORMAT_VERSION}); update the plugin")
    if raw < 1:
        raise ModelFileError(f"model file '{name}' is damaged: 'format_version' is {raw}; retrain the model")
    return raw


def validate_model_blob(blob: Any, path: str) -> None:
    """Check everything the engine reads from a loaded model file; raise :class:`ModelFileError` otherwise."""
    name = os.path.basename(str(path))
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise ModelFileError(f"'{name}' is a PyTorch file but not a Spatiotemporal SSL model; "
                             "use a file written by 'stssl train' or the plugin")
    format_version(blob, name)
    try:
        config = blob.get("config")
        if not isinstance(config, dict):
            raise _Damaged("'config' is missing or not a table")
        band_count = _positive_int(config, "band_count", "config.")
        tile = _positive_int(config, "tile_size_px", "config.")
        stride = _positive_int(config, "stride_px", "config.")
        _need(stride <= tile, "config.stride_px", f"is {stride}, larger than tile_size_px {tile}")
        n_classes = _check_classes(config.get("classes"))
        _check_band_stats(config.get("band_stats"), band_count)
        normalization = config.get("normalization")
        if normalization is not None:  # files from before the option scale every raster with band_stats
            _need(isinstance(normalization, dict) and normalization.get("mode") in NORMALIZATIONS,
                  "config.normalization", f"must name one of {', '.join(NORMALIZATIONS)}")
        encoding: Optional[dict] = config.get("encoding")
        if encoding is not None:
            _need(isinstance(encoding, dict) and encoding.get("name") in ENCODINGS, "config.encoding",
                  f"must name one of {', '.join(ENCODINGS)}")
            if "sh_degree" in encoding:
                _need(_is_int(encoding["sh_degree"]) and encoding["sh_degree"] >= 0, "config.encoding.sh_degree",
                      f"must be a whole number >= 0 (found {encoding['sh_degree']!r})")
        if "metadata_mode" in config:  # written by files from before the options table, not read any more
            _need(config["metadata_mode"] in METADATA_MODES, "config.metadata_mode",
                  f"must be one of {', '.join(METADATA_MODES)} (found {config.get('metadata_mode')!r})")
        _need(isinstance(config.get("multi_label"), bool), "config.multi_label", "is missing or not true/false")
        _check_network(config.get("student_config"), "config.student_config", band_count, tile, n_classes)
        _check_tensors(blob.get("student"), "student")
        if blob.get("teacher") is not None or config.get("teacher_config") is not None:
            _check_network(config.get("teacher_config"), "config.teacher_config", band_count, tile, n_classes)
            _check_tensors(blob.get("teacher"), "teacher")
        for key, kind in (("options", dict), ("provenance", list), ("report", dict)):
            if config.get(key) is not None:
                _need(isinstance(config[key], kind), f"config.{key}", f"is not a {'table' if kind is dict else 'list'}")
        if blob.get("training_state") is not None:
            _check_training_state(blob["training_state"])
    except _Damaged as exc:
        raise ModelFileError(f"model file '{name}' is damaged: {exc}; retrain the model or use another copy "
                             "of the file") from None
