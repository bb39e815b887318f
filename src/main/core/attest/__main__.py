"""``python -m main.core.attest``: see :mod:`main.core.attest.cli`."""

import sys

from main.core.attest.cli import main

sys.exit(main())
