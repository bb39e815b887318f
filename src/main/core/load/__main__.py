"""``python -m main.core.load URL [options]``: the load generator's command line (see ``cli``).

Locust is imported first: it monkey-patches the standard library for gevent, which
must happen before httpx (and so ``ssl``) is loaded.
"""

import sys

import locust  # noqa: F401 - patches the standard library before anything else loads

from main.core.load.cli import main

sys.exit(main())
