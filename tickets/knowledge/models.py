"""Models of tickets.knowledge."""
