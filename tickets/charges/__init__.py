"""Charging standards (收费标准), quotes, receipts, payments and refunds."""
