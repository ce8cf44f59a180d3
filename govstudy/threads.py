"""One BLAS thread for the small matrix products that estimators run many times.

On a 2-core machine a multi-threaded BLAS product of a few thousand rows spends more time starting and
stalling threads than computing (up to ~0.1 s when the other core is busy), so such products run on one
thread. ``threadpoolctl`` does the switching; its scan of the loaded libraries (0.3-4 ms, more with more
libraries loaded) is done once per process, not at every call.

>>> import numpy as np
>>> with one_blas_thread():
...     float((np.ones((3, 2)).T @ np.ones((3, 2)))[0, 0])
3.0
"""

from __future__ import annotations

import functools

from threadpoolctl import ThreadpoolController

__all__ = ["one_blas_thread"]


@functools.cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


def one_blas_thread():
    """A context manager that runs BLAS on one thread inside it (and restores the thread count after)."""
    return _controller().limit(limits=1, user_api="blas")
