# SPDX-License-Identifier: GPL-2.0-or-later
"""Active learning: which unlabelled tiles the analyst should label next.

After a training run every unlabelled tile of the training rasters is scored with the model file's networks,
and the best-scoring tiles, kept apart from one another, are suggested. Modules: scores (the networks'
probabilities and the scores), diversity (greedy selection with a minimum distance), tiles (rasters ->
ranked suggestions -> GeoPackage), cli (``stssl suggest``).
"""
from __future__ import annotations

# name -> what the score measures (help texts in the CLI and the dock). Higher scores are labelled first.
SCORES = {
    "confidence": "low student confidence (1 - highest class probability)",
    "margin": "small margin between the student's two most likely classes",
    "disagreement": "disagreement between the metadata teacher (with the tile's location and date) and the "
                    "pixel-only student (symmetric KL divergence)",
    "ema": "disagreement between the deployed EMA student and the online student of the last step "
           "(symmetric KL divergence)",
}
# Chosen by the rule in benchmarks/active_learning.py (figures: docs/active_learning.md). No score saved labels
# against random labelling on both sets; margin fell least behind random on its worse set.
DEFAULT_SCORE = "margin"
# Suggested tiles are at least this many tile widths apart (centre to centre): 2 rules out the 8 neighbours.
DEFAULT_MIN_DISTANCE_TILES = 2.0
DEFAULT_COUNT = 50
