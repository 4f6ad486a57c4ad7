"""Administration pages: users, cohorts, enrolments, CSV import of coaches."""
