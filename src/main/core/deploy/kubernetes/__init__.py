"""The Kubernetes target: a Deployment's container set to an image by digest.

Plain httpx against the documented API (apps/v1 Deployments, coordination.k8s.io/v1
Leases, v1 ConfigMaps): the deploy touches five endpoints, and httpx is the HTTP client
the rest of ``core`` already uses and tests, so no client library's object model,
retries or content types stand between the tests' API server and what a cluster sees.
"""
