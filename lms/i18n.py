"""Marking messages for translation where no request is at hand (services, pure code)."""


def N_(message: str) -> str:  # noqa: N802 - Babel extracts it with the keyword N_
    """Return ``message`` unchanged; the web layer translates it when it shows it."""
    return message
