"""The trainer's face: cohort matrix, coach drill-down, grading, validation, records, statistics."""
