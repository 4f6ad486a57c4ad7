"""A test client that uses the real forms: CSRF tokens, logging in and out."""

import re

from tests.support import factories

CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = CSRF_PATTERN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class Auth:
    """Logs a test client in and out through the real forms."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = factories.PASSWORD, **kwargs):
        token = csrf_token(self.client)
        return self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}, **kwargs
        )

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": csrf_token(self.client, "/")})

    def post(self, path: str, data: dict | None = None, **kwargs):
        """POST a form with a valid CSRF token taken from the page at ``path``'s site."""
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_token(self.client, "/"))
        return self.client.post(path, data=data, **kwargs)


def logged_in_client(app, email: str):
    """A test client of ``app`` logged in as ``email``, with ``client.auth`` to post forms."""
    client = app.test_client()
    response = Auth(client).login(email)
    assert response.status_code == 302, f"login of {email} failed"
    client.auth = Auth(client)
    return client
