# SPDX-License-Identifier: GPL-2.0-or-later
"""Default class colours: ESA WorldCover's legend, name matching, and distinct colours for everything else.

A class map is read by colour first, so a class called 'forest' should look like forest without the user
choosing a colour. The WorldCover legend is a widely recognised land-cover palette (ESA WorldCover 10 m
2020/2021 product user manual, Table 1); other names get generated colours that stay apart from the ones
already in use.
"""
from __future__ import annotations

import colorsys
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

RGB = Tuple[int, int, int]


def _hex(code: str) -> RGB:
    return (int(code[0:2], 16), int(code[2:4], 16), int(code[4:6], 16))


# ESA WorldCover classes (code: name, colour).
WORLDCOVER: Dict[int, Tuple[str, RGB]] = {
    10: ("Tree cover", _hex("006400")),
    20: ("Shrubland", _hex("ffbb22")),
    30: ("Grassland", _hex("ffff4c")),
    40: ("Cropland", _hex("f096ff")),
    50: ("Built-up", _hex("fa0000")),
    60: ("Bare / sparse vegetation", _hex("b4b4b4")),
    70: ("Snow and ice", _hex("f0f0f0")),
    80: ("Permanent water bodies", _hex("0064c8")),
    90: ("Herbaceous wetland", _hex("0096a0")),
    95: ("Mangroves", _hex("00cf75")),
    100: ("Moss and lichen", _hex("fae6a0")),
}

# Word stems that users commonly give classes, mapped to the WorldCover class they look like. A stem matches
# the start of a word ('agricult' matches 'Agricultural'). Order matters: the first stem found wins, so
# 'herbaceous wetland' is a wetland and 'mangrove forest' a mangrove.
_NAME_STEMS: Sequence[Tuple[Tuple[str, ...], int]] = (
    (("mangrove",), 95),
    (("wetland", "marsh", "swamp", "bog", "peat"), 90),
    (("moss", "lichen", "tundra"), 100),
    (("snow", "ice", "glacier"), 70),
    (("water", "river", "lake", "ocean", "reservoir", "pond"), 80),
    (("tree", "forest", "wood"), 10),
    (("shrub", "bush", "scrub"), 20),
    (("crop", "agricult", "farm", "arable", "orchard", "vineyard", "paddy"), 40),
    (("grass", "herbaceous", "pasture", "meadow", "prairie", "savanna"), 30),
    (("built", "urban", "developed", "settlement", "building", "impervious", "road", "city", "artificial"), 50),
    (("bare", "sparse", "sediment", "sand", "rock", "soil", "desert", "beach", "dune", "gravel"), 60),
)


def worldcover_color(name: str) -> Optional[RGB]:
    """The WorldCover colour whose class a name resembles (case-insensitive word stems), or None."""
    text = str(name).strip().lower()
    for wc_name, color in WORLDCOVER.values():
        if text == wc_name.lower():
            return color
    words = re.findall(r"[a-z]+", text)
    for stems, code in _NAME_STEMS:
        if any(word.startswith(stem) for stem in stems for word in words):
            return WORLDCOVER[code][1]
    return None


def _distance(a: RGB, b: RGB) -> float:
    # "Redmean" approximation of perceived colour difference: cheap and far better than plain RGB distance.
    rmean = (a[0] + b[0]) / 2.0
    dr, dg, db = a[0] - b[0], a[1] - b[1], a[2] - b[2]
    return ((2 + rmean / 256) * dr * dr + 4 * dg * dg + (2 + (255 - rmean) / 256) * db * db) ** 0.5


def distinct_colors(count: int, avoid: Iterable[RGB] = ()) -> List[RGB]:
    """``count`` deterministic colours, each as far as possible from ``avoid`` and from each other.

    Candidates step around the hue circle by the golden ratio at a few saturation/brightness levels; each pick
    is the candidate furthest from every colour already used, so a legend stays readable as classes are added.
    """
    used = list(avoid)
    candidates: List[RGB] = []
    for i in range(max(64, 8 * count)):
        hue = (i * 0.618033988749895) % 1.0
        sat, val = ((0.75, 0.9), (0.55, 0.7), (0.9, 0.6), (0.4, 0.95))[i % 4]
        r, g, b = colorsys.hsv_to_rgb(hue, sat, val)
        candidates.append((int(round(r * 255)), int(round(g * 255)), int(round(b * 255))))
    picked: List[RGB] = []
    for _ in range(count):
        if used:
            best = max(candidates, key=lambda c: min(_distance(c, u) for u in used))
        else:
            best = candidates[0]
        candidates.remove(best)
        picked.append(best)
        used.append(best)
    return picked


def default_colors(names: Sequence[str]) -> List[RGB]:
    """A colour per class name: its WorldCover look-alike when it has one and no earlier class took that
    colour, otherwise a generated colour distinct from all others."""
    colors: List[Optional[RGB]] = []
    taken: List[RGB] = []
    for name in names:
        color = worldcover_color(name)
        if color is not None and color not in taken:
            taken.append(color)
            colors.append(color)
        else:
            colors.append(None)
    missing = [i for i, c in enumerate(colors) if c is None]
    for i, color in zip(missing, distinct_colors(len(missing), avoid=taken)):
        colors[i] = color
    return [c for c in colors if c is not None]
