# SPDX-License-Identifier: GPL-2.0-or-later
"""QGIS Processing: the engine's training and prediction as algorithms for batch runs and the modeller."""
