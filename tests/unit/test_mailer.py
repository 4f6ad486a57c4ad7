"""Without an SMTP server (development), a message goes to the log and to <instance>/mail/."""

from email import message_from_bytes, policy

from lms import create_app, mailer


def test_without_smtp_host_messages_are_written_to_files_and_the_log(tmp_path, caplog):
    app = create_app(
        {"TESTING": True, "INSTANCE_PATH": tmp_path, "MAIL_FILE_PATH": str(tmp_path / "mail")}
    )
    assert app.config["MAIL_BACKEND"] == "lms.mailer.DevelopmentEmailBackend"

    class Someone:
        display_name, email = "Léa", "lea@example.org"

    with app.test_request_context():
        sent = mailer.send(
            "lea@example.org", "fr", "Choose a new password", "password_reset",
            user=Someone, link="http://127.0.0.1:5000/password/choose/x", hours=2,
        )  # fmt: skip
    assert sent
    [path] = (tmp_path / "mail").glob("*.eml")
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert str(message["Subject"]).strip() == "Choisissez un nouveau mot de passe"
    assert message.get_body(("plain",)).get_content().startswith("Bonjour Léa,")
    assert "http://127.0.0.1:5000/password/choose/x" in message.get_body(("html",)).get_content()
    assert "lea@example.org" in caplog.text and "Bonjour Léa," in caplog.text
    # French typography, the link left as it is.
    plain = message.get_body(("plain",)).get_content()
    assert "ignorez ce message\u00a0: votre mot de passe" in plain
    assert "\nhttp://127.0.0.1:5000/password/choose/x\n" in plain
