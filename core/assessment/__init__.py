# SPDX-License-Identifier: GPL-2.0-or-later
"""Accuracy assessment of class maps and validation samples, after Olofsson et al. (2014).

Modules: olofsson (the estimators), maps (class map, mapped area), reference (reference layer -> samples),
assess (assess_map), report (CSV, HTML, text), sample (validation sample design), cli (stssl assess/sample).
"""

# Fewest points per class when a sample is sized from expected accuracies: Olofsson et al. (2014, section
# 5.1.1) raise their rare change classes to 50-100 points; 50 is their lower end.
DEFAULT_MIN_PER_CLASS = 50
