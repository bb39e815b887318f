"""AWS keys handed to the ECS target explicitly, without loading boto3 to hold them."""

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class AwsKeys:
    """An access key pair (and a session token) given explicitly; ``repr`` shows none of it.

    The Dagger shell reads them from secrets into memory and hands them to boto3's
    session directly: they never pass through an environment variable.
    """

    access_key_id: str = field(repr=False)
    secret_access_key: str = field(repr=False)
    session_token: str = field(default="", repr=False)
