"""Cursor pagination: a page of items in id order and an opaque cursor to the next page."""

import base64
import binascii

from marshmallow import Schema, fields
from sqlalchemy import Select
from sqlalchemy.orm import Session

from lms import params

DEFAULT_LIMIT, MAX_LIMIT = 50, 200


class Cursor(fields.String):
    """An opaque cursor (base64 of the last id seen), read back as that id."""

    default_error_messages = {"invalid": "Not a cursor this API gave."}  # noqa: RUF012

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            decoded = base64.urlsafe_b64decode(text.encode("ascii")).decode("ascii")
        except (UnicodeError, binascii.Error, ValueError):
            raise self.make_error("invalid") from None
        if not decoded.isdigit() or not 0 < int(decoded) <= params.MAX_ID:
            raise self.make_error("invalid")
        return int(decoded)


def encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode()


class PageArguments(params.Arguments):
    limit = params.Integer(1, MAX_LIMIT, load_default=DEFAULT_LIMIT)
    cursor = Cursor(load_default=None)


def page_schema(item: type[Schema]) -> type[Schema]:
    """The envelope of a list of ``item``: ``{"items": [...], "next_cursor": str | null}``."""
    name = item.__name__.removesuffix("Schema") + "PageSchema"
    return type(
        name,
        (Schema,),
        {
            "items": fields.List(fields.Nested(item), required=True),
            "next_cursor": fields.String(
                allow_none=True,
                required=True,
                metadata={"description": "cursor of the next page; null on the last one"},
            ),  # fmt: skip
        },
    )


def page_of_list(items: list, page: dict, key=lambda item: item.id) -> dict:
    """A page of ``items`` (sorted by ``key``, the id) after the cursor."""
    after = page["cursor"]
    rest = [item for item in items if after is None or key(item) > after]
    chosen = rest[: page["limit"]]
    more = len(rest) > len(chosen)
    return {"items": chosen, "next_cursor": encode(key(chosen[-1])) if more else None}


def page_of_query(session: Session, query: Select, id_column, page: dict) -> dict:
    """A page of the rows of ``query``, ordered by ``id_column``, after the cursor."""
    if page["cursor"] is not None:
        query = query.where(id_column > page["cursor"])
    rows = list(session.scalars(query.order_by(id_column).limit(page["limit"] + 1)))
    chosen = rows[: page["limit"]]
    more = len(rows) > len(chosen)
    return {"items": chosen, "next_cursor": encode(chosen[-1].id) if more else None}
