"""Models of tickets.depot."""
