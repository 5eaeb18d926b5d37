"""The REST API of this app (api-contract.md conventions)."""
