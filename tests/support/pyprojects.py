"""A service's ``pyproject.toml`` text around one ``[tool.pipeline]`` body, for config tests."""


def pyproject_with(body: str) -> str:
    """A minimal valid project (name, version) whose ``[tool.pipeline]`` table is ``body``."""
    return f'[project]\nname = "svc"\nversion = "0.1.0"\n\n[tool.pipeline]\n{body}\n'
