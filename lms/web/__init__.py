"""Shared web basics: home page per role, language selection, security headers, error pages."""
