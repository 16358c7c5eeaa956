"""Front ends: command line, terminal chat and Telegram. They hold no retrieval logic."""
