# SPDX-License-Identifier: GPL-2.0-or-later
"""Choosing and describing the compute device (CUDA when available, else CPU)."""
from __future__ import annotations

import platform
from typing import List, Tuple

import torch

from .errors import InputError


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' -> the first CUDA GPU if torch sees one, else the CPU. 'cuda' without a GPU is a clear error."""
    name = (name or "auto").lower()
    if name == "auto":
        return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise InputError(
                f"device '{name}' was asked for, but this PyTorch ({torch.__version__}) sees no CUDA GPU; "
                "use device 'auto' or 'cpu', or install the CUDA build of torch (see README)"
            )
        dev = torch.device(name if ":" in name else "cuda:0")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise InputError(f"device '{name}' does not exist; this machine has {torch.cuda.device_count()} GPU(s)")
        return dev
    if name == "cpu":
        return torch.device("cpu")
    raise InputError(f"device '{name}' is not understood; use 'auto', 'cpu' or 'cuda[:N]'")


def device_name(device: torch.device) -> str:
    """A human name: 'NVIDIA H100 80GB HBM3 (79.1 GB)' or 'CPU (x86_64, 2 threads)'."""
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        return f"{props.name} ({props.total_memory / 1e9:.1f} GB)"
    threads = torch.get_num_threads()
    return f"CPU ({platform.machine()}, {threads} thread{'' if threads == 1 else 's'})"


def available_devices() -> List[Tuple[str, str]]:
    """Choices for a device selector: (value, label)."""
    choices = [("auto", "Auto (CUDA if available)"), ("cpu", "CPU")]
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            choices.append((f"cuda:{i}", device_name(torch.device(f"cuda:{i}"))))
    return choices
