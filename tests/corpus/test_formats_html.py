"""Web pages: the main text only, headings from <h1>-<h6>, the title, the declared charset."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corpus.reading import DocumentError, read_document
from bot.corpus.structure import parse_document

PAGE = """<!DOCTYPE html>
<html><head><meta charset="{charset}">
<title>在全市人大代表工作会议上的讲话_某某人大网</title>
<style>p {{ color: red }}</style><script>var tracker = "不应出现";</script></head>
<body>
<header><h1>某某人大网</h1><nav><a href="/">首页</a> &gt; <a href="/news">新闻</a></nav></header>
<aside>热门文章：不应出现</aside>
<article>
  <header><h1>在全市人大代表工作会议上的讲话</h1><p>——2023年1月5日在全市人大代表工作会议上</p></header>
  <p>同志们：</p>
  <p>这次会议的主要任务是总结去年的代表工作，<b>部署</b>
     今年的任务。</p>
  <h2>一、提高站位</h2>
  <p>要坚持全面准确深入理解内涵。原原本本学习会议报告。</p>
  <h3>（一）学习方法</h3>
  <p>通过集中学习、代表接待日等形式开展学习。<br>学习要有计划。</p>
  <h2>二、履职尽责</h2>
  <table><tr><td>项目</td><td>次数</td></tr><tr><td>集中视察</td><td>3</td></tr></table>
  <p>要加强代表履职能力建设。</p>
  <div style="display:none">隐藏内容不应出现</div>
  <!-- 注释不应出现 -->
</article>
<footer>版权所有 不应出现</footer>
</body></html>
"""


def page(
    tmp_path: Path, charset: str = "utf-8", encoding: str = "utf-8", name: str = "speech.html"
) -> Path:
    path = tmp_path / name
    path.write_bytes(PAGE.format(charset=charset).encode(encoding))
    return path


@pytest.mark.parametrize(
    "charset,encoding", [("utf-8", "utf-8"), ("gb2312", "gbk"), ("GBK", "gb18030")]
)
def test_main_text_headings_and_title(tmp_path: Path, charset: str, encoding: str):
    source = read_document(page(tmp_path, charset, encoding))
    assert (
        "不应出现" not in source.text
        and "首页" not in source.text
        and "某某人大网" not in source.text
    )
    doc = parse_document(source)
    assert doc.title == "在全市人大代表工作会议上的讲话"
    assert doc.date == "2023-01-05" and doc.salutation == "同志们："
    assert [(s.heading, s.level) for s in doc.sections] == [
        ("一、提高站位", 1),
        ("（一）学习方法", 2),
        ("二、履职尽责", 1),
    ]
    assert [p.text for p in doc.paragraphs] == [
        # inline <b> and a source line break
        "这次会议的主要任务是总结去年的代表工作，部署今年的任务。",
        "要坚持全面准确深入理解内涵。原原本本学习会议报告。",
        "通过集中学习、代表接待日等形式开展学习。",
        "学习要有计划。",
        "项目 次数",
        "集中视察 3",
        "要加强代表履职能力建设。",
    ]


def test_htm_extension_and_wrong_declared_charset(tmp_path: Path):
    """A page that says gb2312 but is UTF-8 (a common mistake) is still read right."""
    path = page(tmp_path, charset="gb2312", encoding="utf-8", name="speech.htm")
    assert parse_document(read_document(path)).title == "在全市人大代表工作会议上的讲话"


def test_title_from_title_tag_when_there_is_no_h1(tmp_path: Path):
    path = tmp_path / "notice.html"
    path.write_text(
        "<html><head><title>关于召开代表座谈会的通知 - 某某人大网</title></head>"
        "<body><div><p>定于下周一召开代表座谈会。</p><p>请准时参加。</p></div></body></html>",
        encoding="utf-8",
    )
    doc = parse_document(read_document(path))
    assert doc.title == "关于召开代表座谈会的通知"
    assert [p.text for p in doc.paragraphs] == ["定于下周一召开代表座谈会。", "请准时参加。"]


def test_title_with_a_year_range_keeps_it(tmp_path: Path):
    path = tmp_path / "plan.html"
    path.write_text(
        "<html><head><title>2021-2025年代表工作规划</title></head><body><p>规划正文。</p></body></html>",
        encoding="utf-8",
    )
    assert parse_document(read_document(path)).title == "2021-2025年代表工作规划"


def test_main_element_is_preferred(tmp_path: Path):
    path = tmp_path / "main.html"
    path.write_text(
        "<html><body><div class='menu'>菜单一 菜单二</div>"
        "<main><h1>工作简报</h1><p>本期内容。</p></main>"
        "<div>页面底部链接</div></body></html>",
        encoding="utf-8",
    )
    source = read_document(path)
    assert "菜单" not in source.text and "底部" not in source.text
    assert parse_document(source).title == "工作简报"


def test_page_without_text(tmp_path: Path):
    path = tmp_path / "empty.html"
    path.write_text(
        "<html><head><script>1</script></head><body><nav>首页</nav></body></html>", encoding="utf-8"
    )
    with pytest.raises(DocumentError):
        read_document(path)
