"""The project's folders, and the bundled speech the tests ask about."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
SPEECH = SEEDS / "2022-npc-deputies-inspection-speech.txt"
SHARED_DATA = ROOT.parent / "shared" / "data"  # the dev sets, outside the repository
