"""Learning: augmentations, pseudo-labellers and losses, the training loop, checkpoint selection, metrics."""
