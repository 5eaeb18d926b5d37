"""Tools and test equipment: the instrument ledger, calibration reminders and the check-in rule
(issue 18).
"""
