"""Marking messages for translation where no request is at hand (services, pure code)."""


def N_(message: str) -> str:  # noqa: N802 - Babel extracts it with the keyword N_
    """Return ``message`` unchanged; the web layer translates it when it shows it."""
    return message


class Label(str):
    """A message id given as a parameter of another message: translated before it is filled in."""

    __slots__ = ()
