"""Evidence attachments: size, extension and content checks, storage outside the web root."""

import io
import zipfile

import pytest

from lms.competence import evidence

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def odt_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.text",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("report.pdf", PDF, "pdf"),
        ("photo.PNG", PNG, "png"),
        ("photo.jpeg", JPG, "jpg"),
        ("grid.odt", odt_bytes(), "odt"),
        ("grid.docx", docx_bytes(), "docx"),
    ],
)
def test_accepted_types(name, data, kind):
    assert evidence.check(name, data) == kind


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("script.html", b"<script>", "Attach a PDF"),
        ("noextension", PDF, "Attach a PDF"),
        ("fake.pdf", PNG, "not a PDF"),
        ("fake.png", PDF, "not a PNG"),
        ("fake.docx", odt_bytes(), "not a DOCX"),
        ("fake.odt", docx_bytes(), "not a ODT"),
        ("zip.docx", b"PK\x03\x04 not really a zip", "not a DOCX"),
        ("empty.pdf", b"", "empty"),
        ("big.pdf", b"%PDF-" + b"0" * evidence.MAX_BYTES, "larger than 5 MB"),
    ],
)
def test_refused_attachments(name, data, message):
    with pytest.raises(evidence.EvidenceError) as error:
        evidence.check(name, data)
    assert message in str(error.value)


def test_store_writes_an_unguessable_name_and_resolve_stays_inside(tmp_path):
    stored = evidence.store(tmp_path, "C:\\Users\\me\\rapport d'observation.pdf", PDF)
    assert stored.name == "rapport d'observation.pdf"
    assert stored.path.startswith("evidence/") and stored.path.endswith(".pdf")
    assert (tmp_path / stored.path).read_bytes() == PDF
    assert evidence.resolve(tmp_path, stored.path) == (tmp_path / stored.path).resolve()
    with pytest.raises(evidence.EvidenceError):
        evidence.resolve(tmp_path, "../outside.pdf")
    with pytest.raises(evidence.EvidenceError):
        evidence.resolve(tmp_path, "/etc/passwd")
