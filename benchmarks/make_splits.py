# SPDX-License-Identifier: GPL-2.0-or-later
"""Build honest `stssl evaluate` patch sets from the real data in ../shared/data (and the bundled Raleigh sample).

    python benchmarks/make_splits.py                      # every set, budgets 5/10/25, seeds 0-4
    python benchmarks/make_splits.py --sets mt_random --budgets 10 --seeds 0

Each set is written to ``benchmarks/out/splits/<set>_k<labels per class>_s<seed>.npz`` in the patch-set format of
``stssl evaluate`` (images, labels, split, lat, lon, date, class_names) plus three keys the engine may ignore:
``location_id``, ``diagnostic_labels`` (the true label of every row, including the unlabelled pool, for pseudo-label
diagnostics only; training must never read it) and ``set_info`` (a JSON description of the split rule and sources);
the series sets (``mtts_*``) also carry the optional keys of the patch-set format for time series: ``band_names`` (the
bands of one timestep) and ``timestep_dates`` ((N, T) dates of every timestep of every row).

The split rules follow ../shared/data/README.md:
- every sample of one location is on one side of the split (group by ``location_id``);
- test locations are never in the unlabelled pool, and the unlabelled pool comes from the training domain only
  (training season, training region): the shifted domain is not seen in any form before the test;
- the teacher gets the day of year, never the calendar year (the engine's encodings use day of year only);
- a "labels per class" budget of k means k labelled observations per class, each from a different location where
  the training side has k locations of that class (otherwise locations are reused at other dates).

Mato Grosso sets use the four coarse classes (Cerrado, Forest, Pasture, Agriculture) and come at two levels:
- ``mtts_*``: one row per sample, its year-long series (23 dates x 6 bands) stacked as the channels of a 1x1 px
  image. A pixel model can learn the classes from it (logistic regression on 10 labels per class: ~0.8 accuracy).
  A series has no single date, so the date is unknown and the teacher sees the location only: these are the
  spatial-shift sets.
- ``mt_*``: one row per sample and date, a single-date 1x1 px pixel with its date: what a user's single-date raster
  gives. From one date even plentiful labels give only ~0.45 balanced accuracy, so this level is used where the
  date is the point: the seasonal shift.
Splits:
- ``mtts_random`` / ``mt_random``: in distribution; 30 % of locations (stratified by class) are test.
- ``mtts_blocks`` / ``mt_blocks``: 1-degree blocks held out; random blocks until about 30 % of locations are test.
  The only Forest block (-13_-56, all 23 Forest locations) always stays in training, so Forest is not scored here.
- ``mtts_west_east`` / ``mt_west_east``: train west of -55 deg, test east of it (no Forest in the east).
- ``mtts_para`` / ``mt_para``: Mato Grosso -> Para, Forest vs non-forest, on the three bands both files share
  (nir, ndvi, evi).
- ``mtts_para_target``: ``mtts_para`` with half of Para's locations (stratified by class) added, unlabelled, to the
  pool and the other half as the test set: does unlabelled data from the target region let SSL adapt?
- ``mt_wet_dry``: the location split of ``mt_random``; train on wet-season dates (Oct-Apr) of training locations,
  test on dry-season dates (May-Sep) of test locations.
- ``slo_summer_winter`` / ``slo_summer_summer``: Slovenia, 8x8 px NDVI patches, Forest vs Grassland (the two classes
  with enough locations), cloud fraction < 5 %; half of the locations (stratified) are test; train on summer
  (Jun-Aug) dates, test on winter (Dec-Feb) dates, or on summer dates as the in-distribution reference.
- ``raleigh``: single-site control from resources/sample (Landsat-7, one date), 8x8 px tiles labelled by the
  majority of the dense reference; random tile split (one site, one date).
"""
from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional

import numpy as np

from benchlib import SPLITS_DIR, load_patch_set, set_info, set_path
from patchsets import mato_grosso, raleigh, slovenia
from patchsets.common import BUILD_VERSION, DEFAULT_BUDGETS, DEFAULT_SEEDS, DEFAULT_TEST_CAP, DEFAULT_UNLABELED_CAP
from patchsets.common import check_honest, summarize

RALEIGH_IMAGE, RALEIGH_REFERENCE = raleigh.RALEIGH_IMAGE, raleigh.RALEIGH_REFERENCE
# Every data source, as cited in RESULTS.md.
SOURCES = {**mato_grosso.SOURCES, "slovenia": slovenia.SOURCE, "raleigh": raleigh.SOURCE}

BUILDERS: Dict[str, Callable[..., Optional[Dict[str, np.ndarray]]]] = {
    "mtts_random": functools.partial(mato_grosso.build_mt_random, series=True),
    "mtts_blocks": functools.partial(mato_grosso.build_mt_blocks, series=True),
    "mtts_west_east": functools.partial(mato_grosso.build_mt_west_east, series=True),
    "mtts_para": functools.partial(mato_grosso.build_mt_para, series=True),
    "mtts_para_target": mato_grosso.build_mtts_para_target,
    "mt_random": mato_grosso.build_mt_random,
    "mt_blocks": mato_grosso.build_mt_blocks,
    "mt_west_east": mato_grosso.build_mt_west_east,
    "mt_wet_dry": mato_grosso.build_mt_wet_dry,
    "mt_para": mato_grosso.build_mt_para,
    "slo_summer_winter": slovenia.build_slo_summer_winter,
    "slo_summer_summer": slovenia.build_slo_summer_summer,
    "raleigh": raleigh.build_raleigh,
}
__all__ = ["BUILDERS", "BUILD_VERSION", "DEFAULT_BUDGETS", "DEFAULT_SEEDS", "DEFAULT_TEST_CAP", "DEFAULT_UNLABELED_CAP",
           "RALEIGH_IMAGE", "RALEIGH_REFERENCE", "SOURCES", "build", "main", "summarize"]


def build(set_names: List[str], budgets: List[int], seeds: List[int], unlabeled_cap: int, test_cap: int,
          force: bool = False, verbose: bool = True) -> List[Path]:
    SPLITS_DIR.mkdir(parents=True, exist_ok=True)
    written: List[Path] = []
    for name in set_names:
        for k in budgets:
            for seed in seeds:
                path = set_path(name, k, seed)
                if path.exists() and not force:
                    existing = set_info(load_patch_set(path))
                    if (existing.get("build_version") == BUILD_VERSION and existing.get("unlabeled_cap") == unlabeled_cap
                            and existing.get("test_cap") == test_cap):
                        written.append(path)
                        continue
                patch_set = BUILDERS[name](k, seed, unlabeled_cap, test_cap)
                if patch_set is None:
                    if verbose:
                        print(f"{name}: skipped, {RALEIGH_IMAGE} or {RALEIGH_REFERENCE} not found", file=sys.stderr)
                    break
                check_honest(patch_set, name)
                tmp = path.with_suffix(".tmp.npz")
                np.savez_compressed(tmp, **patch_set)
                tmp.replace(path)
                written.append(path)
                if verbose:
                    print(summarize(path.stem, patch_set))
            else:
                continue
            break
    return written


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(BUILDERS), help="comma-separated set names")
    parser.add_argument("--budgets", default=",".join(map(str, DEFAULT_BUDGETS)), help="labels per class")
    parser.add_argument("--seeds", default=",".join(map(str, DEFAULT_SEEDS)))
    parser.add_argument("--unlabeled-cap", type=int, default=DEFAULT_UNLABELED_CAP)
    parser.add_argument("--test-cap", type=int, default=DEFAULT_TEST_CAP)
    parser.add_argument("--force", action="store_true", help="rebuild sets that already exist")
    args = parser.parse_args(argv)
    names = [n for n in args.sets.split(",") if n]
    unknown = [n for n in names if n not in BUILDERS]
    if unknown:
        parser.error(f"unknown set(s) {unknown}; choose from {list(BUILDERS)}")
    build(names, [int(b) for b in args.budgets.split(",")], [int(s) for s in args.seeds.split(",")],
          args.unlabeled_cap, args.test_cap, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
