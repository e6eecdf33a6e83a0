"""Run the command and kill it (SIGKILL, which nothing can catch) at a chosen instant.

`python killed_at.py EVENT TAIL ARG...` runs `flake8-keras-activation ARG...` and kills it at
the first audit event EVENT (`os.rename`, `os.truncate`, `os.remove`, `open`, ...) whose first
argument ends with TAIL: the tests stop the real code, unchanged, between two of its system calls,
with no hook of theirs in it.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from flake8_keras_activation.cli import main


def run_killed_at(event: str, tail: str, arguments: list[str]) -> int:
    def hook(name: str, args: tuple[Any, ...]) -> None:
        if name == event and args and str(args[0]).endswith(tail):
            os.kill(os.getpid(), signal.SIGKILL)

    sys.addaudithook(hook)
    return main(arguments)


if __name__ == "__main__":
    sys.exit(run_killed_at(sys.argv[1], sys.argv[2], sys.argv[3:]))
