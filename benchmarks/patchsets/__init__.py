# SPDX-License-Identifier: GPL-2.0-or-later
"""The patch-set builders of make_splits.py: the shared split rules (common.py) and one module per data set."""
