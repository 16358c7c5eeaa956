"""The Telegram front end (python-telegram-bot v22): a thin layer over `bot.answer`.

app.py               builds the one Application, registers the handlers in reading order; `run`
questions.py         asking and answering: /help, /ask, text, 更多结果, 上下文, inline mode
library_commands.py  /sections, /docs, /doc N, /reload, documents sent by owners
stats.py             /stats for owners, 👍/👎 under answers (the question log)
access.py            the allow-list gate, owners, the group cooldown and its queue
keyboards.py         inline keyboards (pure); buttons.py: their data's wire format
reply.py             sending: in order, as a reply, in the topic, to a migrated group's new id
render.py            answers, context and sections as escaped HTML within Telegram's limits
services.py          what the handlers share; ranking off the event loop
delivery.py          every update answered once; polling supervised; stopping in time
choices.py           which document each chat asks in (/doc N), kept across restarts
logsafe.py           keeps the bot token out of every log line; keyed hashes of ids
errors.py            the error handler
"""
