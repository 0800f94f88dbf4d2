"""Project-wide HTTP infrastructure every app's API shares: ``Idempotency-Key`` handling,
throttles, and the OpenAPI schema class. It belongs to the project kernel and imports no app:
a credential that is a caller of its own (an API key) tells the kernel so through
``brandroom.http.credentials.KeyCredential``."""
