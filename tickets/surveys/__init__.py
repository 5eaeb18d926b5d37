"""Satisfaction surveys (回访): templates with questions, the return-visit sampling rule, results
and low-score follow-ups (issue 18).
"""
