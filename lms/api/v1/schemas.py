"""Fields and schemas shared by the resources of /api/v1."""

from marshmallow import Schema, fields

from lms import params


def lang_map(**kwargs) -> fields.Dict:
    """A text in several languages: ``{"fr": "…", "en": "…"}``."""
    return fields.Dict(keys=fields.String(), values=fields.String(), **kwargs)


def moment(**kwargs) -> fields.DateTime:
    """A moment in UTC, ISO 8601 with its offset."""
    return fields.DateTime(format="iso", **kwargs)


class CodeArguments(params.Arguments):
    """A module (or unit) code in a path: letters, digits and dots."""


class EmptySchema(Schema):
    """No body (204)."""


class With:
    """An object read by a schema, with extra attributes: ``With(module, lessons=[…])``."""

    def __init__(self, obj, **extra) -> None:
        self._obj = obj
        self.__dict__.update(extra)

    def __getattr__(self, name: str):
        return getattr(self._obj, name)
