"""The data-directory lock: one process per data directory.

An OS lock (flock) on `mistral-lite.lock` in the data directory, taken before
anything opens the database. The kernel drops it when the holder dies, even
by kill -9, so a crash never leaves a stale lock behind; the file itself
stays and only carries the holder's pid for the message a second process
prints.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from mistral_lite.errors import StartRefused

LOCK_NAME = "mistral-lite.lock"


class DataDirLock:
    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, data_dir: Path) -> "DataDirLock":
        """Create the directory if needed and lock it, or refuse with who holds it."""
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except FileExistsError:  # exist_ok covers directories only
            raise StartRefused(f"data directory {data_dir} is not a directory") from None
        except OSError as e:
            raise StartRefused(f"data directory {data_dir} cannot be created: {e.strerror}") from None
        path = data_dir / LOCK_NAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise StartRefused(f"data directory {data_dir} is not usable: cannot open {path}: {e.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f"process {holder}" if holder else "another process"
            raise StartRefused(
                f"data directory {data_dir} is in use by {who} (lock {path}); "
                "stop that process or start with another --data-dir"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor drops the flock
            self._fd = None


def _read_pid(fd: int) -> int | None:
    try:
        return int(os.pread(fd, 32, 0).decode().strip())
    except (OSError, ValueError):
        return None
