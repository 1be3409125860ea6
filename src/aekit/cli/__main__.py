"""``python -m aekit.cli``: the same as the ``aekit`` command (DDP workers re-run it)."""

import sys

from aekit.cli import main

sys.exit(main())
