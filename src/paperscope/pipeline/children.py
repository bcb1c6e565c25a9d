"""Child processes that end with their parent, however it ends.

A worker pool's processes, or a read-ahead reader, would otherwise keep running for
seconds after their parent is killed (kill -9 runs no cleanup): Linux's
``PR_SET_PDEATHSIG`` has the kernel send them SIGKILL the moment the parent dies.
Elsewhere this does nothing, and the children end when they next touch their pipe.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

__all__ = ["die_with_parent"]

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int | None = None) -> None:
    """Have the kernel kill this process when its parent dies. ``parent_pid``: the parent
    expected, to catch a parent that died before this call (the child is then re-parented)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)  # the parent is already gone
