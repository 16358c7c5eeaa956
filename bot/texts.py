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

# Telegram
TG_HELP = (
    "直接发来问题，我会引用讲话原文里最相关的一段来回答，并注明出自哪一部分、第几段。\n"
    "例如：\n{examples}\n"
    "点「更多结果」看下一段，点「上下文」看整段原文；发送 /sections 查看目录。\n"
    "在群里：发送 /ask 问题，回复我的消息，或 @我 并写上问题。\n"
    "在任何聊天的输入框里输入 @{username} 问题，也可以直接引用原文。"
)
TG_COMMAND_HELP = "怎样提问"
TG_COMMAND_SECTIONS = "目录：按章节阅读原文"
TG_COMMAND_ASK = "提问：/ask 问题（或回复一条消息发送 /ask）"
TG_ERROR = "出了点问题，这次没能回答，请稍后再试。"
TG_COOLDOWN = "请稍等几秒再试。"
TG_SECTIONS_CHOOSE = "请选择文档："
TG_INLINE_HINT_TITLE = "输入问题，例如：{example}"
TG_INLINE_HINT_DESCRIPTION = "我会引用原文回答，并注明出处。"
TG_INLINE_HELP_BUTTON = "怎样提问"
TG_NO_TOKEN = (
    "还没有设置 TELEGRAM_BOT_TOKEN，所以不能连接 Telegram。\n"
    "1. 在 Telegram 里打开 @BotFather（https://t.me/BotFather），发送 /newbot，按提示起名，它会给你一个 token。\n"
    "2. 把 token 写进项目目录下的 .env 文件（可以从 .env.example 复制）：TELEGRAM_BOT_TOKEN=123456789:AA...\n"
    "3. 再运行 make run。"
)
TG_NO_TOKEN_CHAT = "现在先在终端里试试问答（同样的语料，同样的回答）："
TG_INVALID_TOKEN = "speechbot: Telegram 不接受这个 token（{reason}），请检查 .env 里的 TELEGRAM_BOT_TOKEN。"
TG_UNREACHABLE = "speechbot: 连不上 Telegram Bot API（{reason}），请检查网络或 TELEGRAM_API_BASE_URL。"
TG_BAD_WEBHOOK = "speechbot: webhook 设置有误：{reason}"
