"""Models of tickets.incidents."""
