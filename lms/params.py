"""Typed reading of what a request sends in its query string or form: every id, number, date
and moment a page takes goes through these marshmallow fields (never a hand-written ``int()``),
so a crafted value is a 400 with the field's name, not a 500.
"""

from datetime import UTC, date, datetime

from flask import abort
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

# Ids are 32-bit integers in the database; a bigger one names nothing.
MAX_ID = 2**31 - 1
# Dates a person may type: a day added to the last one, or an offset, stays a valid date.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9000, 12, 31)


class IdConverter(IntegerConverter):
    """``<int:…>`` in routes: ASCII digits up to MAX_ID, so a huge id is a 404."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def _ascii_digits(value) -> bool:
    return not isinstance(value, str) or value.strip().isascii()


class Integer(fields.Integer):
    """An integer written with ASCII digits (``²`` is not 2), within ``minimum``–``maximum``."""

    def __init__(self, minimum: int = 0, maximum: int = MAX_ID, **kwargs):
        super().__init__(validate=validate.Range(minimum, maximum), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not _ascii_digits(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Id(Integer):
    def __init__(self, **kwargs):
        super().__init__(1, MAX_ID, **kwargs)


class Day(fields.Date):
    """A calendar day, YYYY-MM-DD, between FIRST_DAY and LAST_DAY."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(FIRST_DAY, LAST_DAY), **kwargs)


class Moment(fields.Field):
    """An ISO 8601 timestamp with an offset, returned in UTC; a plain day is its midnight UTC."""

    default_error_messages = {  # noqa: RUF012 (marshmallow's convention)
        "invalid": "Expected a date (YYYY-MM-DD) or a timestamp with an offset.",
        "range": "The date must lie between 1900 and 9000.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        text = value.strip() if isinstance(value, str) else ""
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise self.make_error("invalid") from None
        if moment.tzinfo is None:
            if len(text) != 10:  # a bare day is fine, a local time without offset is not
                raise self.make_error("invalid")
            moment = moment.replace(tzinfo=UTC)
        if not FIRST_DAY <= moment.date() <= LAST_DAY:
            raise self.make_error("range")
        return moment.astimezone(UTC)


class Text(fields.String):
    """One line of text: no control characters (NUL, CR, LF…), at most ``size`` characters."""

    def __init__(self, size: int = 200, **kwargs):
        super().__init__(validate=validate.Length(max=size), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if any(ord(character) < 32 or ord(character) == 127 for character in text):
            raise self.make_error("invalid")
        return text.strip()


def optional_integer(values, key: str) -> int | None:
    """``values[key]`` (query, form or headers) as an integer of ASCII digits within 0–MAX_ID,
    or None when it is absent or malformed: for the revision a live screen sends back, where a
    wrong one only costs a full refresh."""
    try:
        return Integer(0, MAX_ID).deserialize(values.get(key)) if values.get(key) else None
    except ValidationError:
        return None


class Arguments(Schema):
    """Base of the schemas of a page's arguments: unknown ones are ignored."""

    class Meta:
        unknown = EXCLUDE


def read(schema: Schema, values: MultiDict) -> dict:
    """``values`` (``request.args`` or ``request.form``) loaded by ``schema``; 400 naming the
    offending fields when one is malformed. A List field takes every value of its key."""
    data = {}
    for name, field in schema.fields.items():
        key = field.data_key or name
        if key in values:
            data[key] = values.getlist(key) if isinstance(field, fields.List) else values.get(key)
    try:
        return schema.load(data)
    except ValidationError as error:
        problems = "; ".join(f"{key}: {' '.join(map(str, m))}" for key, m in error.messages.items())
        abort(400, description=problems)
