"""The resources of /api/v1, one module each; every view calls the services the pages call."""

from lms.api.v1 import (
    account,
    admin,
    attempts,
    catalog,
    cohorts,
    decisions,
    live,
    progress,
    statements,
)  # fmt: skip

BLUEPRINTS = [
    account.blp, catalog.blp, attempts.blp, progress.blp, cohorts.blp, statements.blp,
    decisions.blp, live.blp, admin.blp,
]  # fmt: skip
