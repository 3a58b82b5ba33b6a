# SPDX-License-Identifier: GPL-2.0-or-later
"""Can an output really be written? Checks made before any work starts, and the words for a write that failed.

``os.access`` answers for permission bits only: it says yes to root on ``/proc``, and yes on a full disk. So
an output's folder is probed by really creating, writing and removing a small hidden file there, and the free
space is compared with an estimate of what the output needs, before a long training or prediction starts.

Temporary files are named ``.NAME.tmp-PID-XXXXXXXX.EXT`` (see :func:`core.app.outputs.atomic_output`). A run
killed with SIGKILL, or a crash of QGIS, cannot remove its own; the next run into the same folder removes those
whose process has ended (by the PID in the name) and says which.
"""
from __future__ import annotations

import errno
import logging
import os
import re
import secrets
import shutil
import sys
import time
from typing import Iterable, List, Optional, Tuple

from ..errors import InputError, OutputError

log = logging.getLogger(__name__)

PROBE_BYTES = 4096
# A temporary of an ended process is removed once it has not changed for this long (see clean_stale_temporaries).
STALE_AFTER_SECONDS = 600
# Hidden temporaries of atomic_output and of the probe, and GDAL sidecars of those (.aux.xml, .msk, .ovr).
_TEMPORARY = re.compile(r"^\..+\.tmp-(?P<pid>\d+)-[0-9a-f]{8}(\.[^/\\]*)?$")


def temporary_path(path: str) -> str:
    """A hidden name in the same folder (so the final rename is atomic) that keeps the extension (so GDAL
    and any reader still recognise the format), with this process's id (so a later run can tell it is stale)."""
    folder, name = os.path.split(os.path.abspath(path))
    stem, ext = os.path.splitext(name)
    return os.path.join(folder, f".{stem}.tmp-{os.getpid()}-{secrets.token_hex(4)}{ext}")


def describe_os_error(exc: BaseException) -> str:
    """A short reason a user can act on, for an OSError (or a library error wrapping one)."""
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code == errno.ENOSPC or "No space left" in text:
        return "the disk is full"
    if code == errno.EDQUOT or "Disk quota" in text:
        return "the disk quota is exceeded"
    if code == errno.EROFS or "Read-only file system" in text:
        return "the file system is read-only"
    if code in (errno.EACCES, errno.EPERM) or "Permission denied" in text:
        return "permission denied"
    if code == errno.ENOENT:  # the folder exists (checked before), yet a file cannot be created in it
        return "the folder does not accept new files, as on a special file system such as /proc"
    if code == errno.EFBIG or "File too large" in text:
        return "the file is too large for this file system"
    strerror = getattr(exc, "strerror", None)
    return strerror or text or type(exc).__name__


def write_failed(what: str, path: str, exc: BaseException, kept: bool = True) -> OutputError:
    """The error for an output that could not be written; ``kept`` says the old file (if any) is untouched."""
    name = os.path.basename(os.fspath(path))
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    tail = "; nothing was saved under that name" + (" (a file already there is kept)" if kept else "")
    return OutputError(f"cannot write {what} '{name}' in '{folder}' ({describe_os_error(exc)}){tail}; "
                       "free some space or choose another folder")


def probe_folder(path: str, what: str) -> None:
    """Create, write, flush and remove a small hidden file beside ``path``; raise :class:`OutputError` if any
    step fails (an unwritable, read-only or full file system), naming the output and the reason."""
    probe = temporary_path(path)
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise write_failed(what, path, exc) from exc
    try:
        try:
            os.write(fd, b"\0" * PROBE_BYTES)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise write_failed(what, path, exc) from exc
    finally:
        try:
            os.remove(probe)
        except OSError:
            pass


def human_bytes(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024.0
    return f"{n:.1f} TiB"


def free_bytes(path: str) -> Optional[int]:
    """Free space for ordinary users on the file system holding ``path``'s folder (None if it cannot be told)."""
    try:
        return int(shutil.disk_usage(os.path.dirname(os.path.abspath(path))).free)
    except OSError:
        return None


def check_free_space(path: str, needed_bytes: int, what: str) -> None:
    """Refuse early when the folder of ``path`` has less free space than ``needed_bytes`` (an estimate)."""
    free = free_bytes(path)
    if free is None or free >= needed_bytes:
        return
    name = os.path.basename(path)
    folder = os.path.dirname(os.path.abspath(path))
    raise OutputError(f"not enough free space for {what} '{name}' in '{folder}': it needs about "
                      f"{human_bytes(needed_bytes)} and {human_bytes(free)} are free; free some space or choose "
                      "another folder")


def same_file(a: str, b: str) -> bool:
    """Whether two paths name one file (through links too, when both exist)."""
    if not a or not b:
        return False
    try:
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def refuse_inputs(path: str, what: str, inputs: Iterable[Tuple[Optional[str], str]]) -> None:
    """Refuse an output that is one of the inputs (``(path, description)`` pairs), whatever --overwrite says:
    writing it would destroy what the command reads."""
    for other, description in inputs:
        if other and same_file(path, str(other).split("|")[0]):
            raise InputError(f"{what} '{os.path.basename(path)}' is the same file as the {description}; writing "
                             "it would destroy that input: choose another name")


# ----------------------------------------------------------------------------------------- stale temporaries

def _process_alive(pid: int) -> bool:
    """Whether a process with this id runs now (on this machine)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        try:
            ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel32.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return True


def _started_after(pid: int, mtime: float) -> bool:
    """On Linux: whether process ``pid`` started after ``mtime`` (so it reused the id of the file's dead writer)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat") as f:
            boot = next(int(line.split()[1]) for line in f if line.startswith("btime"))
        return boot + start_ticks / os.sysconf("SC_CLK_TCK") > mtime + 2.0
    except (OSError, ValueError, IndexError, StopIteration):
        return False


def clean_stale_temporaries(folder: str) -> List[str]:
    """Remove the temporaries of ended processes in ``folder``; return their names (also logged).

    A temporary whose process still runs is another run's work in progress and is left alone. One whose
    process is gone but that changed in the last :data:`STALE_AFTER_SECONDS` is only listed: on a folder shared
    between computers its writer may be a live process elsewhere, which the PID here cannot tell.
    """
    try:
        entries = os.listdir(folder)
    except OSError:
        return []
    removed: List[str] = []
    recent: List[str] = []
    now = time.time()
    for entry in entries:
        match = _TEMPORARY.match(entry)
        if not match:
            continue
        pid = int(match.group("pid"))
        full = os.path.join(folder, entry)
        try:
            mtime = os.stat(full).st_mtime
        except OSError:
            continue
        if _process_alive(pid) and not (pid != os.getpid() and _started_after(pid, mtime)):
            continue
        if now - mtime < STALE_AFTER_SECONDS:
            recent.append(entry)
            continue
        try:
            os.remove(full)
        except OSError:
            recent.append(entry)
            continue
        removed.append(entry)
    if removed:
        log.warning("removed %d stale temporary file(s) left in '%s' by runs that ended without cleaning up: %s",
                    len(removed), folder, _shown(removed))
    if recent:
        log.warning("%d temporary file(s) in '%s' belong to no run on this computer but changed in the last %d "
                    "minutes, so they were kept (another computer may be writing them): %s; delete them if nothing "
                    "else writes to this folder", len(recent), folder, STALE_AFTER_SECONDS // 60, _shown(recent))
    return removed


def _shown(names: List[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
