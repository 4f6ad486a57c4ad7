"""Accounts, roles, cohorts, login and password handling."""
