"""Ralph's ASGI app with its file-system LRS backend fixed: append writes, IRI-aware filters."""

from typing import Any

from ralph.api import app
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

__all__ = ["app"]

# As shipped, every write uses CREATE on one file, so the second POST fails with a 500.
FSLRSBackend.default_operation_type = BaseOperationType.APPEND

_add_filter_by_verb = FSLRSBackend._add_filter_by_verb
_add_filter_by_activity = FSLRSBackend._add_filter_by_activity


def _as_text(value: Any) -> str | None:
    # The router hands over pydantic IRI objects, which never equal the stored strings.
    return None if value is None else str(value)


def _filter_by_verb(filters: list, verb_id: Any) -> None:
    _add_filter_by_verb(filters, _as_text(verb_id))


def _filter_by_activity(filters: list, object_id: Any, related: bool | None) -> None:
    _add_filter_by_activity(filters, _as_text(object_id), related)


FSLRSBackend._add_filter_by_verb = staticmethod(_filter_by_verb)
FSLRSBackend._add_filter_by_activity = staticmethod(_filter_by_activity)
