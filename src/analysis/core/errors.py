"""Errors a user can act on. The command line prints their message and exits non-zero
without a traceback; anything else is a bug and keeps its traceback.

An ``OSError`` that comes from the machine rather than from the program — a full disk, a
path the user may not write, a read-only file system, a missing system library — is turned
into an ``EnvironmentProblem`` here, in one place (``environment_problem``), so that every
command says the same thing about the same cause: the path, the cause, what to do.
"""

from __future__ import annotations

import errno
from pathlib import Path


class UserError(Exception):
    """A problem with the user's input or environment; the message says what and how to fix."""


class BuildError(UserError):
    """A build that failed: names the notebook, the cell and the error."""


class EnvironmentProblem(UserError):
    """The machine stopped the command (disk full, no permission, read-only, missing library);
    the message names the path, the cause and what to do."""


_NO_PERMISSION = ("permission denied",
                  "give your user access to it (see `ls -ld` on it) or use another location")
# errno → (cause, what to do). Other errors are not the environment's: they keep their
# traceback, because they are bugs to report.
ADVICE: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("no space left on the device",
                   "free some space on that disk (`df -h` shows it) or write somewhere else "
                   "(build: --out DIR on another disk), then run the command again"),
    errno.EDQUOT: ("disk quota exceeded",
                   "free some space within your quota or write somewhere else, then run the "
                   "command again"),
    errno.EFBIG: ("file too large for this system's file-size limit",
                  "raise the limit (`ulimit -f unlimited`) or write somewhere else"),
    errno.EACCES: _NO_PERMISSION,
    errno.EPERM: ("operation not permitted", _NO_PERMISSION[1]),
    errno.EROFS: ("read-only file system",
                  "write somewhere writable (build: --out DIR) or remount it read-write"),
    errno.EIO: ("input/output error",
                "the disk may be failing or disconnected; check it (`dmesg`) and try another "
                "disk"),
    errno.EMFILE: ("too many open files",
                   "raise the limit (`ulimit -n 4096`) or use fewer workers (--jobs)"),
    errno.ENFILE: ("too many open files on this system", "close other programs and retry"),
}
PDF_LIBRARIES_FIX = ("install the PDF libraries: `sudo tools/system-deps.sh` (or `apt-get "
                     "install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0`), or "
                     "build HTML only with --format html")


def environment_problem(error: BaseException, where: Path | str | None = None,
                        consequence: str = "") -> EnvironmentProblem | None:
    """``error`` as one line — path: cause — what to do[; consequence] — or ``None`` when it is
    not a problem of the environment (then it is a bug and should keep its traceback).

    ``where`` names the place when the error itself carries no file name (a ``write`` on an
    open file raises ENOSPC without one).
    """
    if isinstance(error, EnvironmentProblem):
        return error
    if not isinstance(error, OSError):
        return None
    path = error.filename if error.filename is not None else where
    if error.errno in ADVICE:
        cause, fix = ADVICE[error.errno]
    elif error.errno is None and "cannot load library" in str(error):
        # WeasyPrint's (cffi's) words for a missing Pango, HarfBuzz or fontconfig library
        cause = f"a system library is missing ({str(error).splitlines()[0]})"
        fix = PDF_LIBRARIES_FIX
    else:
        return None
    place = f"{path}: " if path is not None else ""
    return EnvironmentProblem(f"{place}{cause} — {fix}" + (f"; {consequence}" if consequence
                                                           else ""))
