"""One ECS client, its calls run in worker threads and their faults turned into one line.

Before the deploy changed anything, an unreachable endpoint or refused credentials is a
:class:`DeployError` ("nothing changed"); once it has, a lost endpoint is
:class:`HostLost`. AWS error messages never quote a secret key; the access key id is
never printed either.
"""

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
import botocore.exceptions
from botocore.config import Config

from main.core.deploy.ecs.keys import AwsKeys
from main.core.deploy.errors import DeployError, HostLost
from main.core.text import clip, one_line

if TYPE_CHECKING:
    from mypy_boto3_ecs import ECSClient

REFUSED = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "ExpiredTokenException",
    "AccessDeniedException",
    "AccessDenied",
}


class EcsApi:
    """ECS in one region (optionally at another endpoint, e.g. an emulator)."""

    def __init__(
        self, region: str, endpoint_url: str | None = None, keys: AwsKeys | None = None
    ) -> None:
        """A client with bounded timeouts and retries; ``keys``, else as boto3 finds them."""
        self.region, self.endpoint_url = region, endpoint_url
        config = Config(
            connect_timeout=10, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"}
        )
        session = (
            boto3.session.Session()
            if keys is None
            else boto3.session.Session(
                aws_access_key_id=keys.access_key_id,
                aws_secret_access_key=keys.secret_access_key,
                aws_session_token=keys.session_token or None,
            )
        )
        self.client: ECSClient = session.client(
            "ecs", region_name=region, endpoint_url=endpoint_url, config=config
        )
        self.started = False  # set once the deploy changed something

    @property
    def where(self) -> str:
        """The endpoint, for messages."""
        return self.endpoint_url or f"ECS in {self.region}"

    async def call(self, action: Callable[..., Any], **arguments: Any) -> Any:  # noqa: ANN401 - boto3
        """``action(**arguments)`` in a thread; AWS faults as one line."""
        try:
            return await asyncio.to_thread(action, **arguments)
        except botocore.exceptions.NoCredentialsError:
            msg = (
                "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or "
                "AWS_PROFILE), or run where a role provides them"
            )
            raise DeployError(msg) from None
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            code, said = str(error.get("Code", "")), one_line(str(error.get("Message", "")))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in REFUSED or status in {401, 403}:
                msg = (
                    f"AWS refused the credentials for {self.where} ({code}): "
                    "check them and their ECS permissions"
                )
                raise DeployError(msg) from None
            msg = f"{exc.operation_name} on {self.where}: {code}: {clip(said, 300)}"
            raise DeployError(msg) from None
        except (
            botocore.exceptions.EndpointConnectionError,
            botocore.exceptions.ConnectionError,
            botocore.exceptions.ReadTimeoutError,
        ) as exc:
            msg = f"{self.where} cannot be reached: {clip(one_line(str(exc)), 200)}"
            raise (HostLost if self.started else DeployError)(msg) from None
