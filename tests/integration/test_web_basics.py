"""Languages, security headers, error pages, and the role home pages."""

from lms.extensions import db
from tests.support import factories
from tests.support.app import build_app
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


def test_pages_have_no_inline_script(client):
    page = client.get("/login").get_data(as_text=True)
    assert "<script>" not in page and "onclick=" not in page


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
