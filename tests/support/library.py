"""A small document library in four formats, built offline for the library tests.

Each document has its own vocabulary, so every question below has exactly one right
document and section. .docx files are written with python-docx, PDFs with reportlab's
built-in CID font STSong-Light (no font file needed, the text layer holds real Chinese),
the .txt in GBK and the web page in UTF-8 with a declared charset.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.support.documents import write_docx, write_pdf

WATER_TITLE = "在全市节水工作会议上的讲话"
WATER_DOCX = [
    (WATER_TITLE, "Title"),
    ("——2023年3月22日", None),
    ("同志们：今天召开全市节水工作会议，主要任务是分析形势、部署工作。", None),
    ("一、清醒认识节水形势", "Heading 1"),
    (
        "我市人均水资源量不足全国平均水平的三分之一，季节性缺水问题仍然突出，地下水超采区尚未全部治理。",
        None,
    ),
    ("二、抓好节水重点任务", "Heading 1"),
    ("要建立用水台账。各单位每月五日前报送上月用水数据，由水务局汇总分析并通报排名。", None),
    ("要推广节水器具。公共机构全面更换节水龙头和感应式冲洗阀，年底前完成改造。", None),
]

REPORT_TITLE = "2024年政府工作报告"
REPORT_LINES = [
    REPORT_TITLE,
    "一、过去一年工作回顾",
    "全年新增城镇就业十二万人，城镇调查失业率控制在百分之五以内。",
    "居民人均可支配收入增长百分之六点二，与经济增长基本同步。",
    "二、今年工作安排",
    "新建改造老旧小区供热管网八十公里，确保群众温暖过冬。",
    "新增公办幼儿园学位六千个，缓解入园难问题。",
]

SORTING_TITLE = "关于开展垃圾分类宣传周活动的通知"
SORTING_HTML = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{SORTING_TITLE} - 市城管局</title></head>
<body>
<nav><a href="/">首页</a> | <a href="/news">新闻</a></nav>
<article>
<h1>{SORTING_TITLE}</h1>
<p>各街道办事处、各有关单位：</p>
<h2>一、活动时间</h2>
<p>宣传周定于六月五日至十一日举行，各街道在社区广场设立咨询台，发放分类指南。</p>
<h2>二、活动内容</h2>
<p>组织志愿者入户讲解厨余垃圾和可回收物的投放方法，评选垃圾分类示范小区。</p>
</article>
<footer>版权所有 市城管局</footer>
</body></html>
"""

TREES_TITLE = "关于组织春季义务植树活动的安排"
TREES_TEXT = (
    "\n".join(
        [
            TREES_TITLE,
            "一、时间地点",
            "四月二日上午在滨河公园集中植树，每人栽种三棵树苗，工具由园林站统一提供。",
            "二、工作要求",
            "各部门要提前统计参加人数，于三月二十八日前报机关事务中心。",
        ]
    )
    + "\n"
)


@dataclass(frozen=True)
class Case:
    question: str
    title: str
    section: str
    quote: str  # a piece of the passage that answers it


CASES = [
    Case(
        "用水数据什么时候报送？", WATER_TITLE, "二、抓好节水重点任务", "每月五日前报送上月用水数据"
    ),
    Case("去年新增城镇就业多少人？", REPORT_TITLE, "一、过去一年工作回顾", "新增城镇就业十二万人"),
    Case("各街道在哪里设立咨询台？", SORTING_TITLE, "一、活动时间", "在社区广场设立咨询台"),
    Case("植树活动每人栽种几棵树苗？", TREES_TITLE, "一、时间地点", "每人栽种三棵树苗"),
]


def build_library(folder: Path) -> Path:
    """The four documents: a .docx in a sub-folder, a PDF, a web page, a GBK .txt."""
    (folder / "2023").mkdir(parents=True, exist_ok=True)
    (folder / "通知").mkdir(exist_ok=True)
    write_docx(folder / "2023" / "节水工作会议讲话.docx", WATER_DOCX)
    # one page, no page numbers (the lines are short enough not to wrap)
    write_pdf(
        folder / "政府工作报告.pdf", REPORT_LINES, per_page=len(REPORT_LINES), page_numbers=None
    )
    (folder / "通知" / "垃圾分类宣传周.html").write_text(SORTING_HTML, encoding="utf-8")
    (folder / "植树安排.txt").write_bytes(TREES_TEXT.encode("gbk"))
    return folder


# A document to add later: its own words, found nowhere else in the library.
FLOOD_TITLE = "关于做好汛期防汛准备工作的通知"
FLOOD_TEXT = (
    "\n".join(
        [
            FLOOD_TITLE,
            "一、物资储备",
            "各乡镇要在五月底前储备编织袋两万条、救生衣五百件，并登记造册。",
            "二、值班值守",
            "汛期实行二十四小时领导带班制度，遇有险情三十分钟内上报。",
        ]
    )
    + "\n"
)
FLOOD_CASE = Case("各乡镇要储备多少编织袋？", FLOOD_TITLE, "一、物资储备", "编织袋两万条")
