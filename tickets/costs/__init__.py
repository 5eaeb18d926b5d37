"""Service costs (费用管理): cost per ticket, expense claims and budgets."""
