"""``python -m main.core.deploy``: see :mod:`main.core.deploy.cli`."""

import sys

from main.core.deploy.cli import main

sys.exit(main())
