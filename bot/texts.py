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
INDEX_CACHE = "索引缓存 {folder}：共 {total}，其中本语料的索引 {size}（{segments} 个分段）。"
INDEX_CACHE_DELETED = "另有 {deleted} 个已删除的段落，合并分段后释放：speechbot index --merge"
INDEX_MERGED = "已将索引的分段合并为一个。"
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
TG_INVALID_TOKEN = (
    "speechbot: Telegram 不接受这个 token（{reason}），请检查 .env 里的 TELEGRAM_BOT_TOKEN。"
)
TG_UNREACHABLE = (
    "speechbot: 连不上 Telegram Bot API（{reason}），请检查网络或 TELEGRAM_API_BASE_URL。"
)
TG_BAD_WEBHOOK = "speechbot: webhook 设置有误：{reason}"

# The document library: listing, narrowing, reloading, adding (command line and Telegram)
NOTE_ON_FILE = "注意 {path}：{reason}"
DOCS_LINE = "{number}. 《{title}》{date} · {passages} 个段落 · {name}"
DOCS_DATE = " {date}"

TG_COMMAND_DOCS = "文档列表：选一篇，只在其中提问"
TG_DOCS_TITLE = "资料库：{documents} 篇文档，{passages} 个段落"
TG_DOCS_LINE = "{number}. 《{title}》{date} · {passages} 段"
TG_DOCS_SCOPE_ALL = "现在在全部文档中查找。发送 /doc 编号（或点下面的编号）只在那一篇中查找。"
TG_DOCS_SCOPE_ONE = (
    "现在只在第 {number} 篇《{title}》中查找。发送 /doc 0（或点「全部文档」）恢复全部。"
)
TG_DOCS_BUTTONS_LIMIT = "按钮只列出前 {count} 篇，其余请发送 /doc 编号。"
TG_ALL_DOCUMENTS = "全部文档"
TG_NARROWED = (
    "好的，之后的问题只在第 {number} 篇《{title}》中查找。发送 /doc 0 恢复在全部文档中查找。"
)
TG_UNNARROWED = "好的，之后的问题在全部 {documents} 篇文档中查找。"
TG_NO_SUCH_DOC = "没有第 {number} 篇文档（共 {documents} 篇）。发送 /docs 查看列表。"
TG_DOC_USAGE = "用法：/doc 编号（编号见 /docs）；/doc 0 或 /doc all 恢复在全部文档中查找。"
TG_SCOPE_LINE = "（只在《{title}》中查找 · /doc 0 恢复全部）"
TG_SCOPE_GONE = "之前选定的《{title}》已不在资料库中，现在在全部文档中查找。"
TG_HELP_DOCS = "发送 /docs 查看文档列表，可以只在其中一篇里提问。"
TG_HELP_OWNER = "管理：/reload 重新载入资料库；在私聊里把 .txt、.md、.docx、.pdf 或 .html 文件发给我即可添加文档。"
TG_RELOAD_REFUSED = "抱歉，只有这个机器人的管理者才能重新载入资料库。"
TG_ADD_REFUSED = "谢谢！不过只有这个机器人的管理者才能往资料库里添加文档。"
TG_RELOADED = "已重新载入：{documents} 篇文档，{passages} 个段落（之前 {before_documents} 篇，{before_passages} 个段落）。"
TG_RELOAD_SKIPPED = "跳过了 {count} 个文件："
TG_RELOAD_SKIPPED_MORE = "……另有 {count} 个"
TG_RELOAD_FAILED = "重新载入失败，仍按原来的资料库回答：{reason}"
TG_ADDED = "已收录《{title}》（{name}）：{passages} 个段落。资料库现有 {documents} 篇文档，可以直接提问了。"
TG_ADDED_RENAMED = "资料库里已有一个同名但内容不同的文件，这份另存为 {name}。"
TG_ADD_ALREADY = "《{title}》已经在资料库里了（{name}），没有重复收录。"
TG_ADD_UNSUPPORTED = "没有收录 {name}：只能添加 .txt、.md、.docx、.pdf 或 .html 文件。"
TG_ADD_UNREADABLE = "没有收录 {name}：{reason}"
TG_ADD_NOT_A_FOLDER = (
    "资料库是单个文件（{path}），不能往里添加文档；请把 SPEECHBOT_CORPUS 设为一个文件夹。"
)
TG_ADD_FAILED = "没能收录 {name}：{reason}"
TG_FILE_TOO_BIG = "文件太大（{size} MB）：Telegram 只允许机器人下载 {limit} MB 以内的文件。"
TG_DOWNLOAD_FAILED = "没能从 Telegram 取得这个文件：{reason}"
