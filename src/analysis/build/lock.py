"""One build at a time per output directory.

A build holds ``<out>/.lock`` with ``fcntl.flock`` from start to publication. The kernel
releases a flock when its process ends, however it ends, so a lock left by a build that
was killed is free at once: the next build simply takes it. The file also records who
holds it (pid, start time, command), for the message a second build prints while it waits
— or with which it stops, under ``--no-wait``. Everything a build shares with the next
(the cache, ``.builds/``, the published links) is only changed under this lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from analysis.core.errors import UserError

LOCK_FILE = ".lock"


class BuildBusy(UserError):
    """Another build of the same output directory is running (``--no-wait``)."""


def holder_record(command: list[str] | None = None) -> dict:
    """What this process writes into the lock it holds."""
    arguments = sys.argv[1:] if command is None else command
    return {"pid": os.getpid(),
            "started": dt.datetime.now().astimezone().replace(microsecond=0).isoformat(),
            "command": " ".join(["python -m analysis", shlex.join(arguments)]).strip()}


def describe_holder(text: str) -> str:
    """The holder's record as words: 'the build started at … by pid … (command)'."""
    try:
        record = json.loads(text)
        return (f"the build started at {record['started'].replace('T', ' ')} by pid "
                f"{record['pid']} ({record['command']})")
    except (ValueError, KeyError, TypeError, AttributeError):
        return "another build (it has not yet recorded its pid)"


def _print_once(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def build_lock(out_dir: Path, *, wait: bool = True,
               announce: Callable[[str], None] = _print_once) -> Iterator[Path]:
    """Hold the output directory's lock for the duration of the block.

    If another process holds it: ``wait`` — announce once whose it is, then wait for it;
    otherwise raise BuildBusy with the same words.
    """
    path = Path(out_dir) / LOCK_FILE
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = describe_holder(os.pread(descriptor, 4096, 0).decode(errors="replace"))
            if not wait:
                raise BuildBusy(f"{out_dir} is in use by {holder}; wait for it to finish, "
                                "or run without --no-wait to wait for it") from None
            announce(f"{out_dir}: waiting for {holder} to finish …")
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        record = json.dumps(holder_record()).encode() + b"\n"
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, record, 0)
        yield path
    finally:
        os.close(descriptor)  # releases the lock
