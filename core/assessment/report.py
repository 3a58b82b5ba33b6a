# SPDX-License-Identifier: GPL-2.0-or-later
"""An accuracy assessment as a map producer publishes it: a CSV for spreadsheets, an HTML page for readers,
and a few lines of text for the command line and the dock.

The HTML page is self-contained (inline CSS and an inline SVG chart, no scripts, no downloads), so it can be
mailed or attached to a report as one file. Both files are written atomically (core.outputs.atomic_output).
"""
from __future__ import annotations

import csv
import datetime
import html
import math
from typing import Iterable, List, Optional, Sequence, Tuple

import numpy as np

from ..app.outputs import atomic_output
from .assess import AccuracyReport

CITATION = ("Olofsson, P., Foody, G. M., Herold, M., Stehman, S. V., Woodcock, C. E., Wulder, M. A. (2014). "
            "Good practices for estimating area and assessing accuracy of land change. Remote Sensing of "
            "Environment 148, 42-57")


def _finite(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x)) and np.isfinite(x)


def _csv_num(x) -> str:
    return repr(round(float(x), 6)) if _finite(x) else ""


def _area_unit(report: AccuracyReport) -> str:
    return "ha" if report.mapped_hectares is not None else "pixels"


def _areas(report: AccuracyReport, unit: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimated area, its 95 % CI half-width and the mapped area per class in ``unit``, one the report has."""
    est, ci, mapped = report.estimated_area(unit), report.estimated_area_ci(unit), report.mapped_area(unit)
    if est is None or ci is None or mapped is None:
        raise ValueError(f"the report has no areas in {unit!r}")
    return est, ci, mapped


def _headline(report: AccuracyReport) -> List[str]:
    s, e = report.sample, report.strata
    return [
        f"overall accuracy (area-adjusted): {e.overall_accuracy:.4f} ± {e.ci(e.overall_accuracy_se):.4f} (95 % CI)",
        f"overall accuracy of the sample: {s.overall_accuracy:.4f}; Cohen's kappa: {s.kappa:.4f}",
    ]


def summary_lines(report: AccuracyReport) -> List[str]:
    """The key figures as plain text lines (command line, dock, Processing log)."""
    ref = report.reference
    unit = _area_unit(report)
    lines = []
    if ref is not None:
        lines.append(f"map '{report.map_name}' against '{ref.source}' (field '{ref.class_field}'): "
                     f"{ref.units} sample unit(s) from {ref.features} feature(s) ({ref.kind})")
    lines += _headline(report)
    e, s = report.strata, report.sample
    est, ci, mapped = _areas(report, unit)
    width = max([len(n) for n in report.names] + [5])
    lines.append(f"{'class':>{width}}  {'n':>5}  {'UA':>13}  {'PA':>13}  {'F1':>5}  "
                 f"{'mapped ' + unit:>14}  {'estimated ' + unit + ' ± 95 % CI':>28}")
    for k, name in enumerate(report.names):
        ua = f"{e.users_accuracy[k]:.3f}±{e.ci(e.users_accuracy_se[k]):.3f}" if _finite(e.users_accuracy[k]) else "-"
        pa = (f"{e.producers_accuracy[k]:.3f}±{e.ci(e.producers_accuracy_se[k]):.3f}"
              if _finite(e.producers_accuracy[k]) else "-")
        f1 = f"{s.f1[k]:.3f}" if _finite(s.f1[k]) else "-"
        area = f"{est[k]:,.1f} ± {ci[k]:,.1f}" if _finite(ci[k]) else f"{est[k]:,.1f} ± -"
        lines.append(f"{name:>{width}}  {int(report.counts[k].sum()):>5}  {ua:>13}  {pa:>13}  {f1:>5}  "
                     f"{mapped[k]:>14,.1f}  {area:>28}")
    lines.append("UA/PA: user's/producer's accuracy, area-adjusted (Olofsson et al. 2014); F1 of the sample")
    lines += [f"note: {n}" for n in report.notes]
    return lines


# ------------------------------------------------------------------------------------------------------ CSV

def _matrix_rows(report: AccuracyReport, matrix: np.ndarray, fmt) -> List[List[str]]:
    names = report.names
    rows = [["map \\ reference"] + names + ["total"]]
    for k, name in enumerate(names):
        rows.append([name] + [fmt(v) for v in matrix[k]] + [fmt(matrix[k].sum())])
    rows.append(["total"] + [fmt(v) for v in matrix.sum(axis=0)] + [fmt(matrix.sum())])
    return rows


def _class_rows(report: AccuracyReport) -> List[List[str]]:
    e, s = report.strata, report.sample
    rows = [["class value", "class name", "samples mapped as class", "samples with class as reference",
             "user's accuracy (sample)", "producer's accuracy (sample)", "F1 (sample)",
             "user's accuracy (area-adjusted)", "user's accuracy ±95% CI", "user's accuracy SE",
             "producer's accuracy (area-adjusted)", "producer's accuracy ±95% CI", "producer's accuracy SE"]]
    for k, name in enumerate(report.names):
        rows.append([str(report.values[k]), name, str(int(report.counts[k].sum())),
                     str(int(report.counts[:, k].sum())),
                     _csv_num(s.users_accuracy[k]), _csv_num(s.producers_accuracy[k]), _csv_num(s.f1[k]),
                     _csv_num(e.users_accuracy[k]), _csv_num(e.ci(e.users_accuracy_se[k])),
                     _csv_num(e.users_accuracy_se[k]),
                     _csv_num(e.producers_accuracy[k]), _csv_num(e.ci(e.producers_accuracy_se[k])),
                     _csv_num(e.producers_accuracy_se[k])])
    rows.append([])
    rows.append(["overall accuracy (sample)", _csv_num(s.overall_accuracy),
                 "Cohen's kappa (sample)", _csv_num(s.kappa)])
    rows.append(["overall accuracy (area-adjusted)", _csv_num(e.overall_accuracy), "±95% CI",
                 _csv_num(e.ci(e.overall_accuracy_se)), "SE", _csv_num(e.overall_accuracy_se)])
    return rows


def _area_rows(report: AccuracyReport) -> List[List[str]]:
    e = report.strata
    units = (["ha"] if report.mapped_hectares is not None else []) + ["pixels", "map"]
    labels = {"ha": "ha", "pixels": "pixels", "map": report.area_unit}
    header = ["class value", "class name", "mapped share (W)", "estimated share", "estimated share ±95% CI"]
    for u in units:
        header += [f"mapped area ({labels[u]})", f"estimated area ({labels[u]})", f"±95% CI ({labels[u]})",
                   f"CI lower ({labels[u]})", f"CI upper ({labels[u]})"]
    rows = [header]
    for k, name in enumerate(report.names):
        row = [str(report.values[k]), name, _csv_num(e.weights[k]), _csv_num(e.area_proportion[k]),
               _csv_num(e.ci(e.area_proportion_se[k]))]
        for u in units:
            est, ci, mapped = (a[k] for a in _areas(report, u))
            row += [_csv_num(mapped), _csv_num(est), _csv_num(ci), _csv_num(est - ci), _csv_num(est + ci)]
        rows.append(row)
    return rows


def write_csv(report: AccuracyReport, path: str, overwrite: bool = False) -> str:
    """Write the error matrices, the per-class table and the area table as one CSV (sections with titles)."""
    sections = [
        ("error matrix of sample counts (rows = map class; columns = reference class)",
         _matrix_rows(report, report.counts, lambda v: str(int(v)))),
        ("error matrix of estimated area proportions p_ij (Olofsson et al. 2014; map classes as strata)",
         _matrix_rows(report, report.strata.proportions, _csv_num)),
        ("accuracy per class", _class_rows(report)),
        ("area per class (estimated from the reference sample; 95% confidence intervals)", _area_rows(report)),
        ("notes", [[n] for n in report.notes] + [[f"method: {CITATION}"]]),
    ]
    with atomic_output(path, overwrite, "CSV report") as tmp:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            for i, (title, rows) in enumerate(sections):
                if i:
                    writer.writerow([])
                writer.writerow([f"# {title}"])
                writer.writerows(rows)
    return path


# ----------------------------------------------------------------------------------------------------- HTML

def _fmt(x, digits: int = 3) -> str:
    return f"{x:,.{digits}f}" if _finite(x) else "&ndash;"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>\n" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>\n'


def area_chart_svg(report: AccuracyReport) -> str:
    """Horizontal bars of the estimated area per class with 95 % interval whiskers, and the mapped area as a
    tick, as inline SVG."""
    unit = _area_unit(report)
    est, ci, mapped = _areas(report, unit)
    names = [html.escape(n) for n in report.names]
    label_w, plot_w, bar_h, gap, top = 170, 420, 18, 12, 28
    height = top + len(names) * (bar_h + gap) + 30
    hi = np.nan_to_num(est + ci, nan=0.0)
    top_value = float(max(np.max(hi, initial=0.0), np.max(mapped, initial=0.0), 1e-12))

    def x(v: float) -> float:
        return label_w + plot_w * max(0.0, min(float(v), top_value)) / top_value

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + plot_w + 90}" height="{height}" '
             f'role="img" aria-label="estimated area per class with 95 % confidence intervals">',
             f'<text x="{label_w}" y="16" class="axis">bars: estimated area ({unit}); whiskers: 95 % '
             f'confidence interval; red tick: mapped area</text>']
    for k, name in enumerate(names):
        y = top + k * (bar_h + gap)
        parts.append(f'<text x="{label_w - 8}" y="{y + bar_h - 4}" text-anchor="end">{name}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{x(est[k]) - label_w:.1f}" height="{bar_h}" '
                     f'class="bar"><title>{name}: {est[k]:,.1f} ± {ci[k]:,.1f} {unit}</title></rect>')
        if _finite(ci[k]):
            x0, x1, ym = x(est[k] - ci[k]), x(est[k] + ci[k]), y + bar_h / 2
            parts.append(f'<path d="M{x0:.1f},{ym} H{x1:.1f} M{x0:.1f},{y + 3} V{y + bar_h - 3} '
                         f'M{x1:.1f},{y + 3} V{y + bar_h - 3}" class="ci"/>')
        xm = x(mapped[k])
        parts.append(f'<path d="M{xm:.1f},{y - 3} V{y + bar_h + 3}" class="mapped"/>')
        parts.append(f'<text x="{label_w + plot_w + 6}" y="{y + bar_h - 4}" class="value">{est[k]:,.0f}</text>')
    axis_y = top + len(names) * (bar_h + gap)
    parts.append(f'<path d="M{label_w},{axis_y} H{label_w + plot_w}" class="ci"/>')
    parts.append(f'<text x="{label_w}" y="{axis_y + 16}" class="axis">0</text>')
    parts.append(f'<text x="{label_w + plot_w}" y="{axis_y + 16}" text-anchor="end" class="axis">'
                 f'{top_value:,.0f} {unit}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


_CSS = """body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em;max-width:70em;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em}th,td{border:1px solid #bbb;padding:0.25em 0.6em}
td{text-align:right}td:first-child{text-align:left}th{background:#eee}.diag{background:#e3f0e3}
.meta td{text-align:left}.bar{fill:#4a7fb5}.ci{stroke:#222;stroke-width:1.5;fill:none}
.mapped{stroke:#d0421b;stroke-width:2.5}.axis{font-size:12px;fill:#555}.value{font-size:12px}
svg text{font-size:13px}.small{font-size:0.9em;color:#555}"""


def _matrix_html(report: AccuracyReport, matrix: np.ndarray, fmt) -> str:
    names = [html.escape(n) for n in report.names]
    rows = []
    for k, name in enumerate(names):
        cells = [f'<span class="diag">{fmt(v)}</span>' if j == k else fmt(v) for j, v in enumerate(matrix[k])]
        rows.append([f"<b>{name}</b>"] + cells + [fmt(matrix[k].sum())])
    rows.append(["<b>total</b>"] + [fmt(v) for v in matrix.sum(axis=0)] + [fmt(matrix.sum())])
    return _table(["map \\ reference"] + report.names + ["total"], rows)


def render_html(report: AccuracyReport, title: Optional[str] = None) -> str:
    """The whole report as one self-contained HTML page."""
    e, s = report.strata, report.sample
    unit = _area_unit(report)
    ref = report.reference
    title = title or f"Accuracy assessment of {report.map_name}"
    meta = [["map", html.escape(report.map_name)],
            ["created", datetime.datetime.now().strftime("%Y-%m-%d %H:%M")]]
    if ref is not None:
        meta += [["reference", f"{html.escape(ref.source)} (field {html.escape(ref.class_field)}; "
                               f"{ref.features} feature(s): {ref.kind})"],
                 ["sample units used", str(ref.units)]]
    meta.append(["mapped area", f"{report.total_pixels:,.0f} pixels"
                 + (f" = {report.mapped_hectares.sum():,.1f} ha" if report.mapped_hectares is not None else "")])
    classes = []
    for k, name in enumerate(report.names):
        classes.append([html.escape(name), str(report.values[k]), str(int(report.counts[k].sum())),
                        f"{_fmt(e.users_accuracy[k])} ± {_fmt(e.ci(e.users_accuracy_se[k]))}",
                        f"{_fmt(e.producers_accuracy[k])} ± {_fmt(e.ci(e.producers_accuracy_se[k]))}",
                        _fmt(s.users_accuracy[k]), _fmt(s.producers_accuracy[k]), _fmt(s.f1[k])])
    est, ci, mapped = _areas(report, unit)
    areas = [[html.escape(name), _fmt(mapped[k], 1), _fmt(e.weights[k], 4), _fmt(est[k], 1), _fmt(ci[k], 1),
              f"{_fmt(est[k] - ci[k], 1)} &ndash; {_fmt(est[k] + ci[k], 1)}", _fmt(e.area_proportion[k], 4)]
             for k, name in enumerate(report.names)]
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in report.notes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{_CSS}</style></head>
<body>
<h1>{html.escape(title)}</h1>
{_table(["", ""], meta, "meta")}
<h2>Overall</h2>
<p>Overall accuracy (area-adjusted): <b>{_fmt(e.overall_accuracy, 4)} ± {_fmt(e.ci(e.overall_accuracy_se), 4)}</b>
(95 % confidence interval). Overall accuracy of the sample: {_fmt(s.overall_accuracy, 4)}; Cohen's kappa:
{_fmt(s.kappa, 4)} <span class="small">(given for comparison; Olofsson et al. advise against kappa)</span>.</p>
<h2>Accuracy per class</h2>
{_table(["class", "value", "samples (mapped)", "user's accuracy ± 95 % CI", "producer's accuracy ± 95 % CI",
         "user's (sample)", "producer's (sample)", "F1 (sample)"], classes)}
<p class="small">Area-adjusted accuracies weight each map class by its share of the map; the sample columns
count every sample once.</p>
<h2>Area per class</h2>
{area_chart_svg(report)}
{_table(["class", f"mapped ({unit})", "mapped share W", f"estimated ({unit})", "± 95 % CI", "95 % interval",
         "estimated share"], areas)}
<h2>Error matrix of sample counts</h2>
<p class="small">Rows: map class; columns: reference class.</p>
{_matrix_html(report, report.counts, lambda v: str(int(v)))}
<h2>Error matrix of estimated area proportions</h2>
{_matrix_html(report, e.proportions, lambda v: _fmt(v, 4))}
{"<h2>Notes</h2><ul>" + notes + "</ul>" if notes else ""}
<p class="small">Method: stratified estimation with the map classes as strata, {html.escape(CITATION)}.</p>
</body></html>
"""


def write_html(report: AccuracyReport, path: str, overwrite: bool = False) -> str:
    """Write :func:`render_html` to ``path`` atomically."""
    text = render_html(report)
    with atomic_output(path, overwrite, "HTML report") as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
    return path
