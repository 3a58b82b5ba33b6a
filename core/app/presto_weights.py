# SPDX-License-Identifier: GPL-2.0-or-later
"""The Presto weights on the user's disk: where they are, whether they are the published file, and fetching them.

The project never ships the authors' weights (core.models.presto). A user chooses a copy (``--pretrained PATH``,
the dock's file chooser), or lets :func:`download_weights` fetch the authors' public file, on request only: the
``stssl presto-weights --download`` command or the dock's "Download..." button after the user said yes.

The download streams into a hidden temporary file in the destination folder, hashing as it writes; only a file
with the published sha256 is renamed to ``default_model.pt`` (core.app.outputs.atomic_output), so a cut
connection, a full disk, a cancel or a wrong file never leaves a half or foreign file under that name. A file
already there with the right hash is reused without a request; one with another hash is never replaced. Beside
the weights goes a text file with their source and the MIT licence they come under.
"""
from __future__ import annotations

import dataclasses
import hashlib
import http.client
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable, Iterable, NamedTuple, Optional, Union

from ..errors import InputError
from ..models.presto_files import (PRESTO_FILE_NAME, PRESTO_SHA256, PRESTO_URL, WEIGHTS_ENV, find_presto_weights,
                                   sha256_of)
from ..params import TrainOptions
from .filecheck import describe_os_error, write_failed
from .outputs import atomic_output, write_text_file

DEFAULT_URL = PRESTO_URL
EXPECTED_SHA256 = PRESTO_SHA256
EXPECTED_BYTES = 3_321_716  # the published file's size, for the progress and the question before a download
# A response larger than this is not the 3.3 MB weights file (a wrong URL serving something big): stop reading.
MAX_BYTES = 64 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
DEFAULT_TIMEOUT_S = 30.0
LICENSE_FILE_NAME = "PRESTO_LICENSE.txt"

PRESTO_MIT_LICENSE = """MIT License

Copyright (c) 2024 Presto Authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

Progress = Callable[[int, Optional[int]], None]  # (bytes so far, total bytes or None when the server does not say)


class DownloadCancelled(InputError):
    """The user stopped the download; nothing was left behind."""


class WeightsCheck(NamedTuple):
    """Where the weights were found and whether they are the published file."""

    path: Optional[Path]  # None: not found
    source: str  # "path", "environment" or "folder" (how find_presto_weights found it); "" when not found
    sha256: str  # "" when not found
    problem: str  # the not-found message; "" when found

    @property
    def published(self) -> bool:
        return self.sha256 == EXPECTED_SHA256


def check_weights(path: Union[str, Path, None] = None, search_dirs: Iterable[Union[str, Path]] = ()) -> WeightsCheck:
    """Find the weights as training would (core.models.presto.find_presto_weights) and hash them; a file that is
    not found is described, not raised, so the CLI and the dock can show it as a status."""
    dirs = [Path(d) for d in search_dirs]
    try:
        found = find_presto_weights(path, dirs)
    except InputError as exc:
        return WeightsCheck(None, "", "", str(exc))
    source = "path" if path else ("environment" if os.environ.get(WEIGHTS_ENV, "").strip() else "folder")
    try:
        digest = sha256_of(found)
    except OSError as exc:
        return WeightsCheck(None, "", "", f"Presto weights '{found}' cannot be read ({describe_os_error(exc)})")
    return WeightsCheck(found, source, digest, "")


def resolve_pretrained(options: TrainOptions, search_dirs: Iterable[Union[str, Path]]) -> TrainOptions:
    """``options`` with the weights file a Presto run will load: the chosen one, else the environment's or the
    first of ``search_dirs`` that holds ``default_model.pt`` (the plugin passes its data folder). Raises the
    not-found InputError now, before any tiling, for the Presto backbone; for "auto" a missing file is no error (the
    rule then picks the CNN and says why, core/app/backbone_choice.py); other backbones are returned as they are."""
    if options.backbone not in ("presto", "auto") or options.pretrained:
        return options
    try:
        found = find_presto_weights(None, search_dirs)
    except InputError:
        if options.backbone == "auto":
            return options
        raise
    return dataclasses.replace(options, pretrained=str(found))


def _by_hand(url: str) -> str:
    return (f"download it by hand from {url} (sha256 {EXPECTED_SHA256}, MIT licence) and choose it with "
            "--pretrained (in the dock: Presto weights)")


def _notice(url: str, sha256: str) -> str:
    return (f"{PRESTO_FILE_NAME} in this folder: the pretrained weights of Presto (A. Tseng, R. Cartuyvels, "
            "I. Zvonkov, M. Purohit, D. Rolnick, H. Kerner, 2023, arXiv:2304.14065).\n"
            f"Source: {url}\n(public repository nasaharvest/presto; sha256 {sha256})\n"
            "The weights are the Presto authors' work, under the MIT licence below; they are not part of "
            "Spatiotemporal SSL for QGIS (GPL-2.0-or-later), which only downloaded them.\n\n" + PRESTO_MIT_LICENSE)


def write_license_notice(dest_dir: Union[str, Path], url: str = DEFAULT_URL, sha256: str = EXPECTED_SHA256) -> Path:
    """The source and licence text beside the weights (the MIT licence asks that it travel with every copy)."""
    path = Path(dest_dir) / LICENSE_FILE_NAME
    write_text_file(str(path), _notice(url, sha256), overwrite=True, what="Presto licence notice")
    return path


def _open(url: str, timeout: float) -> http.client.HTTPResponse:
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise InputError(f"Presto weights URL '{url}' is not an http(s) address; give one such as {DEFAULT_URL}")
    request = urllib.request.Request(url, headers={"User-Agent": "spatiotemporal-ssl (Presto weights)"})
    # The scheme is checked above: no file:// or custom opener reaches urlopen.
    return urllib.request.urlopen(request, timeout=timeout)  # nosec B310


def _network_error(url: str, exc: BaseException, timeout: float) -> InputError:
    if isinstance(exc, urllib.error.HTTPError):
        why = f"the server answered HTTP {exc.code} {exc.reason}"
    elif isinstance(exc, (socket.timeout, TimeoutError)) or "timed out" in str(exc):
        why = f"no answer within {timeout:g} s"
    elif isinstance(exc, urllib.error.URLError):
        why = f"cannot connect ({exc.reason})"
    else:
        why = f"the connection broke ({type(exc).__name__}: {exc})"
    return InputError(f"downloading the Presto weights from {url} failed: {why}; check the connection and try "
                      f"again, or {_by_hand(url)}")


def _stream(url: str, tmp: str, dest: Path, timeout: float, progress: Optional[Progress],
            should_stop: Optional[Callable[[], bool]]) -> str:
    """Copy the response into ``tmp``; return the sha256 of what was written."""
    digest = hashlib.sha256()
    what = "Presto weights"
    try:
        response = _open(url, timeout)
    except InputError:
        raise
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise _network_error(url, exc, timeout) from None
    with response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        done = 0
        try:
            handle = open(tmp, "wb")
        except OSError as exc:
            raise write_failed(what, str(dest), exc) from exc
        with handle:
            while True:
                if should_stop is not None and should_stop():
                    raise DownloadCancelled(f"the download of the Presto weights from {url} was cancelled; "
                                            "nothing was saved")
                try:
                    chunk = response.read(CHUNK_BYTES)
                except (OSError, http.client.HTTPException) as exc:
                    raise _network_error(url, exc, timeout) from None
                if not chunk:
                    break
                done += len(chunk)
                if done > MAX_BYTES:
                    raise InputError(f"{url} sent more than {MAX_BYTES // (1024 * 1024)} MB: that is not the Presto "
                                     f"weights file ({EXPECTED_BYTES / 1e6:.1f} MB); check the URL, or "
                                     f"{_by_hand(DEFAULT_URL)}")
                digest.update(chunk)
                try:
                    handle.write(chunk)
                except OSError as exc:
                    raise write_failed(what, str(dest), exc) from exc
                if progress is not None:
                    progress(done, total)
        if total is not None and done < total:
            raise InputError(f"downloading the Presto weights from {url} failed: the connection ended after {done} "
                             f"of {total} bytes; try again, or {_by_hand(url)}")
    return digest.hexdigest()


def download_weights(dest_dir: Union[str, Path], url: str = DEFAULT_URL, sha256: str = EXPECTED_SHA256,
                     progress: Optional[Progress] = None, should_stop: Optional[Callable[[], bool]] = None,
                     timeout: float = DEFAULT_TIMEOUT_S) -> Path:
    """Fetch the weights into ``dest_dir/default_model.pt`` (the folder is created) and return that path.

    ``progress(bytes_done, bytes_total_or_None)`` is called per chunk; ``should_stop()`` is polled per chunk (a
    True stops with :class:`DownloadCancelled`). ``timeout`` (seconds) applies to the connection and to each read.
    A file already there with ``sha256`` is reused without a request. Every failure (wrong hash, HTTP error,
    timeout, full disk, cancel, a different file already there) is an InputError that names the URL or the
    folder and the fix; nothing is left behind under the final name or as a temporary file.
    """
    folder = Path(dest_dir).expanduser()
    dest = folder / PRESTO_FILE_NAME
    sha256 = sha256.lower()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the folder '{folder}' for the Presto weights ({describe_os_error(exc)}); "
                         "choose another folder (--to DIR)") from None
    if dest.exists():
        try:
            actual = sha256_of(dest)
        except OSError as exc:
            raise InputError(f"'{dest}' exists but cannot be read ({describe_os_error(exc)}); move or delete it, or "
                             "choose another folder (--to DIR)") from None
        if actual != sha256:
            raise InputError(f"'{dest}' exists and is not the published Presto weights (sha256 {actual}, expected "
                             f"{sha256}); it was left as it is: move or delete it and download again, or choose "
                             "another folder (--to DIR)")
        write_license_notice(folder, url, sha256)
        return dest
    with atomic_output(str(dest), overwrite=False, what="Presto weights") as tmp:
        actual = _stream(url, tmp, dest, timeout, progress, should_stop)
        if actual != sha256:
            raise InputError(f"the file downloaded from {url} has sha256 {actual}, not the published {sha256}: it is "
                             f"damaged or another file, so it was not saved; try again, or {_by_hand(DEFAULT_URL)}")
    write_license_notice(folder, url, sha256)
    return dest
