# SPDX-License-Identifier: GPL-2.0-or-later
"""Backbones (ViT, ResNet-style CNN) and the metadata embedding."""
