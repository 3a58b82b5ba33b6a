"""Backbones (ViT, ResNet-style CNN) and the metadata embedding."""
