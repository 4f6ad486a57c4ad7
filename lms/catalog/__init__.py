"""Course content as files: read, validate, render, export (CASE) and load into the database."""
