# SPDX-License-Identifier: GPL-2.0-or-later
"""What users run: training from rasters, prediction, model files, outputs, patch-set evaluation, the demo."""
