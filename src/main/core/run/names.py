"""The names a run's report uses for its workflows and stages, said once.

Other checks read them (the job summary, the failure line, the workflow templates'
summary step), so a stage is never spelled two ways.
"""

from typing import Final

STAGING: Final = "deploy-staging"
CI: Final = "ci"

BUILD: Final = "build"
SCAN: Final = "scan"
CODE_SCANNING: Final = "code-scanning"
SMOKE_TEST: Final = "smoke-test"
PUBLISH: Final = "publish"
ATTEST: Final = "attest"
DEPLOY: Final = "deploy"
POST_DEPLOY_TEST: Final = "post-deploy-test"
LOAD_TEST: Final = "load-test"
NOTIFY: Final = "notify"
CHECK_TRIGGER: Final = "check-trigger"
