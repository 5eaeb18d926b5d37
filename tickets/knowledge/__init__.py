"""The fault catalogue and knowledge base (技术资料库): articles per product category, suggestions
at intake, the technical-support queue (issue 18).
"""
