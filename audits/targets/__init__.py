"""Service commitments and targets (承诺和目标): targets per period, approval, break-down, live
progress, the period-end evaluation (issue 18).
"""
