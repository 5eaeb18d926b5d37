"""Monthly settlement (结算) with each outlet from its signed work orders."""
