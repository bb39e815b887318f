"""ECS for the tests: moto in server mode, and the deployment controller moto lacks.

Moto (``python -m moto.server`` on 127.0.0.1) is the real HTTP emulator of the AWS API:
clusters, services, task definitions, tags, all through boto3. It runs no tasks and
keeps a service's ``deployments`` as they were at creation, so a front on loopback
forwards every request to it unchanged and rewrites only DescribeServices answers the
way ECS's deployment controller would: after an UpdateService, a new PRIMARY
deployment of the new task definition beside the old ACTIVE one; one poll later the
old one is gone and the rollout COMPLETED, unless the new revision's image is one that
never becomes ready: then the rollout stays IN_PROGRESS, or (``breaker`` seconds later)
is FAILED as the deployment circuit breaker says. :meth:`EcsFront.serving` tells the
test's local HTTP service which image the service's running tasks have. Once a rollout
completed, tasks of a ``restarting`` image fail every ``RESTART_EVERY`` seconds and ECS
replaces them at once (the PRIMARY deployment's ``failedTasks`` grows, its tasks keep
running); tasks of a ``crashing`` image all fail once :meth:`EcsFront.smoked` says their
live smoke test passed, and no replacement starts (``runningCount`` 0).
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import httpx

from tests.support.http_servers import Log, Recorded, RecordingHandler, serving
from tests.support.processes import free_port

TARGET = "AmazonEC2ContainerServiceV20141113."
CONTAINER = "app"
RESTART_EVERY = 0.1  # seconds between two failed (and replaced) tasks of a restarting image


@dataclass(frozen=True)
class Moto:
    """A moto server that checks credentials, and the one key pair it accepts."""

    url: str
    access_key: str
    secret_key: str

    def env(self) -> dict[str, str]:
        """The environment boto3 reads these credentials from (no other source consulted)."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_EC2_METADATA_DISABLED": "true",  # never ask 169.254.169.254
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }


# The first requests set up the one IAM user (unchecked); every later one is checked.
_SETUP_ACTIONS = 3


@contextmanager
def moto_server() -> Iterator[Moto]:
    """``python -m moto.server`` on a free loopback port, checking credentials (IAM)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(_SETUP_ACTIONS)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    msg = f"moto server did not start (exit {process.poll()})"
                    raise RuntimeError(msg) from None
                time.sleep(0.1)
        yield _deployer(url)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _deployer(url: str) -> Moto:
    """An IAM user allowed everything, and its access key: the last unchecked requests."""
    iam = boto3.client(
        "iam",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="setup",
        aws_secret_access_key="setup",  # noqa: S106 - unchecked by moto before the count runs out
    )
    iam.create_user(UserName="deployer")
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    iam.put_user_policy(UserName="deployer", PolicyName="all", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="deployer")["AccessKey"]
    return Moto(url, key["AccessKeyId"], key["SecretAccessKey"])


@dataclass
class Rollout:
    """What the emulated controller knows of one service."""

    task_definition: str
    serving: str  # the task definition the running tasks have
    started: float = field(default_factory=time.monotonic)
    polls: int = 0
    completed: float = field(default_factory=time.monotonic)  # when its tasks all ran
    failed: int = 0  # tasks of this deployment that failed
    down: bool = False  # its tasks crashed and none was replaced
    desired: int = 0


@dataclass
class EcsFront:
    """The deployment controller's state, shared with the handler threads."""

    moto: Moto
    never_ready: set[str] = field(default_factory=set)
    breaker: float | None = 1.0  # seconds until the circuit breaker fails a never-ready rollout
    restarting: set[str] = field(default_factory=set)  # images whose tasks keep failing
    crashing: set[str] = field(default_factory=set)  # images whose tasks fail after a smoke
    rollouts: dict[str, Rollout] = field(default_factory=dict)
    images: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))  # pooled
    log: Log = field(default_factory=Log)  # every request the front forwarded, in order
    _client: Any = None

    def calls(self, action: str) -> int:
        """How many ``action`` requests (e.g. ListTagsForResource) reached the front."""
        with self.log.lock:
            targets = [r.headers.get("x-amz-target") for r in self.log.requests]
        return targets.count(TARGET + action)

    def image(self, task_definition: str) -> str:
        """The ``app`` container's image of a revision, asked of moto once."""
        if task_definition not in self.images:
            answer = self._moto("DescribeTaskDefinition", {"taskDefinition": task_definition})
            containers = answer["taskDefinition"]["containerDefinitions"]
            self.images[task_definition] = next(
                (c["image"] for c in containers if c["name"] == CONTAINER), ""
            )
        return self.images[task_definition]

    def _moto(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        """One ECS call straight to moto, signed as the deployer."""
        assert action == "DescribeTaskDefinition"
        if self._client is None:
            self._client = boto3.client(
                "ecs",
                region_name="us-east-1",
                endpoint_url=self.moto.url,
                aws_access_key_id=self.moto.access_key,
                aws_secret_access_key=self.moto.secret_key,
            )
        found: dict[str, Any] = self._client.describe_task_definition(**body)
        return found

    def serving(self, service_arn: str) -> str:
        """The image the service's running tasks have ("" before any deployment)."""
        with self.lock:
            rollout = self.rollouts.get(service_arn)
        return "" if rollout is None else self.image(rollout.serving)

    def down(self, service_arn: str) -> bool:
        """Whether the service's tasks crashed and none runs."""
        with self.lock:
            rollout = self.rollouts.get(service_arn)
            return rollout is not None and rollout.down

    def smoked(self, service_arn: str) -> None:
        """A live smoke test passed: a crashing image's tasks now fail, none replaced."""
        with self.lock:
            rollout = self.rollouts.get(service_arn)
            if rollout is None or rollout.down or rollout.serving != rollout.task_definition:
                return
            image = self.images.get(rollout.serving, "")
            if image in self.crashing:
                rollout.down, rollout.failed = True, rollout.failed + rollout.desired

    def _failed(self, rollout: Rollout) -> int:
        """Failed tasks of the rollout's deployment, a restarting image's included."""
        failed = rollout.failed
        if self.images.get(rollout.serving) in self.restarting:
            failed += int((time.monotonic() - rollout.completed) / RESTART_EVERY)
        return failed

    def rewrite(self, service: dict[str, Any]) -> dict[str, Any]:
        """One service of a DescribeServices answer, as ECS would show it now."""
        arn, wanted = service["serviceArn"], service["taskDefinition"]
        desired = service.get("desiredCount", 0)
        with self.lock:
            rollout = self.rollouts.setdefault(arn, Rollout(wanted, wanted))
            if rollout.task_definition != wanted:
                rollout.task_definition, rollout.started, rollout.polls = (
                    wanted,
                    time.monotonic(),
                    0,
                )
                rollout.failed, rollout.down = 0, False
            rollout.polls += 1
            rollout.desired = desired
            old = rollout.serving
        never = self.image(wanted) in self.never_ready
        state = "IN_PROGRESS"
        self.image(old)  # known before smoked() asks
        if old == wanted or (not never and rollout.polls > 1):
            state = "COMPLETED"
            with self.lock:
                if rollout.serving != wanted:
                    rollout.serving, rollout.completed = wanted, time.monotonic()
        elif (
            never and self.breaker is not None and time.monotonic() - rollout.started > self.breaker
        ):
            state = "FAILED"
        new = {
            "id": f"ecs-svc/{abs(hash(wanted)) % 10**12}",
            "status": "PRIMARY",
            "taskDefinition": wanted,
            "desiredCount": desired,
            "runningCount": desired if state == "COMPLETED" and not rollout.down else 0,
            "failedTasks": self._failed(rollout) if state == "COMPLETED" else 0,
            "rolloutState": state,
            "rolloutStateReason": {
                "COMPLETED": "ECS deployment completed.",
                "IN_PROGRESS": "ECS deployment in progress.",
                "FAILED": "ECS deployment circuit breaker: tasks failed to start.",
            }[state],
        }
        deployments = [new]
        if state != "COMPLETED":
            deployments.append(
                {
                    **new,
                    "id": "ecs-svc/old",
                    "status": "ACTIVE",
                    "taskDefinition": old,
                    "runningCount": desired,
                    "rolloutState": "COMPLETED",
                }
            )
        running = 0 if rollout.down and state == "COMPLETED" else desired
        return {**service, "deployments": deployments, "runningCount": running}


class FrontHandler(RecordingHandler):
    """Forwards to moto; DescribeServices comes back as ECS's controller would answer."""

    front: EcsFront

    def answer(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        """Forward, rewrite DescribeServices."""
        headers = {
            k: v for k, v in request.headers.items() if k not in {"content-length", "connection"}
        }  # Host is signed: kept
        response = self.front.http.request(
            request.method,
            self.front.moto.url + request.target,
            content=request.body,
            headers=headers,
            timeout=30,
        )
        body = response.content
        if (
            request.headers.get("x-amz-target") == TARGET + "DescribeServices"
            and response.is_success
        ):
            data = response.json()
            data["services"] = [self.front.rewrite(s) for s in data.get("services", [])]
            body = json.dumps(data).encode()
        kept = {
            k: v
            for k, v in response.headers.items()
            if k.lower() in {"content-type", "x-amzn-requestid"}
        }
        return response.status_code, kept, body


@contextmanager
def ecs_front(moto: Moto, **options: Any) -> Iterator[tuple[str, EcsFront]]:  # noqa: ANN401
    """The front on a free loopback port: (its URL, its state)."""
    front = EcsFront(moto, **options)
    try:
        with serving(FrontHandler, log=front.log, front=front) as url:
            yield url, front
    finally:
        front.http.close()
