"""E-mail: one message, in its recipient's language, as text and HTML, through Flask-Mailman.

With ``LMS_SMTP_HOST`` set the messages go to that SMTP server; without it (development, ``make
run``) they are written to the log and, one ``.eml`` file each, to ``<instance>/mail/``.
"""

import smtplib
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from flask_mailman import EmailMultiAlternatives
from flask_mailman.backends.base import BaseEmailBackend

from lms.extensions import mail
from lms.timeutil import utcnow
from lms.typography import french_html, french_text


def compose(
    to: str, language: str, subject: str, template: str, attachments=(), **context
) -> EmailMultiAlternatives:
    """``mail/<template>.txt`` and ``.html`` for ``to`` in ``language``; ``attachments`` are
    ``(filename, content, mimetype)`` triples."""
    text, html = (french_text, french_html) if language == "fr" else (str, str)
    with force_locale(language):
        message = EmailMultiAlternatives(
            subject=text(gettext(subject, **context)),
            body=text(render_template(f"mail/{template}.txt", **context)),
            to=[to],
            reply_to=[current_app.config["MAIL_REPLY_TO"]]
            if current_app.config.get("MAIL_REPLY_TO")
            else None,
        )
        message.attach_alternative(
            html(render_template(f"mail/{template}.html", **context)), "text/html"
        )
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message


def send(to: str, language: str, subject: str, template: str, **context) -> bool:
    """Send ``mail/<template>.txt`` and ``.html`` to ``to``; False (and logged) when the
    server refused it, so the caller can tell the user without losing what was stored."""
    return send_all([compose(to, language, subject, template, **context)]) == 1


def send_all(messages: list[EmailMultiAlternatives]) -> int:
    """Send ``messages`` over one connection; each refusal is logged. The number sent."""
    sent = 0
    if not messages:
        return sent
    connection = mail.get_connection()
    try:
        connection.open()
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("mail server unreachable: %d messages not sent", len(messages))
        return sent
    try:
        for message in messages:
            message.connection = connection
            try:
                message.send()
            except (OSError, smtplib.SMTPException):
                current_app.logger.exception("mail to %s not sent", ", ".join(message.to))
            else:
                sent += 1
    finally:
        connection.close()
    return sent


class DevelopmentEmailBackend(BaseEmailBackend):
    """Writes each message to the log and to a ``.eml`` file in ``MAIL_FILE_PATH``."""

    def send_messages(self, email_messages) -> int:
        folder = Path(self.mailman.file_path)
        folder.mkdir(parents=True, exist_ok=True)
        for number, message in enumerate(email_messages):
            stamp = utcnow().strftime("%Y%m%d-%H%M%S-%f")
            path = folder / f"{stamp}-{number}.eml"
            path.write_bytes(message.message().as_bytes())
            current_app.logger.warning(
                "mail not sent (no LMS_SMTP_HOST), written to %s\nTo: %s\nSubject: %s\n\n%s",
                path,
                ", ".join(message.to),
                message.subject,
                message.body,
            )
        return len(email_messages)
