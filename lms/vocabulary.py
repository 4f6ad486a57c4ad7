"""Words every package shares, with the label a user reads; below every package, Flask-free."""

from lms.i18n import N_, Label

# The ways a trainer may validate a unit, in the framework's order (content, decisions, xAPI).
MODALITIES: tuple[str, ...] = ("quiz", "test", "observation", "jury", "debriefing")
MODALITY_LABELS: dict[str, Label] = {
    "quiz": Label(N_("Quiz result")),
    "test": Label(N_("Practical test")),
    "observation": Label(N_("Observation in a real situation")),
    "jury": Label(N_("Jury")),
    "debriefing": Label(N_("Debriefing interview")),
}


def modality_label(modality: str) -> str:
    """The label of a modality (a message id to translate), or the code if unknown."""
    return MODALITY_LABELS.get(modality, modality)
