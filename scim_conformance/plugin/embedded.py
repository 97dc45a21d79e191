"""The bundled reference server behind --scim-reference, in a process of its own.

In its own interpreter the server answers on the machine's other core while the suite
runs, instead of taking turns with the suite for one interpreter lock (on 2 cores the
default run took about 0.8 s less). It is started in a session of its own, so a Ctrl-C at
the terminal reaches the suite, which then still cleans up against a live server, and it
exits by itself when the suite's process ends however it ends: its standard input is a
pipe from the suite, and the server stops when that pipe closes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

LISTENING = "SCIM reference server listening on "
STOP_WAIT_SECONDS = 5.0


class EmbeddedServerError(Exception):
    """The bundled server did not start; the message says what it printed instead."""


@dataclass
class EmbeddedServer:
    """A started reference server process and its SCIM base URL."""

    process: subprocess.Popen[str]
    base_url: str

    def stop(self) -> None:
        """Close its input (it exits), and terminate it if it does not."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(STOP_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def start(token: str) -> EmbeddedServer:
    """Start `python -m scim_conformance.reference` on a free loopback port."""
    process = subprocess.Popen(
        [sys.executable, "-m", "scim_conformance.reference", "--port", "0", "--until-eof"],
        # The token goes by environment, not argv: no process listing shows it.
        env={**os.environ, "SCIM_TOKEN": token},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        # The server prints nothing else; a traceback must never block it on a full pipe.
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None  # stdout=PIPE
    line = process.stdout.readline()
    if not line.startswith(LISTENING):
        EmbeddedServer(process, "").stop()
        shown = line.strip() or f"nothing (exit status {process.returncode})"
        raise EmbeddedServerError(f"the bundled reference server did not start: it printed {shown}")
    return EmbeddedServer(process, line[len(LISTENING) :].strip())
