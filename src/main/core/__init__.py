"""Everything in the pipeline that decides, parses or renders, free of the Dagger SDK.

Nothing below this package imports ``dagger``: it runs in tests without an engine, and
parts of it (``main.core.smoke``) run inside small client containers on their own.
"""
