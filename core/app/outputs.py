# SPDX-License-Identifier: GPL-2.0-or-later
"""Writing output files safely, and the QGIS style sidecars that travel with them.

Every file the engine produces (class maps, confidence maps, model files) goes through :func:`atomic_output`:
it is written under a hidden temporary name in the destination folder and renamed onto the final name only
when complete, so a crash, a cancel or a full disk never leaves a half-written file that QGIS would open.
The ``.qml`` sidecars make QGIS draw a class map with the training palette and legend as soon as it is
added, the way EnMAP-Box saves a paletted style next to its classification outputs.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Callable, Iterator, List, Optional, Sequence, Tuple
from xml.sax.saxutils import quoteattr  # nosec B406  # only escapes the style we write; no XML is parsed

from ..errors import InputError, OutputError
from ..params import ClassSpec
from .filecheck import (clean_stale_temporaries, free_bytes, probe_folder, refuse_inputs, temporary_path,
                        write_failed)

# Files GDAL may create beside a raster (statistics cache, external mask, overviews). They belong to the file
# they sit beside, so they move with it and a stale one from an overwritten output is removed.
SIDECAR_SUFFIXES = (".aux.xml", ".msk", ".ovr")

QGIS_VERSION = "3.22.0-Białowieża"

# A file that does not read back while its disk has less free space than this was cut short by the disk.
LOW_SPACE_BYTES = 1024 * 1024


def check_output_path(path: str, overwrite: bool, what: str = "output",
                      inputs: Sequence[Tuple[Optional[str], str]] = ()) -> None:
    """Refuse an output path that cannot or should not be written, before any work starts.

    ``what`` names the output in the message ("class map", "model file"), so the user knows which field to
    change. Raises :class:`InputError` when the file exists and ``overwrite`` is False, when the path is a
    folder, when it is one of ``inputs`` (``(path, description)`` pairs; refused even with ``overwrite``), or
    when its folder does not exist or is not writable; :class:`OutputError` when a small file cannot really be
    written there (full disk, read-only or special file system: ``os.access`` says yes to root on ``/proc``).
    """
    path = os.fspath(path)
    name = os.path.basename(path)
    if not name:
        raise InputError(f"{what} '{path}' is a folder, not a file name; give a file name such as 'classes.tif'")
    if os.path.isdir(path):
        raise InputError(f"{what} '{path}' is an existing folder; choose a file name")
    refuse_inputs(path, what, inputs)
    if os.path.exists(path) and not overwrite:
        raise InputError(f"{what} '{name}' exists; choose another name or pass --overwrite (allow overwriting)")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InputError(f"cannot write {what} '{name}' (folder '{folder}' does not exist); choose another folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"cannot write {what} '{name}' (folder '{folder}' is {_why_not_writable(folder)}); "
                         "choose another folder")
    probe_folder(path, what)


def _why_not_writable(folder: str) -> str:
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "on a read-only file system"
    except (AttributeError, OSError):  # no statvfs on Windows
        pass
    return "not writable"


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _flush_to_disk(path: str) -> None:
    """Make the written bytes durable before the rename: a disk that is full only at write-back says so here."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_written(tmp: str, path: str, what: str, verify: Optional[Callable[[str], object]] = None) -> None:
    """Before a temporary file may replace ``path``: flushed to disk, not empty, and read back by ``verify``.

    Raises :class:`OutputError` naming the output otherwise. A caller writing several outputs as one result
    (class and confidence maps) checks them all first, so that none is renamed when another is incomplete.
    """
    if not os.path.exists(tmp):
        raise RuntimeError(f"nothing was written to the temporary file for {what} '{path}'")
    try:
        _flush_to_disk(tmp)
        size = os.path.getsize(tmp)
    except OSError as exc:
        raise write_failed(what, path, exc) from exc
    if size == 0:
        raise OutputError(f"{what} '{os.path.basename(path)}' came out empty (0 bytes), so it was not saved; "
                          "check the free space of its folder and try again")
    if verify is not None:
        try:
            verify(tmp)
        except OutputError:
            raise
        except Exception as exc:  # noqa: BLE001 - any reader error means the file is not complete
            # GDAL does not always report a failed flush at close; a nearly full disk is then the likely cause.
            free = free_bytes(path)
            reason = "the disk is full" if free is not None and free < LOW_SPACE_BYTES else str(exc)
            folder = os.path.dirname(os.path.abspath(path))
            raise OutputError(
                f"{what} '{os.path.basename(path)}' in '{folder}' did not read back complete after writing "
                f"({reason}), so nothing was saved under that name (a file already there is kept); free some "
                "space or choose another folder") from exc


@contextmanager
def atomic_output(path: str, overwrite: bool, what: str = "output",
                  verify: Optional[Callable[[str], object]] = None) -> Iterator[str]:
    """Yield a temporary path to write ``path``'s content to; rename it onto ``path`` only on success.

    The temporary file lives in the destination folder, so :func:`os.replace` is an atomic rename on the same
    file system: readers see either the old file or the complete new one. Before the rename the temporary file
    is flushed to disk, must not be empty, and is read back by ``verify(tmp)`` when given (which raises if the
    content is incomplete); a failure there is an :class:`OutputError` naming the output. GDAL sidecars of the
    temporary file (``.aux.xml``, ``.msk``, ``.ovr``) are moved with it, and stale sidecars of a replaced output
    are removed so QGIS does not show old statistics. On an exception (including a cancel) the temporary file
    and its sidecars are deleted and ``path`` is left untouched. Temporaries of ended runs in the same folder
    are removed first (:func:`core.app.filecheck.clean_stale_temporaries`).
    """
    path = os.fspath(path)
    check_output_path(path, overwrite, what)
    clean_stale_temporaries(os.path.dirname(os.path.abspath(path)))
    tmp = temporary_path(path)
    try:
        yield tmp
        check_written(tmp, path, what, verify)
        try:
            os.replace(tmp, path)
        except PermissionError as exc:
            raise InputError(
                f"cannot replace {what} '{os.path.basename(path)}' ({exc.strerror}); "
                "close it in QGIS or other programs, or choose another name"
            ) from exc
        except OSError as exc:
            raise write_failed(what, path, exc) from exc
    except BaseException:
        _remove_quietly(tmp)
        for suffix in SIDECAR_SUFFIXES:
            _remove_quietly(tmp + suffix)
        raise
    for suffix in SIDECAR_SUFFIXES:
        if os.path.exists(tmp + suffix):
            os.replace(tmp + suffix, path + suffix)
        else:
            _remove_quietly(path + suffix)


def qml_path_for(raster_path: str) -> str:
    """Where QGIS looks for a raster's default style: same folder, same name, ``.qml`` extension."""
    return os.path.splitext(os.fspath(raster_path))[0] + ".qml"


def _hex(color: Sequence[int]) -> str:
    r, g, b = (max(0, min(255, int(c))) for c in tuple(color)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def _qml_document(renderer: str) -> str:
    """Wrap a ``<rasterrenderer>`` element in the pipe QGIS 3.22 writes when it saves a raster style."""
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f'<qgis version={quoteattr(QGIS_VERSION)} styleCategories="AllStyleCategories" '
        'hasScaleBasedVisibilityFlag="0" minScale="1e+08" maxScale="0">\n'
        "  <flags>\n"
        "    <Identifiable>1</Identifiable>\n"
        "    <Removable>1</Removable>\n"
        "    <Searchable>1</Searchable>\n"
        "    <Private>0</Private>\n"
        "  </flags>\n"
        "  <pipe>\n"
        "    <provider>\n"
        '      <resampling enabled="false" zoomedInResamplingMethod="nearestNeighbour" '
        'zoomedOutResamplingMethod="nearestNeighbour" maxOversampling="2"/>\n'
        "    </provider>\n"
        f"{renderer}"
        '    <brightnesscontrast brightness="0" contrast="0" gamma="1"/>\n'
        '    <huesaturation saturation="0" grayscaleMode="0" colorizeOn="0" colorizeRed="255" '
        'colorizeGreen="128" colorizeBlue="128" colorizeStrength="100" invertColors="0"/>\n'
        '    <rasterresampler maxOversampling="2"/>\n'
        "    <resamplingStage>resamplingFilter</resamplingStage>\n"
        "  </pipe>\n"
        "  <blendMode>0</blendMode>\n"
        "</qgis>\n"
    )


_MIN_MAX_ORIGIN = (
    "      <minMaxOrigin>\n"
    "        <limits>None</limits>\n"
    "        <extent>WholeRaster</extent>\n"
    "        <statAccuracy>Estimated</statAccuracy>\n"
    "        <cumulativeCutLower>0.02</cumulativeCutLower>\n"
    "        <cumulativeCutUpper>0.98</cumulativeCutUpper>\n"
    "        <stdDevFactor>2</stdDevFactor>\n"
    "      </minMaxOrigin>\n"
)


def _transparency(nodata: Optional[float]) -> str:
    """Draw ``nodata`` transparent even where the layer's own nodata handling is switched off."""
    if nodata is None or nodata != nodata:  # None or NaN: the source nodata is enough
        return "      <rasterTransparency/>\n"
    return (
        "      <rasterTransparency>\n"
        "        <singleValuePixelList>\n"
        f'          <pixelListEntry min="{nodata:g}" max="{nodata:g}" percentTransparent="100"/>\n'
        "        </singleValuePixelList>\n"
        "      </rasterTransparency>\n"
    )


def write_text_file(path: str, text: str, overwrite: bool, what: str) -> None:
    """Write a small text output (a style, a JSON report) whole under a temporary name, then rename it; the
    write, the flush and the rename are checked like any output's."""
    with atomic_output(path, overwrite=overwrite, what=what) as tmp:
        write_text_to(tmp, text, what, path)


def write_text_to(tmp: str, text: str, what: str, path: str) -> None:
    """Write ``text`` to the temporary file ``tmp`` of output ``path``; a failed write is an OutputError."""
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise write_failed(what, path, exc) from exc


def _write_text(path: str, text: str) -> None:
    """Sidecars are replaced like any output: they belong to the raster being written."""
    write_text_file(path, text, overwrite=True, what="style file")


def write_qml(path: str, classes: List[ClassSpec], nodata: Optional[float]) -> None:
    """Write a paletted QGIS style for a class raster: one palette entry per class, labelled by name.

    The nodata value gets no palette entry and is drawn transparent. ``path`` is the ``.qml`` path (see
    :func:`qml_path_for`); an existing style there is replaced, since it belongs to the raster being written.
    """
    _write_text(path, class_qml(classes, nodata))


def class_qml(classes: List[ClassSpec], nodata: Optional[float]) -> str:
    """The text of :func:`write_qml`'s style."""
    entries = "".join(
        f'        <paletteEntry value="{int(c.value)}" color="{_hex(c.color)}" label={quoteattr(str(c.name))} '
        'alpha="255"/>\n'
        for c in classes
        if nodata is None or int(c.value) != nodata
    )
    renderer = (
        '    <rasterrenderer type="paletted" opacity="1" alphaBand="-1" band="1" nodataColor="">\n'
        f"{_transparency(nodata)}"
        f"{_MIN_MAX_ORIGIN}"
        "      <colorPalette>\n"
        f"{entries}"
        "      </colorPalette>\n"
        '      <colorramp type="randomcolors" name="[source]">\n'
        '        <Option/>\n'
        "      </colorramp>\n"
        "    </rasterrenderer>\n"
    )
    return _qml_document(renderer)


# A colour-blind-safe ramp (viridis stops) from low confidence (dark) to high confidence (yellow).
_CONFIDENCE_RAMP = ((0.0, "#440154"), (0.25, "#3b528b"), (0.5, "#21918c"), (0.75, "#5ec962"), (1.0, "#fde725"))


def write_confidence_qml(path: str) -> None:
    """Write a pseudocolour style fixed to 0..1 for a confidence raster (maximum class probability).

    The range is fixed rather than stretched to the data, so maps from different rasters and models can be
    compared by colour.
    """
    _write_text(path, confidence_qml())


def confidence_qml() -> str:
    """The text of :func:`write_confidence_qml`'s style."""
    items = "".join(
        f'          <item value="{v:g}" color="{c}" label="{v:.2f}" alpha="255"/>\n' for v, c in _CONFIDENCE_RAMP
    )
    renderer = (
        '    <rasterrenderer type="singlebandpseudocolor" opacity="1" alphaBand="-1" band="1" nodataColor="" '
        'classificationMin="0" classificationMax="1">\n'
        "      <rasterTransparency/>\n"
        f"{_MIN_MAX_ORIGIN}"
        "      <rastershader>\n"
        '        <colorrampshader colorRampType="INTERPOLATED" classificationMode="1" clip="0" '
        'minimumValue="0" maximumValue="1" labelPrecision="2">\n'
        f"{items}"
        "        </colorrampshader>\n"
        "      </rastershader>\n"
        "    </rasterrenderer>\n"
    )
    return _qml_document(renderer)
