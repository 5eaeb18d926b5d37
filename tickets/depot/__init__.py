"""Depot repair (返修): equipment receipts, workshop stages and their turnaround target, loan
units (issue 18).
"""
