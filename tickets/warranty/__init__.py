"""Warranty terms (三包) and service contracts, and the warranty decision derived from them."""
