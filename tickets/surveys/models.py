"""Models of tickets.surveys."""
