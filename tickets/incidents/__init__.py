"""Emergencies (应急): incidents with a grade and targets, linked tickets, the bulk notice and
the post-incident review (issue 18).
"""
