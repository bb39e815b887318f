"""``python -m main.core.smoke URL [options]``: the checker's command line (see ``cli``)."""

import sys

from main.core.smoke.cli import main

sys.exit(main())
