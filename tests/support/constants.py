"""Facts every tier shares, stated once: where things are and the sample commit."""

from pathlib import Path

REPO_ROOT = Path(__file__).parents[2]
SAMPLE_SUBPATH = "tests/fixtures/sample-service"
SAMPLE_SERVICE = REPO_ROOT / SAMPLE_SUBPATH
GIT_URL = "https://example.invalid/acme/pipeline.git"
# The commit the plan tier's offline git answers with (the example sha).
SHA = "abc123def4567890abc123def4567890abc12345"
