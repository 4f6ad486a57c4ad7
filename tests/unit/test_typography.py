"""French typography: no-break spaces before : ; ? ! and inside « », never in tags, URLs or code."""

from lms.typography import NBSP, NNBSP, french_html, french_text


def test_spaces_before_the_high_punctuation_become_no_break():
    assert french_text("Quel format ? Oui ! Deux : un ; deux") == (
        f"Quel format{NNBSP}? Oui{NNBSP}! Deux{NBSP}: un{NNBSP}; deux"
    )


def test_guillemets_hold_their_text_with_no_break_spaces():
    assert french_text("la leçon « Le budget » et «Partir»") == (
        f"la leçon «{NBSP}Le budget{NBSP}» et «{NBSP}Partir{NBSP}»"
    )


def test_already_typeset_text_is_unchanged():
    typeset = f"Prêt{NNBSP}? «{NBSP}Oui{NBSP}»{NBSP}: parti."
    assert french_text(typeset) == typeset


def test_nothing_is_added_where_no_space_was_typed():
    assert french_text("Note: 10:30, C1.1-Q01;x, Oui!") == "Note: 10:30, C1.1-Q01;x, Oui!"


def test_urls_are_left_alone():
    text = "Voir https://example.org/a ?b=1 : ou www.example.org/x !"
    assert french_text(text) == (
        f"Voir https://example.org/a{NNBSP}?b=1{NBSP}: ou www.example.org/x{NNBSP}!"
    )
    assert french_text("https://example.org/?q=a:b;c") == "https://example.org/?q=a:b;c"


def test_html_attributes_code_and_user_input_are_left_alone():
    html = (
        '<p title="Pourquoi ?" data-x="a : b">Pourquoi ? <code>a ? b : c</code> fin !</p>'
        '<pre><code>x = a ? b : c;</code></pre><textarea name="q">Ma réponse ?</textarea>'
        '<!-- note : ici --><a href="/x?y=1 ;">Lien : ici</a><br/>Après ?'
    )
    assert french_html(html) == (
        f'<p title="Pourquoi ?" data-x="a : b">Pourquoi{NNBSP}? '
        f"<code>a ? b : c</code> fin{NNBSP}!</p>"
        '<pre><code>x = a ? b : c;</code></pre><textarea name="q">Ma réponse ?</textarea>'
        f'<!-- note : ici --><a href="/x?y=1 ;">Lien{NBSP}: ici</a><br/>Après{NNBSP}?'
    )


def test_a_lone_less_than_sign_is_text():
    assert french_html("2 < 3 ? oui") == f"2 < 3{NNBSP}? oui"


def test_verbatim_elements_are_told_apart_by_their_whole_name():
    html = "<CODE>a ? b</CODE> c ? <code-x>d ?</code-x> <Pre>e !</Pre> f !"
    assert french_html(html) == (
        f"<CODE>a ? b</CODE> c{NNBSP}? <code-x>d{NNBSP}?</code-x> <Pre>e !</Pre> f{NNBSP}!"
    )
