# SPDX-License-Identifier: GPL-2.0-or-later
"""The class table: from the label values a user wrote (codes or names) to classes with values, names and colours."""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence

import numpy as np

from ...app.palette import default_colors
from ...errors import InputError
from ...params import ClassSpec
from .vectors import clean_value

def _as_code(value: Any) -> Optional[int]:
    """The integer class code a value stands for (3, 3.0, '3'), or None for a name."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def build_class_table(values: Iterable[Any]) -> List[ClassSpec]:
    """The class table for a set of label values (repeats allowed).

    Numeric codes that all fit a class raster (1..65535) keep their value, so the output map uses the user's
    own codes; otherwise classes are numbered 1..K in sorted order (0 stays free for nodata). Names are the
    values as text; colours come from :mod:`core.app.palette`.
    """
    distinct = []
    seen = set()
    for v in values:
        v = clean_value(v)
        if v is None:
            continue
        key = str(v)
        if key not in seen:
            seen.add(key)
            distinct.append(v)
    if not distinct:
        raise InputError("the labels hold no class values; fill in the class field")
    codes = [_as_code(v) for v in distinct]
    int_codes = [c for c in codes if c is not None]
    if len(int_codes) == len(codes):  # every value is a whole number
        order = sorted(range(len(distinct)), key=lambda i: int_codes[i])
        names = [str(int_codes[i]) for i in order]
        if all(1 <= int_codes[i] <= 65535 for i in order):
            class_values = [int_codes[i] for i in order]
        else:
            class_values = list(range(1, len(order) + 1))
    else:
        names = sorted((str(v) for v in distinct), key=lambda s: (s.casefold(), s))
        class_values = list(range(1, len(names) + 1))
    colors = default_colors(names)
    return [ClassSpec(value=int(v), name=n, color=c) for v, n, c in zip(class_values, names, colors)]


def class_indices(values: Sequence[Any], classes: Sequence[ClassSpec], source: str) -> np.ndarray:
    """Column in ``classes`` of each label value: int64 (n,).

    A value matches a class by name (exactly, then ignoring case), and a numeric value also by class value,
    so labels stored as codes match a palette with names. Raises :class:`InputError` naming ``source`` for
    values that match no class.
    """
    by_name = {c.name: k for k, c in enumerate(classes)}
    by_folded: Dict[str, int] = {}
    for col, c in enumerate(classes):
        by_folded.setdefault(c.name.casefold(), col)
    by_value = {int(c.value): k for k, c in enumerate(classes)}
    cache: dict = {}
    out = np.empty(len(values), dtype=np.int64)
    unknown: List[str] = []
    for i, raw in enumerate(values):
        v = clean_value(raw)
        key = str(v)
        if key not in cache:
            k = by_name.get(key)
            if k is None:
                k = by_folded.get(key.casefold())
            code = None if isinstance(v, str) else _as_code(v)
            if k is None and code is not None:
                k = by_value.get(code)
            cache[key] = -1 if k is None else k
            if k is None:
                unknown.append(key)
        out[i] = cache[key]
    if unknown:
        raise InputError(
            f"{source}: class value(s) {', '.join(repr(u) for u in unknown[:10])} are not in the class table "
            f"({', '.join(c.name for c in classes)}); add them to the classes or fix the labels"
        )
    return out


# ----------------------------------------------------------------------------------------------- coverage
