"""Who is calling: the account behind the token or the session."""

from flask import g
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lms.api.rest import PREFIX, allow

blp = Blueprint("api_account", __name__, url_prefix=PREFIX, description="The caller's account")


class MeSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True, metadata={"enum": ["coach", "trainer", "admin"]})
    language = fields.String(required=True)
    scope = fields.String(
        required=True,
        metadata={"description": "read or write (a token's scope; write for the session)"},
    )


@blp.route("/me")
@allow()
@blp.response(200, MeSchema)
def me():
    """The caller's account and the scope of this call."""
    token = g.get("api_token")
    return {
        "id": current_user.id,
        "email": current_user.email,
        "display_name": current_user.display_name,
        "role": current_user.role,
        "language": current_user.language,
        "scope": token.scope if token is not None else "write",
    }
