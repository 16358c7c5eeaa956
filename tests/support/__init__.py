"""What several test folders share, imported as `tests.support.<module>` (the project root is on
pytest's `pythonpath`, so `pytest tests/<any file>` finds it):

* `paths`: the project's folders and the bundled speech.
* `waiting`: `eventually` and `PATIENCE`, the one timeout every wait of the suite uses.
* `fake_bot_api`: the fake Telegram Bot API server the Telegram tests talk to over HTTP.
* `telegram`: people and chats, the app run as `run_polling` runs it, answers counted.
* `process`: `speechbot run` as a subprocess, in an environment of its own.
* `fixtures`: the pytest fixtures of the Telegram and reliability tests (`api`, `engine`,
  `make_settings`), loaded for the whole suite by tests/conftest.py.
* `documents`: .docx, .pdf and .html files built offline; `official`: official texts and speeches
  with front and back matter; `library`: a small library in four formats.
* `index`: libraries whose terms the tests know (a tokenizer of space-separated words), and the
  check that an index's top k is rank-bm25's on its live passages.
"""
