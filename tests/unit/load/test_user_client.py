"""The load user's HTTP client: cheap to open, since every simulated user opens one.

A default ``httpx.Client`` loads certifi's CA bundle (~30 ms of CPU here). Users start
one after another in a single gevent thread, so 3 users at 100 per second sent their
first ``initialize`` ~100 ms late (after a 0.03 s ramp-up, so it was judged), and
10,000 users spent minutes in it. Checked in a child process: importing the user
imports Locust, which patches the standard library.
"""

import subprocess
import sys

from tests.support.constants import REPO_ROOT

PROBE = """
import ssl
from main.core.load.spec import LoadSpec
from main.core.load import user

def refuse(*args, **kwargs):
    raise SystemExit("the CA bundle was loaded")

ssl.SSLContext.load_verify_locations = refuse
ssl.SSLContext.load_default_certs = refuse
client = user.new_client(LoadSpec(url="{url}"))
print(type(client).__name__, client.follow_redirects)
"""


def probe(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE.format(url=url)],
        cwd=REPO_ROOT / "src",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_plain_http_target_loads_no_ca_bundle_per_user() -> None:
    done = probe("http://app:8000")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["Client", "True"]  # redirects followed, as before
