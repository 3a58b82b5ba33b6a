# SPDX-License-Identifier: GPL-2.0-or-later
"""Learning: augmentations, pseudo-labellers and losses, the training loop, checkpoint selection, metrics."""
