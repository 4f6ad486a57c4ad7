"""Lesson Markdown rendering: tables and lists kept, every way to inject script neutralised."""

import re

import pytest

from lms.catalog.markdown import count_words, raw_html_lines, render_markdown, sanitise_html


def test_tables_lists_and_emphasis_are_kept():
    html = render_markdown(
        "## Budget\n\n| Item | Amount |\n|---|---:|\n| Travel | 275 |\n\n"
        "- first\n- **second**\n\n1. one\n2. *two*\n"
    )
    assert "<h2>Budget</h2>" in html
    assert "<table>" in html and "<th>Item</th>" in html and "<td>Travel</td>" in html
    assert "<ul>\n<li>first</li>\n<li><strong>second</strong></li>" in html
    assert "<ol>" in html and "<em>two</em>" in html


def test_script_tag_is_shown_as_text_never_run():
    html = render_markdown("Before\n\n<script>alert('x')</script>\n\nAfter")
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_event_handler_attribute_is_neutralised():
    html = render_markdown('Look: <img src="x.png" onerror="alert(1)">')
    assert "<img" not in html
    assert not re.search(r"<[^>]*\son\w+=", html)  # no tag carries an event handler
    assert "&lt;img" in html


def test_javascript_link_is_not_a_link():
    html = render_markdown("[click](javascript:alert(1)) and [data](data:text/html,hi)")
    assert "<a" not in html
    assert 'href="javascript' not in html


def test_raw_html_block_is_escaped():
    html = render_markdown('<div style="position:fixed" onclick="steal()">overlay</div>')
    assert "<div" not in html
    assert "&lt;div" in html


def test_links_get_noopener_and_only_safe_schemes():
    html = render_markdown("[guide](https://example.org/guide) [mail](mailto:coach@example.org)")
    assert '<a href="https://example.org/guide" rel="noopener noreferrer">guide</a>' in html
    assert '<a href="mailto:coach@example.org" rel="noopener noreferrer">mail</a>' in html


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>a<script>alert(1)</script>b</p>", "<p>ab</p>"),
        ('<p onclick="x()">a</p>', "<p>a</p>"),
        ('<p style="color:red">a</p>', "<p>a</p>"),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<a href="ftp://example.org/f">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<img src="https://example.org/a.png" onerror="x()">', '<img src="https://example.org/a.png">'),
        ('<iframe src="https://example.org"></iframe>ok', "ok"),
        ('<a href="https://example.org" target="_blank" rel="opener">x</a>',
         '<a href="https://example.org" rel="noopener noreferrer">x</a>'),
    ],
)  # fmt: skip
def test_the_sanitiser_removes_what_the_allow_list_does_not_name(dirty, clean):
    assert sanitise_html(dirty) == clean


def test_word_count_ignores_markup():
    assert count_words("## Title\n\nL'apprenti part **deux** [semaines](https://example.org).") == 5


def test_raw_html_is_located_by_line():
    assert raw_html_lines("## T\n\ntext <b>bold</b>\n\n<div>x</div>\n") == [3, 5]
    assert raw_html_lines("## T\n\nplain `<b>` code\n") == []
