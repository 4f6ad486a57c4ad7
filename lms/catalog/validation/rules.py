"""Limits, patterns and vocabularies of the content format."""

from __future__ import annotations

import re

LANGUAGES = ("fr", "en")
FRAMEWORK_DIR = "content/framework"
MODULES_DIR = "content/modules"
QUIZZES_DIR = "quizzes"
COMPETENCES_FILE = f"{FRAMEWORK_DIR}/competences.yaml"
CASE_FILE = "content/case/case.yaml"
DOCUMENTS_DIR = "content/documents"

COMPETENCE_ID = re.compile(r"^C[1-9][0-9]*$")
UNIT_ID = re.compile(r"^(C[1-9][0-9]*)(?:\.[1-9][0-9]*)?$")
SKILL_ID = re.compile(r"^(C[1-9][0-9]*(?:\.[1-9][0-9]*)?)-S[1-9][0-9]*$")
QUESTION_ID = re.compile(r"^(C[1-9][0-9]*(?:\.[1-9][0-9]*)?)-Q[0-9]{2,}$")
FRAMEWORK_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SHORT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
URL = re.compile(r"^https?://[^\s/]+\S*$")
LESSON_FILE = re.compile(r"^(?P<slug>.+)\.(?P<lang>[a-z]{2})\.md$")

SKILL_KINDS = ("knowledge", "know-how", "attitude")
DELIVERY_MODES = ("asynchronous", "synchronous")
GRADING_METHODS = ("highest", "average", "first", "last")
FEEDBACK_TIMINGS = ("immediate", "after_submission", "after_close")
LAYOUTS = ("one_per_page", "all_on_one_page")

ACTIVITIES_PER_UNIT = (3, 6)
SKILLS_PER_UNIT = (4, 8)
MIN_LESSONS = 3
LESSON_WORDS = (300, 1200)
SKILL_LABEL_MAX_WORDS = 12
MIN_QUESTIONS_PER_SKILL = 3

QUESTION_KEYS = ("id", "type", "skills", "source", "text", "feedback")
# `scenario: true` marks a question whose stem sets out a case the coach must act on.
QUESTION_OPTIONAL_KEYS = ("scenario",)
# A question entry `{id, ref, skills}` reuses the question `ref` of another bank (declared once).
REFERENCE_KEYS = ("id", "ref", "skills")

# -- answer cues (Haladyna, Downing & Rodriguez 2002), measured per bank
LONGEST_KEY_MAX_SHARE = 0.35  # single-choice keys that are the only longest option
TRUE_SHARE_RANGE = (0.35, 0.65)  # share of true/false items whose answer is true
TRUE_FALSE_MIN_ITEMS = 6  # fewer true/false items in a bank: the share is reported only
NEAR_DUPLICATE_RATIO = 0.85  # difflib ratio of two lower-cased, accent-folded stems
MIN_SCENARIOS_PER_SKILL = 1

# Cue rules reported as warnings rather than errors (while banks are being rewritten to meet
# them); every shipped bank meets them all, so none is.
CUE_RULES = ("longest_key", "true_false_balance", "near_duplicate", "scenario")
CUE_RULES_AS_WARNINGS: frozenset[str] = frozenset()
