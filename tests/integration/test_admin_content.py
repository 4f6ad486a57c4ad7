"""Content without a command line: the administrator validates the content on disk, sees what a
load would change, loads it; imports a GIFT file after its preview and dry run."""

import io
import re
import shutil
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.auth.models import AuditEvent
from lms.catalog.models import Module, Question
from tests.support.web import csrf_token

FIXTURE = Path(__file__).parents[1] / "unit" / "catalog_fixtures" / "valid"
GIFT = (
    "// [tag:C1.1-S1]\n::Mobilité::Un apprenti peut-il partir un an ?"
    "{T#Non.#Oui, au plus un an.####Au plus un an, jamais plus de la moitié du contrat.}\n\n"
    "// [tag:C1.1-S2]\n::Durée::Durée maximale en mois ?"
    "{#12####La loi de 2023 fixe un an au plus.}\n"
)


@pytest.fixture
def tree(app, tmp_path, monkeypatch, db_session, demo_cohort) -> Path:
    demo_cohort["admin"].language = "en"
    db_session.commit()
    root = tmp_path / "tree"
    shutil.copytree(FIXTURE, root)
    monkeypatch.setitem(app.config, "CONTENT_ROOT", str(root))
    return root


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def _post(client, url: str, data: dict, page: str | None = None):
    return client.post(url, data={"csrf_token": csrf_token(client, page or url), **data})


def test_content_errors_are_listed_and_nothing_is_loaded(admin_client, db_session, tree):
    bank = tree / "quizzes" / "C1.1.yaml"
    bank.write_text(bank.read_text(encoding="utf-8").replace("skills:", "skils:", 1), "utf-8")
    page = admin_client.get("/admin/content")
    html = unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert re.search(r"<code>quizzes/C1\.1\.yaml:\d+: [\w\[\].]+: ", html)
    assert "Load the content" not in html
    refused = _post(admin_client, "/admin/content/load", {}, "/admin/content")
    assert refused.status_code == 400
    assert "nothing was loaded" in refused.get_data(as_text=True)
    assert _count(db_session, Module) == 0


def test_the_content_page_shows_what_a_load_would_change_then_loads(admin_client, db_session, tree):
    html = admin_client.get("/admin/content").get_data(as_text=True)
    assert "The content is valid: 1 module, 14 questions." in html
    questions = re.search(r"<th scope=\"row\">Questions</th><td>(\d+)</td>", html)
    assert questions and questions.group(1) == "14"
    assert _count(db_session, Module) == 0  # the preview wrote nothing

    loaded = _post(admin_client, "/admin/content/load", {}, "/admin/content")
    assert loaded.status_code == 302
    assert _count(db_session, Question) == 14
    assert db_session.scalar(select(AuditEvent.action).where(AuditEvent.action == "content.loaded"))
    again = admin_client.get("/admin/content").get_data(as_text=True)
    assert "Nothing: the database already holds this content." in again


def test_a_gift_file_is_previewed_then_imported(admin_client, db_session, tree):
    _post(admin_client, "/admin/content/load", {}, "/admin/content")
    before = _count(db_session, Question)
    preview = _post(
        admin_client,
        "/admin/gift",
        {"module": "C1.1", "language": "fr", "preview": "1",
         "file": (io.BytesIO(GIFT.encode()), "mobility.gift")},
        "/admin/gift",
    )  # fmt: skip
    html = unescape(preview.get_data(as_text=True))
    assert preview.status_code == 200, html[:2000]
    assert "Un apprenti peut-il partir un an ?" in html
    assert "Importing into C1.1 would add 2 new questions, 0 new versions, 0 unchanged." in html
    assert _count(db_session, Question) == before  # the dry run wrote nothing

    text = re.search(r'name="text" type="hidden" value="([^"]*)"', preview.get_data(as_text=True))
    imported = _post(
        admin_client,
        "/admin/gift",
        {"module": "C1.1", "language": "fr", "import": "1", "filename": "mobility.gift",
         "text": unescape(text.group(1))},
        "/admin/gift",
    )  # fmt: skip
    assert imported.status_code == 302
    assert _count(db_session, Question) == before + 2


def test_a_gift_file_with_errors_imports_nothing(admin_client, db_session, tree):
    _post(admin_client, "/admin/content/load", {}, "/admin/content")
    before = _count(db_session, Question)
    bad = "::Q1::Une question sans compétence{=oui ~non}\n"
    for action in ("preview", "import"):
        response = _post(
            admin_client,
            "/admin/gift",
            {"module": "C1.1", "language": "fr", action: "1", "text": bad,
             "filename": "bad.gift", "file": (io.BytesIO(bad.encode()), "bad.gift")},
            "/admin/gift",
        )  # fmt: skip
        assert response.status_code == 400
        assert "<code>bad.gift:1: " in response.get_data(as_text=True)
    assert _count(db_session, Question) == before
    not_utf8 = _post(
        admin_client,
        "/admin/gift",
        {"module": "C1.1", "language": "fr", "preview": "1",
         "file": (io.BytesIO("Qu'est-ce{=é}".encode("cp1252")), "latin.gift")},
        "/admin/gift",
    )  # fmt: skip
    assert not_utf8.status_code == 400
    assert "not UTF-8 text" in not_utf8.get_data(as_text=True)
