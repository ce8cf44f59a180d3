"""``python -m govstudy …`` is the ``govstudy`` command."""

import sys

from govstudy.cli import main

if __name__ == "__main__":
    sys.exit(main())
