"""Django's PostgreSQL backend, with the persistent connections' health check skipped
while a connection has just served a request (``base.DatabaseWrapper``)."""
