"""What to do when a server's TLS certificate cannot be verified: one hint, said alike.

A staging service behind a self-signed certificate (or one signed by a private CA)
fails every request with OpenSSL's ``CERTIFICATE_VERIFY_FAILED``, which says what went
wrong but not the fix. The smoke checker and the load generator append the same hint
to the line that reports it. Standard library only.
"""

UNTRUSTED_CERTIFICATE = (
    "the server's TLS certificate is not trusted here (self-signed, or signed by a private "
    "CA): trust its CA with SSL_CERT_FILE=/path/to/ca.pem, or use the service's http:// "
    "address"
)


def with_tls_hint(error: str) -> str:
    """``error``, followed by how to trust the certificate when verifying it failed."""
    return f"{error}: {UNTRUSTED_CERTIFICATE}" if "CERTIFICATE_VERIFY_FAILED" in error else error
