"""Personal API tokens for tests, and the header that carries one."""

from lms.auth import tokens


def api_token(session, user, scope: str = "write") -> str:
    """A token of ``user`` created by the real service; committed."""
    _row, token = tokens.create_token(session, user, f"test {scope}", scope)
    session.commit()
    return token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
