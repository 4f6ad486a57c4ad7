"""The resources of /api/v1, one module each; every view calls the services the pages call."""

from lms.api.v1 import account, attempts, catalog, cohorts, progress, statements

BLUEPRINTS = [
    account.blp, catalog.blp, attempts.blp, progress.blp, cohorts.blp, statements.blp,
]  # fmt: skip
