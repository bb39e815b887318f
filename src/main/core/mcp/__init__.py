"""What the smoke checker and the load generator share: talking to an MCP server.

The one MCP client over streamable HTTP (``client``), reads bounded in time and size
(``wire``), the transport that loads TLS only for HTTPS (``tls``), and the checks of an
address, its paths and time limits (``endpoint``). ``core/smoke`` and ``core/load``
build on this package and never import each other (an import contract holds both
ways). Standard library and httpx only: both run in bare containers.
"""
