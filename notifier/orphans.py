"""No orphans: children that `make run` starts stop when it dies, however it dies.

Ctrl-C, SIGTERM and a closed terminal (SIGHUP) reach `make run`, which stops its children
itself; a SIGKILL gives it no chance, so each child also asks Linux for a parent-death signal
(prctl's PR_SET_PDEATHSIG, through the pyprctl package): SIGTERM as soon as its parent is gone.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable


def dies_with_this_process() -> Callable[[], None] | None:
    """A `preexec_fn` for children that must stop when this process dies (Linux only)."""
    if sys.platform != "linux":
        return None  # elsewhere the parent's own signal handlers are all there is
    parent = os.getpid()

    def _in_the_child() -> None:
        import pyprctl

        pyprctl.set_pdeathsig(signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the signal was asked for
            os.kill(os.getpid(), signal.SIGTERM)

    return _in_the_child
