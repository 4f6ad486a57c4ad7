"""The resources of /api/v1, one module each; every view calls the services the pages call."""

from lms.api.v1 import account

BLUEPRINTS = [account.blp]
