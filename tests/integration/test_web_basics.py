"""Languages, security headers, error pages, and the role home pages."""

from html.parser import HTMLParser

import pytest
from flask import url_for

from lms.extensions import db
from lms.i18n import N_
from lms.quiz.service import AttemptError
from tests.support import factories
from tests.support.app import build_app
from tests.support.routes import client_as, route_world, url_values
from tests.support.web import Auth, csrf_token


def test_french_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr">' in page and "Se connecter" in page


def test_accept_language_english(client):
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(
        as_text=True
    )
    assert '<html lang="en">' in page and "Log in" in page


def test_user_preference_beats_accept_language(app, db_session):
    user = factories.make_user(db_session, language="en")
    db_session.commit()
    client = app.test_client()
    Auth(client).login(user.email)
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Welcome, " in page and '<html lang="en">' in page


def test_language_switch_is_saved_for_the_user(coach_client, db_session, demo_cohort):
    response = coach_client.auth.post("/language", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "My training" in coach_client.get("/").get_data(as_text=True)
    db_session.expire_all()
    assert (
        db_session.get(type(demo_cohort["coaches"][0]), demo_cohort["coaches"][0].id).language
        == "en"
    )


def test_unknown_language_is_a_400(client):
    response = client.post("/language", data={"language": "de", "csrf_token": csrf_token(client)})
    assert response.status_code == 400


def test_security_headers(client):
    headers = client.get("/login").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


class InlineScripts(HTMLParser):
    """Collects what a ``script-src 'self'`` policy blocks: scripts without src, on* handlers."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append(self.get_starttag_text())
        self.found.extend(f"<{tag} {name}=…>" for name in names if name.startswith("on"))


def inline_scripts(html: str) -> list[str]:
    parser = InlineScripts()
    parser.feed(html)
    return parser.found


def test_inline_scripts_are_found():
    page = '<script src="/a.js"></script><script>x()</script><button onClick="y()">'
    assert inline_scripts(page) == ["<script>", "<button onclick=…>"]


@pytest.mark.parametrize("role", ["anonymous", "coach", "trainer", "admin"])
def test_no_page_has_inline_script(app, demo_cohort, db_session, tmp_path, monkeypatch, role):
    """Every page of every GET route, as each role sees it (refusals and redirects included)."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", tmp_path)
    world = route_world(db_session, demo_cohort, tmp_path)
    client = client_as(app, demo_cohort, role)
    pages = 0  # HTML pages served with 200
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **url_values(rule, world))
        response = client.get(url)
        if response.mimetype == "text/html":
            pages += response.status_code == 200
            assert inline_scripts(response.get_data(as_text=True)) == [], f"{role} on {url}"
        response.close()
    assert pages >= (2 if role == "anonymous" else 10), "the walk did not reach the role's pages"


def test_session_cookie_is_httponly_and_lax(client, demo_cohort):
    response = Auth(client).login(demo_cohort["admin"].email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_localised_404(client):
    french = client.get("/no-such-page")
    assert french.status_code == 404 and "Cette page n&#39;existe pas." in french.get_data(
        as_text=True
    )
    english = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert "This page does not exist." in english.get_data(as_text=True)


def test_localised_403(coach_client):
    response = coach_client.get("/admin/")
    assert response.status_code == 403
    assert "Vous n&#39;avez pas accès à cette page." in response.get_data(as_text=True)


def test_home_differs_by_role(coach_client, trainer_client, admin_client):
    assert "Ma formation" in coach_client.get("/").get_data(as_text=True)
    assert "Tableau de bord formateur" in trainer_client.get("/").get_data(as_text=True)
    assert "Importer des coachs" in admin_client.get("/").get_data(as_text=True)


def test_the_menu_follows_the_role(coach_client, trainer_client, admin_client):
    def links(client) -> set[str]:
        page = client.get("/modules/").get_data(as_text=True)
        return {path for path in ("/trainer/", "/admin/", "/progress") if f'href="{path}"' in page}

    assert links(coach_client) == {"/progress"}
    assert links(trainer_client) == {"/trainer/"}
    assert links(admin_client) == {"/trainer/", "/admin/"}


def test_the_account_list_names_each_role(admin_client):
    rows = admin_client.get("/admin/").get_data(as_text=True)
    for label in ("<td>Coach</td>", "<td>Formateur</td>", "<td>Administrateur</td>"):
        assert label in rows


def test_unexpected_errors_get_the_localised_500_page(database_url):
    app = build_app(database_url)
    app.testing = False  # let the error handler answer, as in production

    @app.route("/boom")
    def boom():
        raise RuntimeError("unexpected")

    boom.allowed_roles = frozenset()  # not part of the real route table
    response = app.test_client().get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Un problème est survenu de notre côté." in page and "Traceback" not in page
    with app.app_context():
        db.engine.dispose()


def test_a_user_error_no_view_caught_is_a_400_with_its_message(database_url):
    app = build_app(database_url)
    app.testing = False  # let the error handler answer, as in production

    @app.route("/refused")
    def refused():
        raise AttemptError(N_("The time limit has passed; this answer was not saved."))

    refused.allowed_roles = frozenset()  # not part of the real route table
    response = app.test_client().get("/refused")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Le temps imparti est écoulé" in page and "Traceback" not in page
    with app.app_context():
        db.engine.dispose()
