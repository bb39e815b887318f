"""The headers GitHub's REST API documents for every request, checked by the local stubs.

Both stand-ins for GitHub (code-scanning upload, package versions) hold requests to
the same rules: a bearer token, the GitHub JSON media type and the dated API version.
The values are written here from GitHub's documentation, not imported from the code
under test, so a wrong value there fails the tests.
"""

from collections.abc import Mapping

API_VERSION = "2022-11-28"
BAD_AUTHORIZATION = "Authorization is not 'Bearer <token>'"


def header_problems(headers: Mapping[str, str], token: str) -> list[str]:
    """Every documented header rule that ``headers`` (lower-case names) breaks, in order."""
    problems = []
    if headers.get("authorization") != f"Bearer {token}":
        problems.append(BAD_AUTHORIZATION)
    if headers.get("accept") != "application/vnd.github+json":
        problems.append("Accept is not application/vnd.github+json")
    if headers.get("x-github-api-version") != API_VERSION:
        problems.append(f"X-GitHub-Api-Version is not {API_VERSION}")
    return problems
