"""Live trainer-led sessions: one question at a time for a cohort, below both web faces."""
