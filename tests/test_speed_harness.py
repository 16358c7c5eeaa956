"""The speed benchmark's corpus generator: deterministic, and N passages as the project cuts them.

Runs on a small inline sentence list, not the CMRC file, and never starts jieba."""

from pathlib import Path

from benchmarks import _speed_corpus as speed_corpus
from bot.corpus.library import corpus_files, parse_file
from bot.corpus.passages import make_passages

SENTENCES = (
    "人大代表是人大工作的基础。",
    "要健全代表联系群众的制度。",
    "这座城市位于长江下游，气候温和湿润。",
    "北土城站是北京地铁八号线与十号线的一座换乘站。",
    "他在一九七九年离开球队，先后加盟了多家俱乐部。",
    "该作品在杂志创刊号上开始连载，并在国内获得了相当大的反响！",
    "遗体火化后，于淡水渔人码头海葬。",
    "它们栖息在森林中，在树上筑巢；",
    "本作以三大故事为主轴，丰富了游戏内的剧情。",
    "一年后球队再次晋级决赛卫冕冠军，但不幸以零比一落败。",
    "食品药物管理署发布了新的指标值参考指引。",
    "经充分沟通后各方达成共识，以欧盟指标值为本，供业者参考改善品质？",
    "主上颌骨齿到达眼睛中央下方。",
)
TITLES = ("长江电力", "北京地铁", "战国无双", "锣鼓经", "渔人码头")


def _passages_read_back(folder: Path) -> int:
    return sum(len(make_passages(parse_file(path), 0)) for path in corpus_files(folder))


def test_generator_is_deterministic_and_the_reader_cuts_the_requested_passages(tmp_path):
    pool = speed_corpus.SourcePool(SENTENCES, TITLES)
    first = speed_corpus.generate_corpus(pool, 200, tmp_path / "a", seed=7)
    second = speed_corpus.generate_corpus(pool, 200, tmp_path / "b", seed=7)
    other = speed_corpus.generate_corpus(pool, 200, tmp_path / "c", seed=8)

    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.txt"))
    assert files_a == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.txt"))
    assert all(
        (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a
    )
    assert first["digest"] == second["digest"] != other["digest"]

    # the project's own reader finds exactly the passages counted while generating: about 200
    assert _passages_read_back(tmp_path / "a") == first["passages"]
    assert 200 <= first["passages"] <= 300
    text = (tmp_path / "a" / files_a[0]).read_text(encoding="utf-8")
    assert text.startswith("《") and "\n一、" in text


def test_generator_reuses_a_finished_corpus(tmp_path):
    pool = speed_corpus.SourcePool(SENTENCES, TITLES)
    made = speed_corpus.generate_corpus(pool, 50, tmp_path / "c", seed=1)
    marker = tmp_path / "c" / "0000" / "doc-0000001.txt"
    stamp = marker.stat().st_mtime_ns
    assert speed_corpus.generate_corpus(pool, 50, tmp_path / "c", seed=1) == made
    assert marker.stat().st_mtime_ns == stamp


def test_chinese_section_numbers():
    assert [speed_corpus.cn_number(n) for n in (1, 9, 10, 11, 20, 23)] == [
        "一",
        "九",
        "十",
        "十一",
        "二十",
        "二十三",
    ]
