# SPDX-License-Identifier: GPL-2.0-or-later
"""The Presto weights file (core.models.presto): its published name, source and sha256, finding it and hashing it.

Kept apart from the encoder so that what only looks at the file (the dock's status line, ``stssl presto-weights``,
core.app.presto_weights) imports no torch: the plugin's dock loads before its Python packages are installed.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterable, Union

from ..errors import InputError

PRESTO_FILE_NAME = "default_model.pt"
PRESTO_SHA256 = "559c9d76f525bdf2dd3774da8b1e7f1510769b73baacac12e9e4d8d5c67fbe65"  # pragma: allowlist secret
PRESTO_URL = ("https://github.com/nasaharvest/presto/raw/13173d028f035abcbcc3b13829314323a5c15d02/data/"
              "default_model.pt")
WEIGHTS_ENV = "STSSL_PRESTO_WEIGHTS"


def _where_to_get(path_hint: str = "") -> str:
    return (f"download {PRESTO_FILE_NAME} from the Presto authors' repository ({PRESTO_URL}; MIT licence, "
            f"sha256 {PRESTO_SHA256}){path_hint}, or set the environment variable {WEIGHTS_ENV} to its path")


def find_presto_weights(path: Union[str, Path, None] = None, search_dirs: Iterable[Union[str, Path]] = ()) -> Path:
    """The weights file: ``path`` if given, else ``$STSSL_PRESTO_WEIGHTS``, else ``<dir>/default_model.pt`` in the
    first of ``search_dirs`` (the plugin passes its data folder) that has it. A clear InputError otherwise."""
    if path:
        found = Path(path).expanduser()
        if not found.is_file():
            raise InputError(f"Presto weights '{found}' not found; check the path, or {_where_to_get()}")
        return found
    from_env = os.environ.get(WEIGHTS_ENV, "").strip()
    if from_env:
        found = Path(from_env).expanduser()
        if not found.is_file():
            raise InputError(f"Presto weights '{found}' (from {WEIGHTS_ENV}) not found; fix or unset {WEIGHTS_ENV}, "
                             f"or {_where_to_get()}")
        return found
    dirs = [Path(d).expanduser() for d in search_dirs]
    for folder in dirs:
        if (folder / PRESTO_FILE_NAME).is_file():
            return folder / PRESTO_FILE_NAME
    hint = f" into {dirs[0]}" if dirs else ""
    looked = ", ".join(str(d) for d in dirs) or "no folder"
    raise InputError(f"Presto weights not found (looked in {looked}); {_where_to_get(hint)}")


def sha256_of(path: Union[str, Path]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_sha256(path: Union[str, Path], expected: str = PRESTO_SHA256) -> None:
    """Raise InputError unless the file's sha256 is ``expected`` (the authors' published weights by default)."""
    actual = sha256_of(path)
    if actual != expected.lower():
        raise InputError(f"Presto weights '{path}' have sha256 {actual}, not the published {expected}: the file is "
                         f"damaged or another one; {_where_to_get()}")
