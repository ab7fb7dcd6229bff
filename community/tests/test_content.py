"""Members write plain text; what is stored is safe HTML, and attempts at markup attacks are refused."""

from __future__ import annotations

import pytest
from django.utils import translation

from community.content import MAX_BODY_CHARS, clean_body, clean_title, sensitive_hits, text_of
from community.exceptions import InvalidPost


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def test_paragraphs_and_line_breaks_become_html():
    body = clean_body("第一段\n第二行\n\n第二段")
    assert body.html == "<p>第一段<br>第二行</p><p>第二段</p>"


def test_typed_markup_is_shown_as_text_not_interpreted():
    assert clean_body("a < b and <b>bold</b>").html == "<p>a &lt; b and &lt;b&gt;bold&lt;/b&gt;</p>"


def test_web_addresses_become_safe_links():
    html = clean_body("见 https://www.12371.cn/2024/01/01/ARTI.shtml。").html
    assert '<a href="https://www.12371.cn/2024/01/01/ARTI.shtml"' in html
    assert 'rel="noopener noreferrer nofollow ugc"' in html
    assert "</a>。" in html


def test_lines_starting_with_a_quote_mark_are_a_blockquote():
    assert clean_body("> 原文一句\n> 第二句").html == "<blockquote><p>原文一句<br>第二句</p></blockquote>"


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        "<SCRIPT src=//evil.example/x.js></SCRIPT>",
        '<iframe src="https://evil.example"></iframe>',
        '<img src=x onerror="alert(1)">',
        "点这里 javascript:alert(document.cookie)",
        "<style>body{display:none}</style>",
        "data:text/html;base64,PHNjcmlwdD4=",
    ],
)
def test_scripts_frames_and_script_links_are_refused_with_a_message(attack):
    with pytest.raises(InvalidPost, match="脚本"):
        clean_body(f"正文 {attack}")


def test_an_overlong_post_is_refused_saying_how_long_it_may_be():
    with pytest.raises(InvalidPost, match=str(MAX_BODY_CHARS)):
        clean_body("党" * (MAX_BODY_CHARS + 1))


def test_empty_and_blank_posts_are_refused():
    for blank in ("", "   \n\n  ", "\x00\x01"):
        with pytest.raises(InvalidPost):
            clean_body(blank)


def test_titles_are_required_short_and_script_free():
    assert clean_title("  学习心得  ") == "学习心得"
    with pytest.raises(InvalidPost):
        clean_title("")
    with pytest.raises(InvalidPost):
        clean_title("长" * 81)
    with pytest.raises(InvalidPost):
        clean_title("<script>x</script>")


def test_resolved_mentions_are_emboldened_and_others_left_alone():
    html = clean_body("@张三你好，@李四", mentions={"张三": "张三"}).html
    assert html == "<p><strong>@张三</strong>你好，@李四</p>"


def test_stored_html_reads_back_as_the_text_written():
    written = "第一段 a < b\n第二行\n\n> 引用 https://example.org/x"
    assert text_of(clean_body(written).html) == "第一段 a < b\n第二行\n\n> 引用 https://example.org/x"


def test_sensitive_words_are_found_in_traditional_characters_full_width_and_with_spaces():
    words = [("法轮", "block"), ("ＡＢＣ", "review")]
    assert sensitive_hits("這是法 輪的帖子", words) == (["法轮"], [])
    assert sensitive_hits("abc 测试", words) == ([], ["ＡＢＣ"])
    assert sensitive_hits("正常内容", words) == ([], [])
