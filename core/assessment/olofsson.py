# SPDX-License-Identifier: GPL-2.0-or-later
"""Accuracy and area from a sample of reference labels: the good-practice estimators of Olofsson et al. (2014).

Olofsson, P., Foody, G. M., Herold, M., Stehman, S. V., Woodcock, C. E., Wulder, M. A. (2014). Good practices
for estimating area and assessing accuracy of land change. Remote Sensing of Environment 148, 42-57.

Two sets of figures come out of one error matrix of sample counts (rows: map class, columns: reference class):

* the plain figures of the sample (overall, user's and producer's accuracy, F1, Cohen's kappa), which describe
  the sample and are what most software prints;
* the stratified estimates with the map classes as strata: each row is weighted by the share of the map its
  class covers (W_i), which turns the counts into estimated proportions of area (p_ij). From them come
  area-adjusted accuracies and the estimated area of each class, each with a standard error and a 95 %
  confidence interval (eqs. 2-5 and 9-11 of the paper; the same formulas as Olofsson et al. 2013). Area
  from the sample rather than from counting map pixels corrects the map's omission and commission errors.

The estimators assume the reference labels are a probability sample: stratified random by map class, or
simple random / systematic (then the same formulas are the post-stratified estimator). Kappa is given
because users expect it; Olofsson et al. advise against using it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Union

import numpy as np

from ..errors import InputError

Z_95 = 1.96  # the normal quantile the paper uses for 95 % confidence intervals


@dataclass
class SampleMetrics:
    """Figures of the sample itself (each sample unit counts once, whatever the class's area)."""

    overall_accuracy: float
    kappa: float
    users_accuracy: np.ndarray  # (K,), NaN where no sample was mapped as the class
    producers_accuracy: np.ndarray  # (K,), NaN where no sample has the class as reference
    f1: np.ndarray  # (K,)


@dataclass
class StratifiedEstimates:
    """Area-weighted estimates with the map classes as strata; every ``*_se`` is one standard error."""

    weights: np.ndarray  # W_i: share of the mapped area in map class i, (K,)
    proportions: np.ndarray  # p_ij: estimated share of the area mapped i and truly j, (K, K)
    overall_accuracy: float
    overall_accuracy_se: float
    users_accuracy: np.ndarray
    users_accuracy_se: np.ndarray
    producers_accuracy: np.ndarray
    producers_accuracy_se: np.ndarray
    area_proportion: np.ndarray  # estimated share of the area truly in class j: column sums of p
    area_proportion_se: np.ndarray
    notes: List[str] = field(default_factory=list)

    def ci(self, se: Union[float, np.ndarray]) -> np.ndarray:
        """Half-width of the 95 % confidence interval for a standard error."""
        return Z_95 * np.asarray(se, dtype=np.float64)


def error_matrix(map_values: Union[np.ndarray, Sequence[int]], reference_values: Union[np.ndarray, Sequence[int]],
                 classes: Union[np.ndarray, Sequence[int]]) -> np.ndarray:
    """Sample counts n_ij (rows: map class, columns: reference class) in the order of ``classes``: int64 (K, K).

    Raises :class:`InputError` when a value is not among ``classes`` (a caller's bookkeeping error would
    otherwise silently drop samples).
    """
    classes = np.asarray(classes, dtype=np.int64)
    m = np.asarray(map_values, dtype=np.int64)
    r = np.asarray(reference_values, dtype=np.int64)
    if m.shape != r.shape:
        raise InputError(f"{m.size} map values but {r.size} reference values; give one of each per sample unit")
    order = np.argsort(classes)
    sorted_classes = classes[order]
    out = np.zeros((classes.size, classes.size), dtype=np.int64)
    if m.size == 0:
        return out
    mi = np.searchsorted(sorted_classes, m).clip(0, max(classes.size - 1, 0))
    ri = np.searchsorted(sorted_classes, r).clip(0, max(classes.size - 1, 0))
    unknown = sorted({int(v) for v in np.concatenate([m[sorted_classes[mi] != m], r[sorted_classes[ri] != r]])})
    if unknown:
        raise InputError(f"class value(s) {unknown} are not in the class list {classes.tolist()}; add them")
    np.add.at(out, (order[mi], order[ri]), 1)
    return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def sample_metrics(counts: np.ndarray) -> SampleMetrics:
    """Overall/user's/producer's accuracy, F1 and Cohen's kappa of an error matrix of sample counts."""
    n = np.asarray(counts, dtype=np.float64)
    total = n.sum()
    if total <= 0:
        raise InputError("the error matrix holds no samples; give reference samples that lie on the map")
    diag = np.diag(n)
    rows, cols = n.sum(axis=1), n.sum(axis=0)
    ua, pa = _ratio(diag, rows), _ratio(diag, cols)
    f1 = np.where(np.isnan(ua) | np.isnan(pa), np.nan, np.where((ua + pa) == 0, 0.0, _ratio(2 * ua * pa, ua + pa)))
    po = diag.sum() / total
    pe = float((rows * cols).sum() / total ** 2)
    kappa = float((po - pe) / (1.0 - pe)) if pe < 1.0 else float("nan")
    return SampleMetrics(overall_accuracy=float(po), kappa=kappa, users_accuracy=ua, producers_accuracy=pa, f1=f1)


def stratified_estimates(counts: np.ndarray, mapped: Union[np.ndarray, Sequence[float]],
                         names: Optional[Sequence[str]] = None) -> StratifiedEstimates:
    """The stratified estimator of Olofsson et al. (2014) with the map classes as strata.

    ``counts`` are the sample counts n_ij (rows: map class i, columns: reference class j) and ``mapped`` the
    size of each map class (pixels or area; only the shares W_i = mapped_i / sum(mapped) matter). ``names``
    label the classes in messages.

    A map class that covers part of the map but holds no sample makes every area estimate undefined (its row
    of p_ij is unknown), so it raises :class:`InputError`, as does a class with samples but no mapped area.
    A class with one sample gets estimates but no standard errors (they divide by n_i - 1); that is noted.
    """
    n = np.asarray(counts, dtype=np.float64)
    k = n.shape[0]
    if n.shape != (k, k):
        raise InputError(f"the error matrix must be square (got {n.shape})")
    mapped_arr = np.asarray(mapped, dtype=np.float64)
    if mapped_arr.shape != (k,) or np.any(mapped_arr < 0) or not np.all(np.isfinite(mapped_arr)):
        raise InputError(f"give one non-negative mapped area per class ({k}); got {list(mapped)}")
    names = [str(x) for x in (names if names is not None else range(1, k + 1))]
    if mapped_arr.sum() <= 0:
        raise InputError("the map covers no area (every pixel is nodata); check the map's nodata value")
    rows = n.sum(axis=1)
    unsampled = [names[i] for i in range(k) if mapped_arr[i] > 0 and rows[i] == 0]
    if unsampled:
        raise InputError(
            f"map class(es) {', '.join(repr(s) for s in unsampled)} cover part of the map but hold no reference "
            "sample, so the area estimates are undefined; add reference samples in those classes "
            "('Create validation sample' / stssl sample draws a stratified sample) or merge the classes into others")
    unmapped = [names[i] for i in range(k) if mapped_arr[i] == 0 and rows[i] > 0]
    if unmapped:
        raise InputError(
            f"map class(es) {', '.join(repr(s) for s in unmapped)} hold samples but no mapped area; "
            "count the mapped area on the same map the samples were read from")

    w = mapped_arr / mapped_arr.sum()
    share = _ratio(n, rows[:, None])  # n_ij / n_i., NaN in rows without samples (their weight is 0)
    share = np.where(rows[:, None] > 0, share, 0.0)
    p = w[:, None] * share
    # Variance terms divide by n_i - 1: undefined for one sample, zero contribution for unsampled, unmapped rows.
    dof = rows - 1.0
    single = [names[i] for i in range(k) if rows[i] == 1]
    inv_dof = np.where(rows > 1, _ratio(np.ones(k), dof), np.where(rows == 1, np.nan, 0.0))

    diag_share = np.diag(share)
    users = np.where(rows > 0, diag_share, np.nan)
    users_var = np.where(rows > 0, diag_share * (1 - diag_share) * inv_dof, np.nan)
    oa = float(np.trace(p))
    oa_var = float(np.nansum(w ** 2 * diag_share * (1 - diag_share) * inv_dof)) if not single else float("nan")

    area = p.sum(axis=0)
    cell_var = (w ** 2)[:, None] * share * (1 - share) * inv_dof[:, None]  # (K, K), NaN rows for single samples
    area_var = cell_var.sum(axis=0)

    # Producer's accuracy (eq. 3) and its variance (eq. 6), in units of the mapped sizes N_i.
    big_n = mapped_arr
    n_hat_col = (big_n[:, None] * share).sum(axis=0)  # estimated size truly in class j
    producers = _ratio(big_n * diag_share, n_hat_col)
    off = (big_n ** 2)[:, None] * share * (1 - share) * inv_dof[:, None]
    off_sum = off.sum(axis=0) - np.diag(off)
    term_own = big_n ** 2 * (1 - producers) ** 2 * diag_share * (1 - diag_share) * inv_dof
    producers_var = _ratio(term_own + producers ** 2 * off_sum, n_hat_col ** 2)

    notes: List[str] = []
    if single:
        notes.append(f"map class(es) {', '.join(repr(s) for s in single)} hold a single sample: their standard "
                     "errors (and those of the totals) are undefined; at least 2 samples per class are needed, "
                     "Olofsson et al. recommend 50-100 for small classes")
    never_ref = [names[j] for j in range(k) if mapped_arr[j] > 0 and n[:, j].sum() == 0]
    if never_ref:
        notes.append(f"no sample has reference class(es) {', '.join(repr(s) for s in never_ref)}: their estimated "
                     "area is 0 and their producer's accuracy is undefined")
    ref_only = [names[j] for j in range(k) if mapped_arr[j] == 0 and n[:, j].sum() > 0]
    if ref_only:
        notes.append(f"reference class(es) {', '.join(repr(s) for s in ref_only)} do not occur in the map: "
                     "their producer's accuracy is 0 and their area comes only from the other classes' errors")
    return StratifiedEstimates(
        weights=w, proportions=p, overall_accuracy=oa, overall_accuracy_se=float(np.sqrt(oa_var)),
        users_accuracy=users, users_accuracy_se=np.sqrt(users_var),
        producers_accuracy=producers, producers_accuracy_se=np.sqrt(producers_var),
        area_proportion=area, area_proportion_se=np.sqrt(area_var), notes=notes,
    )
