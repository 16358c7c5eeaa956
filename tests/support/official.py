"""Official texts and speeches written for the tests, with their front and back matter (byline,
source, speaker, document number, addressee, signature, attachment), and what reading them must
give; each one built as .txt, .docx, .pdf and .html."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.corpus import metadata
from tests.support.documents import wrap, write_docx, write_html, write_pdf

PDF_WIDTH = 24  # characters a line


@dataclass(frozen=True)
class Fixture:
    name: str
    lines: tuple[str, ...]
    title: str
    title_lines: tuple[str, ...]  # the lines that make the title (two for a split title)
    expect: dict[str, str | None]  # Document attribute -> value
    kinds: tuple[str, ...]  # kinds of the lines set aside, in order (the title's own left out)
    sections: tuple[str, ...]
    first_paragraph: str
    last_paragraph: str
    extra: dict[str, object] = field(default_factory=dict)


SPEECH = Fixture(
    name="speech",
    title="在全市社区治理工作推进会上的讲话",
    title_lines=("在全市社区治理工作推进会上的讲话",),
    lines=(
        "在全市社区治理工作推进会上的讲话",
        "——2024年5月10日在全市推进会上",
        "来源：某某日报",
        "时间：2024-05-12",
        "某某市市长 王 明",
        "同志们：",
        "今天召开全市社区治理工作推进会，主要任务是总结经验、部署工作。下面，我讲两点意见。",
        "一、充分认识社区治理的重要意义",
        "社区是城市治理的基本单元，社区治理水平直接关系群众的获得感和幸福感。",
        "二、扎实推进重点任务",
        "（一）建强社区工作队伍。",
        "要配齐配强社区工作者，完善薪酬待遇和职业发展通道，让社区工作者留得住。",
        "（二）完善社区服务设施。",
        "要加快建设社区食堂和养老服务站，方便群众就近就餐和托老。",
        "同志们，社区治理任重道远，我们要以更加务实的作风抓好各项工作落实。",
    ),
    expect={
        "date": "2024-05-10",
        "speaker": "某某市市长 王明",
        "source": "某某日报",
        "salutation": "同志们：",
        "doc_number": None,
        "authority": None,
    },
    kinds=(
        metadata.BYLINE,
        metadata.LABELLED,
        metadata.LABELLED,
        metadata.SPEAKER,
        metadata.SALUTATION,
    ),
    sections=(
        "一、充分认识社区治理的重要意义",
        "二、扎实推进重点任务",
        "（一）建强社区工作队伍。",
        "（二）完善社区服务设施。",
    ),
    first_paragraph="今天召开全市社区治理工作推进会，主要任务是总结经验、部署工作。下面，我讲两点意见。",
    last_paragraph="同志们，社区治理任重道远，我们要以更加务实的作风抓好各项工作落实。",
)

SPEECH_BARE_NAME = Fixture(
    name="speech-bare-name",
    title="在全市养老服务工作会议上的讲话",
    title_lines=("在全市养老服务工作会议上的讲话",),
    lines=(
        "在全市养老服务工作会议上的讲话",
        "王明",
        "作者：某某市民政局",
        "发布日期：2024年6月1日",
        "各位代表、同志们：",
        "养老服务关系千家万户。今年全市新增养老床位三千张，建成社区养老服务站八十个。",
        "一、加快补齐服务短板",
        "要推动养老服务设施向社区延伸，让老年人在家门口享受服务。",
    ),
    expect={"date": "2024-06-01", "speaker": "王明", "doc_number": None},
    kinds=(metadata.SPEAKER, metadata.LABELLED, metadata.LABELLED, metadata.SALUTATION),
    sections=("一、加快补齐服务短板",),
    first_paragraph="养老服务关系千家万户。今年全市新增养老床位三千张，建成社区养老服务站八十个。",
    last_paragraph="要推动养老服务设施向社区延伸，让老年人在家门口享受服务。",
)

OPINION = Fixture(
    name="opinion",
    title="某某市人民政府办公厅关于加快社区食堂建设的意见",
    title_lines=("某某市人民政府办公厅关于加快社区食堂建设的意见",),
    lines=(
        "某某市人民政府办公厅文件",
        "某某市人民政府办公厅关于加快社区食堂建设的意见",
        "某政办发〔2024〕7号",
        "各区人民政府，市政府各委、办、局：",
        "社区食堂是保障群众就餐需求的民生工程。为加快社区食堂建设，经市政府同意，现提出如下意见。",
        "一、总体要求",
        "到2025年底，每个街道至少建成一家社区食堂，老年人就餐更加便利。",
        "二、保障措施",
        "（一）加强组织领导。各区要把社区食堂建设列入为民办实事项目。",
        "（二）强化资金保障。市级财政对新建社区食堂给予一次性补助。",
        "附件：1.社区食堂建设标准",
        "2.社区食堂运营规范",
        "某某市人民政府办公厅",
        "2024年3月8日",
        "（此件公开发布）",
        "抄送：市委办公厅，市人大常委会办公厅。",
        "某某市政府办公厅秘书处 2024年3月9日印发",
    ),
    expect={
        "date": "2024-03-08",
        "authority": "某某市人民政府办公厅",
        "doc_number": "某政办发〔2024〕7号",
        "salutation": "各区人民政府，市政府各委、办、局：",
        "speaker": None,
    },
    kinds=(
        metadata.HEADER,
        metadata.DOC_NUMBER,
        metadata.ADDRESSEE,
        metadata.ATTACHMENT,
        metadata.ATTACHMENT,
        metadata.SIGNATURE,
        metadata.SIGNATURE,
        metadata.DISCLOSURE,
        metadata.RECORD,
        metadata.RECORD,
    ),
    sections=("一、总体要求", "二、保障措施", "（一）加强组织领导。", "（二）强化资金保障。"),
    first_paragraph="社区食堂是保障群众就餐需求的民生工程。为加快社区食堂建设，经市政府同意，现提出如下意见。",
    last_paragraph="市级财政对新建社区食堂给予一次性补助。",
)

SPLIT_TITLE = Fixture(
    name="split-title",
    title="某某市人民政府关于进一步做好政务公开工作的通知",
    title_lines=("某某市人民政府关于进一步", "做好政务公开工作的通知"),
    lines=(
        "某政发〔2024〕12号",
        "某某市人民政府关于进一步",
        "做好政务公开工作的通知",
        "各区人民政府：",
        "为进一步做好政务公开工作，现就有关事项通知如下。",
        "一、及时公开政策文件",
        "各区要在政策文件印发后二十个工作日内在政府网站公开。",
        "某某市人民政府 2024年4月1日",
    ),
    expect={
        "date": "2024-04-01",
        "authority": "某某市人民政府",
        "doc_number": "某政发〔2024〕12号",
        "salutation": "各区人民政府：",
    },
    kinds=(metadata.DOC_NUMBER, metadata.ADDRESSEE, metadata.SIGNATURE),
    sections=("一、及时公开政策文件",),
    first_paragraph="为进一步做好政务公开工作，现就有关事项通知如下。",
    last_paragraph="各区要在政策文件印发后二十个工作日内在政府网站公开。",
)

NOTICE_WITH_PLAN = Fixture(
    name="notice-with-plan",
    title="某某市人民政府办公厅关于印发某某市社区食堂建设实施方案的通知",
    title_lines=("某某市人民政府办公厅关于印发某某市社区食堂建设实施方案的通知",),
    lines=(
        "某某市人民政府办公厅关于印发某某市社区食堂建设实施方案的通知",
        "某政办发〔2024〕9号",
        "各区人民政府，市政府各委、办、局：",
        "《某某市社区食堂建设实施方案》已经市政府同意，现印发给你们，请认真贯彻执行。",
        "某某市人民政府办公厅",
        "2024年4月2日",
        "（此件公开发布）",
        "某某市社区食堂建设实施方案",
        "为推进社区食堂建设，方便群众就餐，制定本方案。",
        "一、工作目标",
        "到2025年底，每个街道至少建成一家社区食堂。",
        "二、主要任务",
        "（一）合理布局。按照服务半径合理确定社区食堂的位置和规模。",
        "（二）规范运营。社区食堂应当公示菜品价格，接受群众监督。",
        "三、保障措施",
        "各区要加强组织领导，落实场地和资金。",
    ),
    expect={
        "date": "2024-04-02",
        "authority": "某某市人民政府办公厅",
        "doc_number": "某政办发〔2024〕9号",
    },
    kinds=(
        metadata.DOC_NUMBER,
        metadata.ADDRESSEE,
        metadata.SIGNATURE,
        metadata.SIGNATURE,
        metadata.DISCLOSURE,
        metadata.ATTACHMENT_TITLE,
    ),
    sections=(
        "一、工作目标",
        "二、主要任务",
        "（一）合理布局。",
        "（二）规范运营。",
        "三、保障措施",
    ),
    first_paragraph="《某某市社区食堂建设实施方案》已经市政府同意，现印发给你们，请认真贯彻执行。",
    last_paragraph="各区要加强组织领导，落实场地和资金。",
)

FIXTURES = (SPEECH, SPEECH_BARE_NAME, OPINION, SPLIT_TITLE, NOTICE_WITH_PLAN)


def build_txt(path: Path, fixture: Fixture) -> Path:
    path.write_text("\n".join(fixture.lines) + "\n", encoding="utf-8")
    return path


def build_docx(path: Path, fixture: Fixture) -> Path:
    return write_docx(
        path,
        [(line, "Title" if line in fixture.title_lines else None) for line in fixture.lines],
    )


def build_pdf(path: Path, fixture: Fixture) -> Path:
    return write_pdf(path, wrap(fixture.lines, PDF_WIDTH), per_page=14)


def build_html(path: Path, fixture: Fixture) -> Path:
    return write_html(path, fixture.lines, title=fixture.title, centred=fixture.title_lines)


BUILDERS: dict[str, Callable[[Path, Fixture], Path]] = {
    ".txt": build_txt,
    ".docx": build_docx,
    ".pdf": build_pdf,
    ".html": build_html,
}
