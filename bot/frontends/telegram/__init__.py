"""The Telegram front end (python-telegram-bot v22): a thin layer over `bot.answer.Engine`.

    app.py       builds the one Application; `run` for `speechbot run` (polling or webhook)
    handlers.py  small handlers: updates -> engine calls -> messages
    render.py    answers, context and sections as escaped HTML within Telegram's limits
    buttons.py   callback data that survives restarts (no server-side state)
    logsafe.py   keeps the bot token out of every log line
"""
