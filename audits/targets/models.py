"""Models of audits.targets."""
