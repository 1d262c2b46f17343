"""Programs a reader runs (LibreOffice, catdoc, Tesseract): bounded in time, killed whole."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess

# Printed on every run by LibreOffice without Java, whatever happens: not worth a summary.
_NOISE = "Warning: failed to launch javaldx"


def run_tool(
    command: list[str], seconds: float, folder: str, **variables: str
) -> subprocess.CompletedProcess[bytes]:
    """`command` run with its temporary files in `folder` and these environment `variables`,
    killed with every process it started if it runs past `seconds` (subprocess.TimeoutExpired)
    or once it is done."""
    environment = {**os.environ, "TMPDIR": folder, **variables}
    with subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
        start_new_session=True,  # a process group of its own, to be killed whole
    ) as process:
        try:
            output, errors = process.communicate(timeout=seconds)
        finally:
            # LibreOffice runs soffice.bin under two launchers: killing the launcher alone
            # would leave it converting. Done once it ended too, for anything it left running.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(command, process.returncode, output, errors)


def summary(messages: bytes) -> str:
    """The last few lines a tool printed, for an error message."""
    lines = messages.decode("utf-8", "replace").splitlines()
    kept = [line.strip() for line in lines if line.strip() and not line.startswith(_NOISE)]
    said = "; ".join(kept[-3:])
    return (said[:300] + "…" if len(said) > 300 else said) or "it said nothing"
