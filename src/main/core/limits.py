"""Bounds shared by settings and command-line options (standard library only).

The deploy's and the smoke checker's command lines run without pydantic, so the bound
they share with the settings tables lives here rather than beside the models.
"""

MAX_SECONDS = 24 * 3600  # a limit beyond a day is a typo, not patience
