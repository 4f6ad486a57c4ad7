"""Competence validation: decisions with evidence, revocations, progress, completion records."""
