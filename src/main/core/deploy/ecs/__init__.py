"""The ECS target: a service's task definition, one container's image set by digest.

boto3 (the AWS SDK, reading credentials as every AWS tool does: environment, profile,
the runner's role), called from worker threads so the orchestration stays async.
"""
