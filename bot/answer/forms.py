"""Question forms that are not answered by ranking alone.

- **Is X mentioned?** 「报告有没有提到托育？」, 「讲话讲没讲就业问题」, 「涉及养老吗」: the
  answer is where X occurs, how often, or that it does not. `mention(question)` finds X
  (and any words before the question proper, such as 「上海的报告里」, which name the
  document).
- **What are the parts of it?** 「自身建设要加强哪几个方面」: the passage that enumerates them,
  usually the lead of the section whose heading names the subject. `enumeration(question)`.
- **About the text itself**: 「这篇讲话是在什么会议上发表的？」, 「报告讲了哪几个方面？」: the
  occasion or the plan of a text is stated in its opening paragraph, not in a passage that
  shares the question's words. `about_the_text(question)` tells such questions apart.

Both work on the folded question (simplified, half-width, lower case), by the words that
make the form, never by the topic asked about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.search.tokenize import fold

_VERB = r"(?:提到|提及|提起|说到|谈到|讲到|写到|涉及|论及|谈及|关注|部署)"
_SHORT_VERB = r"(?:讲|说|谈|提|写)(?:到|过|及)"
_ASKED = r"(?:有没有|有无|是否|有否|是不是|有没)"
_REPEAT = r"(?:提没提|说没说|讲没讲|谈没谈|写没写|涉没涉及|提到没提到|说到没说到|讲到没讲到)"
_ABOUT = r"(?:关于|有关|对于|对)?"
_PARTICLE = r"(?:了|过|到)?"
_END = r"[吗嘛呢啊呀吧么]*"

_MENTION_FORMS = (
    # 有没有提到X / 是否涉及X / 有没有讲X
    re.compile(
        rf"{_ASKED}(?:专门|具体)?(?:{_VERB}|{_SHORT_VERB}){_PARTICLE}{_ABOUT}(?P<x>.+?){_END}$"
    ),
    # 讲没讲X / 提没提到X
    re.compile(rf"{_REPEAT}{_PARTICLE}{_ABOUT}(?P<x>.+?){_END}$"),
    # 提到X了吗 / 涉及X吗 / 报告提到X了吗
    re.compile(rf"{_VERB}{_PARTICLE}{_ABOUT}(?P<x>.+?)(?:了|没有|没)?[吗嘛么]$"),
    # X提到了吗 / X有没有提到 / X涉及了没有
    re.compile(rf"^(?P<x>.+?)(?:被|有|是否|有没有)?{_VERB}(?:了|过)?(?:吗|没有|没|嘛|么)$"),
    # 有没有关于X的内容
    re.compile(
        rf"{_ASKED}{_ABOUT}(?P<x>.+?)的?(?:内容|部分|表述|说法|论述|规定|措施|条款|段落){_END}$"
    ),
)
_X_TAIL = re.compile(
    r"(?:的)?(?:相关内容|相关|问题|方面|内容|事情|事项|情况|工作|的事|这件事|这个事)$"
)
_X_HEAD = re.compile(r"^(?:到|过|了|关于|有关|对于|对|一下)+")
_QUOTES = "「」『』“”‘’\"'《》〈〉【】()（） "
_ASKING = re.compile(r"什么|哪些|哪个|哪里|怎么|怎样|如何|多少|几[个项条点]|为什么|谁")
MAX_TOPIC_CHARS = 16


@dataclass(frozen=True)
class Mention:
    topic: str  # X, folded
    before: str  # the question's words before the form ("上海的报告里"), folded


def _clean(question: str) -> str:
    return fold(question).strip().rstrip("？?。.！!～~ ").strip()


def mention(question: str) -> Mention | None:
    """X of an "is X mentioned?" question, or None for any other question."""
    text = _clean(question)
    for form in _MENTION_FORMS:
        m = form.search(text)
        if m is None:
            continue
        topic = m.group("x").strip(_QUOTES)
        topic = _X_HEAD.sub("", topic)
        stripped = _X_TAIL.sub("", topic).strip(_QUOTES)
        topic = stripped or topic
        if not topic or len(topic) > MAX_TOPIC_CHARS or _ASKING.search(text[m.start("x") :]):
            continue
        return Mention(topic, text[: m.start()].strip())
    return None


_TEXT = r"(?:讲话|报告|文件|通知|意见|文章|发言|致辞|演讲|文档|材料|方案|决定|规划|纲要|公报|全文)"
_DEICTIC = re.compile(
    rf"(?:这篇|这份|这次|本次|本篇|这个|该|此|本){_TEXT}|^{_TEXT}|{_TEXT}(?:是|在|讲|说|由|谁)"
)
_OCCASION = re.compile(
    r"(?:什么|哪个|哪次|何种|哪种)(?:会议|会|场合|活动|背景|时候|时间|地方)|在哪|什么时候|哪[一]?[天年月]|"
    r"何时|何地|谁(?:讲|说|作|做|发表|印发|发布|写|签发|起草)|(?:讲话人|发言人|作者|报告人|发文单位)是谁|"
    r"(?:是|由)谁"
)
_PLAN = re.compile(
    r"(?:讲|说|谈|提|分|包括)了?(?:哪|几)几?(?:点|个方面|方面|部分|个部分|层意思|块)|"
    r"主要(?:内容|讲了?什么|讲了?啥|说了?什么|说的是什么|是什么)|(?:讲|说)了(?:什么|啥|些什么)|"
    r"(?:结构|框架|提纲|大纲|目录)"
)


def about_the_text(question: str) -> bool:
    """The question asks about the text itself: its occasion, date, author or plan."""
    text = _clean(question)
    return bool(_DEICTIC.search(text)) and bool(_OCCASION.search(text) or _PLAN.search(text))


_ENUMERATION = re.compile(
    r"(?:哪|几)几?(?:个|项|点|条|类|种)?(?:方面|要求|任务|措施|举措|重点|原则|内容|部分|环节|途径)|"
    r"哪几[个项点条类种]|有哪些|包括哪些|包含哪些|主要有"
)


def enumeration(question: str) -> bool:
    """The question asks for the parts of something (哪几个方面, 有哪些任务)."""
    return bool(_ENUMERATION.search(_clean(question)))
