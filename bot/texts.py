"""Every user-facing Chinese string, in one place (terminal, command line and Telegram)."""

NOT_FOUND = "未找到相关内容。"
NOT_FOUND_HINT = "换个说法试试，或用 /sections 查看目录。"
POSSIBLY_RELEVANT = "可能相关：原文没有完全对上问题里的词，以下几段供参考。"
MENTIONED = "提到了「{topic}」，共 {count} 处。最相关的一处："
MENTIONED_AT_LEAST = "提到了「{topic}」，至少 {count} 处。最相关的一处："
NOT_MENTIONED = "没有提到「{topic}」。"
INLINE_POSSIBLY_RELEVANT = "可能相关 · {where}"
INLINE_MENTIONED = "提到「{topic}」· {where}"
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
CORPUS_SUMMARY = "已载入 {documents} 篇文档，{passages} 个片段。"
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
    "1. 在 Telegram 里打开 @BotFather（https://t.me/BotFather），发送 /newbot，"
    "按提示起名，它会给你一个 token。\n"
    "2. 把 token 写进项目目录下的 .env 文件（可以从 .env.example 复制）："
    "TELEGRAM_BOT_TOKEN=123456789:AA...\n"
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
DOCS_LINE = "{number}. 《{title}》{date} · {passages} 个片段 · {name}"
DOCS_DATE = " {date}"

TG_COMMAND_DOCS = "文档列表：选一篇，只在其中提问"
TG_DOCS_TITLE = "资料库：{documents} 篇文档，{passages} 个片段"
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
TG_HELP_OWNER = (
    "管理：/reload 重新载入资料库；/stats 问题统计；"
    "在私聊里把 .txt、.md、.docx、.pdf 或 .html 文件发给我即可添加文档。"
)
TG_RELOAD_REFUSED = "抱歉，只有这个机器人的管理者才能重新载入资料库。"
TG_ADD_REFUSED = "谢谢！不过只有这个机器人的管理者才能往资料库里添加文档。"
TG_RELOADED = (
    "已重新载入：{documents} 篇文档，{passages} 个片段"
    "（之前 {before_documents} 篇，{before_passages} 个片段）。"
)
TG_RELOAD_SKIPPED = "跳过了 {count} 个文件："
TG_RELOAD_SKIPPED_MORE = "……另有 {count} 个"
TG_RELOAD_FAILED = "重新载入失败，仍按原来的资料库回答：{reason}"
TG_ADDED = (
    "已收录《{title}》（{name}）：{passages} 个片段。"
    "资料库现有 {documents} 篇文档，可以直接提问了。"
)
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

# Settings (bot/settings.py): one line for a value that cannot be used
SETTING_INVALID = "speechbot: 设置 {name} 的值“{value}”无效，应为{expected}。"
SETTING_EXPECT_SECONDS = "不小于 0 的秒数（例如 3）"
SETTING_EXPECT_USER_IDS = (
    "用逗号分隔的 Telegram 用户 id，是数字而不是 @用户名（例如 123456789,987654321）"
)
SETTING_EXPECT_CHAT_IDS = "用逗号分隔的聊天 id，是数字，群组为负数（例如 -1001234567890,123456789）"
SETTING_EXPECT_URL = "以 http:// 或 https:// 开头的完整网址（例如 http://127.0.0.1:8081/bot）"
SETTING_EXPECT_LISTEN = "IP 地址或主机名（例如 127.0.0.1 或 0.0.0.0）"
SETTING_EXPECT_PORT = "1 到 65535 之间的端口号（例如 8443）"
SETTING_EXPECT_SECRET = "webhook secret token：1 到 256 个字母、数字、_ 或 -"
SETTING_EXPECT_SWITCH = "0 或 1"
SETTING_EXPECT_DAYS = "不小于 0 的整数天数，0 表示一直保留（例如 90）"
SETTING_EXPECT_LOG_LEVEL = "DEBUG、INFO、WARNING、ERROR 或 CRITICAL"
SETTING_EXPECT_TOKEN = "@BotFather 给的 token，形如 123456789:AAE…"
SETTING_EXPECT_FOLDER = "一个文件夹（现在是一个文件）"

# The question log on the command line (`speechbot questions`)
QUESTIONS_NONE = "还没有记录任何问题（{path}）。"
QUESTIONS_HEADER = "时间\t聊天\t把握\t反馈\t问题\t出处"
QUESTIONS_BAD_SINCE = (
    "speechbot: --since “{value}” 无效，"
    "应为日期（例如 2026-03-01）或日期和时间（2026-03-01T08:00）。"
)
QUESTIONS_NOT_RECORDED = "（未记录问题原文）"
EVAL_UNLABELLED = "未标注 accept 的题目 {count} 道，未计入（给它们加上 accept 短语后再评测）"

# Never silent in groups, feedback, /stats (Telegram)
TG_COOLDOWN_QUEUED = "请稍等：你的上一个问题还在排队，这个问题请过几秒再发。"
TG_FEEDBACK_UP_BUTTON = "👍"
TG_FEEDBACK_DOWN_BUTTON = "👎"
TG_FEEDBACK_UP = "谢谢！已记下：有帮助 👍（可以再点另一个改）"
TG_FEEDBACK_DOWN = "谢谢！已记下：没帮上忙 👎（可以再点另一个改）"
TG_FEEDBACK_GONE = "谢谢！不过这条回答已不在记录里了。"
TG_COMMAND_STATS = "问题统计（管理者）"
TG_COMMAND_RELOAD = "重新载入资料库（管理者）"
TG_STATS_TITLE = "问题统计"
TG_STATS_COUNTS = "今天 {today} · 近 7 天 {week} · 全部 {total}"
TG_STATS_KEPT = "（保留 {days} 天）"
TG_STATS_SHARES = (
    "已回答 {high}（{high_share:.0%}）· 可能相关 {low}（{low_share:.0%}）"
    "· 未找到 {none}（{none_share:.0%}）"
)
TG_STATS_FEEDBACK = "反馈：👍 {up} · 👎 {down}"
TG_STATS_LATENCY = "响应时间：p50 {p50:.0f} ms · p95 {p95:.0f} ms"
TG_STATS_UNANSWERED = "最近未找到的问题（点按钮看详情）："
TG_STATS_DISLIKED = "最近被点 👎 的问题："
TG_STATS_NOT_RECORDING = "没有记录问题原文（RECORD_QUESTIONS=0），只统计数量。"
TG_STATS_NO_LOG = "问题记录不可用（见日志），这里没有数字。"
TG_ASKED_HEADER = "问题：{question}"
TG_ASKED_WHEN = "{asked} · {chat} · 把握：{confidence} · 反馈：{feedback}"
TG_ASKED_SHOWN = "当时给出的：《{document}》{section} · {where}"
TG_ASKED_NOTHING_SHOWN = "当时给出的：未找到"
TG_ASKED_NOW = "现在的回答："
CONFIDENCE_NAMES = {"high": "已回答", "low": "可能相关", "none": "未找到"}
FEEDBACK_NAMES = {"up": "👍", "down": "👎", None: "无"}
CHAT_NAMES = {
    "private": "私聊",
    "group": "群组",
    "supergroup": "群组",
    "channel": "频道",
    "inline": "inline",
}
TG_FILE_OVER_LIMIT = "没有收录 {name}：文件太大（{size} MB），这类文件最多 {limit} MB。"

# speechbot inspect: what was read from a file or folder
INSPECT_FILE = "== {name}"
INSPECT_TITLE = "标题：{title}"
INSPECT_TITLE_FROM_NAME = "标题：{title}（正文里没有标题，用的是文件名）"
INSPECT_FIELDS = (
    ("date", "日期"),
    ("speaker", "讲话人"),
    ("authority", "发文机关"),
    ("doc_number", "文号"),
    ("source", "来源"),
)
INSPECT_FIELD = "{label}：{value}"
INSPECT_NOT_STATED = "（未注明）"
INSPECT_OUTLINE = "大纲："
INSPECT_NO_OUTLINE = "大纲：没有分节标题，只能按段落检索"
INSPECT_COUNTS = "正文 {paragraphs} 个段落，切成 {passages} 个片段"
INSPECT_SET_ASIDE = "作为元数据、不进入片段的行（{count}）："
INSPECT_SET_ASIDE_LINE = "  [{kind}] {text}"
INSPECT_KINDS = {
    "header": "版头",
    "title": "标题",
    "doc_number": "文号",
    "byline": "题注",
    "label": "信息栏",
    "speaker": "署名",
    "addressee": "主送机关",
    "salutation": "称呼",
    "signature": "落款",
    "disclosure": "公开方式",
    "attachment": "附件",
    "attachment_title": "附件标题",
    "record": "版记",
}
INSPECT_PASSAGES = "片段："
INSPECT_PASSAGE = "  {paragraph:>3}. {where}{text}"
INSPECT_TITLE_LINE = "[标题行：只用于检索，不作为答案] "
INSPECT_SUMMARY = "共 {files} 个文件：{documents} 篇可用，{skipped} 个跳过。"

# documents refused or noted while reading (bot.corpus)
DOCX_TOO_MANY_PARTS = "Word 文件内部的部件太多（{count} 个），可能是恶意构造的文件，已拒绝"
DOCX_INFLATES_TOO_MUCH = (
    "Word 文件解压后会有 {size} MB（上限 {limit} MB），可能是压缩炸弹，已拒绝，没有解压"
)
DOCX_RATIO_TOO_HIGH = (
    "Word 文件中的 {part} 压缩比高达 {ratio}:1（上限 {limit}:1），可能是压缩炸弹，已拒绝，没有解压"
)
READ_OUT_OF_MEMORY = "读取时内存超过上限（{limit} MB），已停止：文件过大或是恶意构造的"
READ_TIMED_OUT = "读取超过 {seconds:g} 秒仍未完成，已停止：文件过大或是恶意构造的"
READ_WORKER_DIED = "读取文件的进程意外结束（{reason}），这份文件未收录"
LINES_NOT_UTF8 = "第 {lines} 行不是 UTF-8 编码，已按 {encoding} 读取；其余内容按 UTF-8 读取"
LINES_NOT_UTF8_MORE = "等 {count} 行"
LINK_OUTSIDE_CORPUS = "链接指向语料文件夹之外（{target}），已跳过；设 FOLLOW_SYMLINKS=1 才会跟随"
LINK_BROKEN = "链接指向的文件不存在，已跳过"
FOLDER_UNREADABLE = "无法读取这个文件夹：{reason}"
CORPUS_UNREADABLE = "无法读取语料路径 {path}：{reason}"
PDF_NEEDS_CRYPTOGRAPHY = "PDF 已加密，解密需要 cryptography：pip install cryptography"
DOCX_XML_TOO_LARGE = "Word 文件的文字部分解压后有 {size} MB（上限 {limit} MB），已拒绝，没有解压"

# why a file cannot be used, or what was noted while reading it (bot.corpus)
FILE_TYPE_UNSUPPORTED = "不支持的文件类型 {suffix}"
FILE_NO_SUFFIX = "(无扩展名)"
FORMAT_UNSUPPORTED = {  # formats a document library holds but no reader handles: what to do
    ".doc": "旧版 Word（.doc）格式不支持，请用 Word 或 WPS 另存为 .docx",
    ".wps": "WPS 文字（.wps）格式不支持，请另存为 .docx",
    ".rtf": "RTF 格式不支持，请另存为 .docx 或 .txt",
    ".odt": "OpenDocument（.odt）格式不支持，请另存为 .docx",
    ".mht": "网页归档（.mht）格式不支持，请在浏览器中另存为 .html",
    ".mhtml": "网页归档（.mhtml）格式不支持，请在浏览器中另存为 .html",
}
FORMAT_NAMES = {"pdf": "PDF", "docx": "Word（.docx）", "html": "网页（HTML）"}
FORMAT_MISLABELED = "扩展名是 {suffix}，实际是 {kind} 文件，已按 {kind} 读取"
MIME_MISLABELED = "扩展名是 {suffix}，实际是网页归档（.mht）：{hint}"
FILE_EMPTY = "文件为空"
FILE_TOO_LARGE = "文件过大（{size} MB，上限 {limit} MB）"
FILE_OUT_OF_MEMORY = "文件过大，内存不足"
FILE_UNREADABLE = "无法读取：{reason}"
FILE_UNPARSABLE = "无法解析：{error}: {detail}"
NO_TEXT = "没有文字内容"
TEXT_TOO_LONG = "文字过多（{chars} 字，上限 {limit} 字）"
TITLE_ONLY = "只有标题，没有正文"
NO_HEADINGS_NOTE = "没有分节标题，只能按段落检索"
CORPUS_NOT_FOUND = "找不到语料路径：{path}"
NOT_TEXT = "不是文本文件（无法识别编码）"
ENCODING_UNKNOWN = "无法识别的编码 {encoding}"
BINARY_FILE = "是二进制文件，不是文本"
BYTES_REPLACED = "部分字节无法按 {encoding} 解码，已用 � 代替"
LIST_SEPARATOR = "、"  # between the items of a list in a sentence: 第 3、7 页
NOT_A_PDF = "不是 PDF 文件（文件头不对，可能已损坏或只是改了扩展名）"
PDF_NO_PAGES = "PDF 没有页面"
PDF_NO_TEXT = "PDF 没有文字层（可能是扫描件或图片），需要先做文字识别（OCR）"
PDF_PAGES_WITHOUT_TEXT = "第 {pages} 页没有文字层（扫描页或图片），这些页的内容未收录"
PDF_PAGES_MORE = "等"  # after the first ten pages listed
PDF_PASSWORD = "PDF 设有打开密码，请先去掉密码"
PDF_BROKEN = "PDF 文件已损坏，无法打开（{reason}）"
PDF_NEEDS_PYPDF = "读取 PDF 需要 pypdf：pip install pypdf"
DOCX_INVALID = "不是有效的 Word（.docx）文件，可能已损坏"
DOCX_OLE = "不是 .docx 格式：可能是旧版 .doc 或加密的文档，请用 Word 或 WPS 另存为不加密的 .docx"
DOCX_NOT_PLAIN = "不是普通的 Word 文档：{reason}"
DOCX_NO_TEXT = "Word 文档里没有文字（可能只有图片）"
DOCX_NEEDS_PYTHON_DOCX = "读取 .docx 需要 python-docx：pip install python-docx"
HTML_NO_BODY = "网页里没有正文"
HTML_NEEDS_BS4 = "读取网页需要 beautifulsoup4：pip install beautifulsoup4"

# the command line, and document titles wherever they are listed
CLI_DESCRIPTION = "按原文回答关于讲话和公文的问题。"
WATCH_SECONDS_INVALID = "speechbot: --watch {value:g}: 秒数应大于 0"
DOCUMENT_TITLE = "《{title}》"
DOC_ALL_WORDS = ("全部", "所有")  # `/doc 全部`, like `/doc 0` and `/doc all`: every document

# for the files of the index and quality branches, which switch to them once merged
EXAMPLE_HOW = "怎样{topic}？"  # an example question made from a sub-point 「要……」
EXAMPLE_WHAT = "{topic}是什么？"  # an example question made from a section heading
CORPUS_EMPTY = "语料中没有可用的文档：{path}"
DUPLICATE_TEXT = "与另一文档内容相同，只收录一次"
UPLOAD_NAME_FALLBACK = "文档"  # an uploaded file whose name has nothing usable left
UPLOAD_NAME_RESERVED = "{stem}-文档"  # an upload named like a file the library passes over
UPLOAD_NAME_NUMBERED = "{stem}（{n}）{suffix}"  # a second file of the same name
TG_RELOAD_SKIPPED_LINE = "• {path}：{reason}"
