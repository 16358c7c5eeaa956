"""Every user-facing Chinese string, in one place (terminal, command line and Telegram)."""

NOT_FOUND = "未找到相关内容。"
NOT_FOUND_HINT = "换个说法试试，或用 /sections 查看目录。"
EMPTY_QUESTION = "请输入一个问题，例如：{example}"
QUESTION_TRUNCATED = "问题太长，只按前 {limit} 个字检索。"
PARAGRAPH_LABEL = "第{n}段"
TITLE_LABEL = "标题"
FRONT_MATTER = "开头部分"
MORE_RESULTS = "更多结果"
CONTEXT = "上下文"
NO_MORE_RESULTS = "没有更多结果了。"
STALE_BUTTON = "这个按钮已失效，请重新提问。"
SECTIONS_TITLE = "目录"
NO_SECTIONS = "这份文档没有分节标题。"
CORPUS_SUMMARY = "已载入 {documents} 篇文档，{passages} 个段落。"
SKIPPED_FILE = "已跳过 {path}：{reason}"

CHAT_WELCOME = (
    "speechbot 终端问答：直接输入问题，回车提问。\n"
    "命令：/more 更多结果，/context 上下文，/sections 目录，/quit 退出。\n"
    "例如：{examples}"
)
CHAT_PROMPT = "问："
CHAT_NOTHING_YET = "请先提一个问题。"
CHAT_BYE = "再见。"

EVAL_HEADER = "题目数 {total}：可回答 {answerable}，不可回答 {negatives}"
