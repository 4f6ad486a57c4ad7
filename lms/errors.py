"""The one base of the errors a user can fix; every domain raises a subclass of it."""

from typing import Any


class UserError(Exception):
    """A problem the user can fix: ``msgid`` (English, marked with ``N_``) filled with ``params``.

    ``str()`` is the English text (logs, the command line); pages show it with
    ``lms.formats.translated``, in the user's language.
    """

    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid % params if params else msgid)
        self.msgid, self.params = msgid, params
