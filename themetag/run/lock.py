"""One run at a time per output: a lock file beside it that names the run holding it."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from types import TracebackType

from themetag.errors import OutputBusy


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


class OutputLock:
    """`OUT.lock`, created exclusively; a second run on the same output is refused with the
    first one's pid, host and start, and a lock left by a run that died on this host is
    taken over."""

    def __init__(self, output: Path, command: str):
        self.path = Path(f"{output}.lock")
        self.owner = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "command": command,
        }

    def __enter__(self) -> OutputLock:
        for _ in range(2):
            try:
                descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self._holder()
                if holder is not None:
                    raise OutputBusy(
                        f"{self.path.with_suffix('')} is being written by another themetag run"
                        f" (pid {holder.get('pid')} on {holder.get('host')}, since"
                        f" {holder.get('started')}): wait for it to finish, or delete"
                        f" {self.path} if that run is no longer running"
                    ) from None
                self.path.unlink(missing_ok=True)  # left by a run that died: take it over
                continue
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(self.owner, handle, ensure_ascii=False)
            return self
        raise OutputBusy(f"cannot take the lock {self.path}: another run keeps taking it")

    def _holder(self) -> dict | None:
        """Who holds the lock, or None when it was left by a run that is gone."""
        try:
            holder = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            holder = None
        if not isinstance(holder, dict):
            # Half written or damaged: only a run that died while taking it leaves that, or a
            # run taking it this very moment; an old one is stale.
            age = time.time() - self.path.stat().st_mtime if self.path.exists() else 0
            return None if age > 5 else {"pid": "?", "host": "?", "started": "just now"}
        same_host = holder.get("host") == socket.gethostname()
        pid = holder.get("pid")
        if same_host and isinstance(pid, int) and not _alive(pid):
            return None
        return holder

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.path.unlink(missing_ok=True)
