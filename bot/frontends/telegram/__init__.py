"""The Telegram front end (python-telegram-bot v22): a thin layer over `bot.answer` (Engine, Library).

app.py       builds the one Application; `run` for `speechbot run` (polling or webhook)
handlers.py  small handlers: updates -> engine calls -> messages
render.py    answers, context and sections as escaped HTML within Telegram's limits
buttons.py   callback data that survives restarts (no server-side state)
choices.py   which document each chat asks in (/doc N), kept across restarts
logsafe.py   keeps the bot token out of every log line
"""
