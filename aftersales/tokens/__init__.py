"""Integrator tokens: several named, hashed, expiring API keys per integrator (README,
"Integrator tokens and throttling"), and the API's throttles per token and per user."""
