"""Models of technicians.tools."""
