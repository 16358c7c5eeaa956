"""Synthetic corpora for the speed benchmark, and the tokens the anchors index.

Sentences come from real Chinese text (the CMRC 2018 contexts in ../shared/data), cut
with the project's own `split_sentences`, and are reshuffled into new documents: a title
line, `一、`-style headings and paragraphs of a few sentences. Word statistics stay those
of real text; the documents are new. Generation stops once the project's own parser and
segmenter (`parse_document` + `make_passages`) have cut the requested number of
passages, so "N passages" means what the project would index. Deterministic for a seed.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.corpus.passages import make_passages
from bot.corpus.reading import SourceText
from bot.corpus.sentences import split_sentences
from bot.corpus.structure import parse_document

GENERATOR_VERSION = "2"  # bump whenever the documents it makes change
MANIFEST = "corpus.json"
DOCS_PER_FOLDER = 1000
_CN_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class SourcePool:
    sentences: tuple[str, ...]
    titles: tuple[str, ...]

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for s in self.sentences + ("\x00",) + self.titles:
            h.update(s.encode("utf-8") + b"\n")
        return h.hexdigest()[:16]


def cmrc_file(data_dir: Path) -> Path:
    return data_dir / "cmrc2018" / "cmrc2018_dev.json"


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def load_pool(cmrc_path: Path) -> SourcePool:
    """Sentences of every CMRC context and the article titles, in file order."""
    data = json.loads(cmrc_path.read_text(encoding="utf-8"))
    sentences: list[str] = []
    titles: list[str] = []
    for article in data["data"]:
        title = _clean(article.get("title", ""))
        if title:
            titles.append(title)
        for paragraph in article["paragraphs"]:
            for sentence in split_sentences(paragraph["context"]):
                sentence = _clean(sentence)
                if len(sentence) >= 2:
                    sentences.append(sentence)
    return SourcePool(tuple(sentences), tuple(titles))


def load_questions(cmrc_path: Path) -> list[str]:
    data = json.loads(cmrc_path.read_text(encoding="utf-8"))
    return [
        _clean(qa["question"])
        for article in data["data"]
        for paragraph in article["paragraphs"]
        for qa in paragraph["qas"]
        if _clean(qa["question"])
    ]


def cn_number(n: int) -> str:
    """1..99 as Chinese numerals: 一, 十, 十一, 二十三."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def _short(text: str, limit: int) -> str:
    text = re.sub(r"[。！？；!?;]", "", text)
    return text[:limit]


def make_document(rng: random.Random, pool: SourcePool, number: int) -> str:
    """The text of one document: title line, optional opening, 3-8 headed sections (~50
    passages)."""
    title = f"《{_short(rng.choice(pool.titles), 30)}》资料汇编之{number}"
    lines = [title]

    def paragraph() -> str:
        return "".join(rng.choice(pool.sentences) for _ in range(rng.randint(1, 8)))

    if rng.random() < 0.5:
        lines.append(paragraph())
    for s in range(1, rng.randint(3, 8) + 1):
        lines.append(f"{cn_number(s)}、{_short(rng.choice(pool.titles), 30)}")
        lines.extend(paragraph() for _ in range(rng.randint(2, 6)))
    return "\n\n".join(lines) + "\n"


def count_passages(text: str, name: str = "doc.txt") -> int:
    """How many passages the project's parser and segmenter cut from `text`."""
    document = parse_document(SourceText(path=Path(name), text=text))
    if not document.paragraphs:
        return 0
    return len(make_passages(document, 0))


def iter_documents(pool: SourcePool, target: int, seed: int) -> Iterator[tuple[str, str, int]]:
    """(relative path, text, passages) until at least `target` passages in all."""
    rng = random.Random(seed)
    total = 0
    number = 0
    while total < target:
        number += 1
        text = make_document(rng, pool, number)
        name = f"{(number - 1) // DOCS_PER_FOLDER:04d}/doc-{number:07d}.txt"
        passages = count_passages(text, name)
        if passages == 0:
            continue
        total += passages
        yield name, text, passages


def segmenter_signature() -> str:
    """Changes whenever the project's reader could cut passages differently (its source files)."""
    import bot.corpus.passages
    import bot.corpus.reading
    import bot.corpus.sentences
    import bot.corpus.structure

    h = hashlib.sha256()
    for module in (
        bot.corpus.passages,
        bot.corpus.reading,
        bot.corpus.sentences,
        bot.corpus.structure,
    ):
        assert module.__file__ is not None
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()[:16]


def _expected_manifest(pool: SourcePool, target: int, seed: int) -> dict:
    return {
        "generator": GENERATOR_VERSION,
        "source": pool.digest,
        "segmenter": segmenter_signature(),
        "target": target,
        "seed": seed,
    }


def read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def generate_corpus(
    pool: SourcePool, target: int, folder: Path, seed: int = 0, progress: bool = False
) -> dict:
    """Write a corpus of about `target` passages to `folder` (reused when already there)."""
    expected = _expected_manifest(pool, target, seed)
    manifest = read_manifest(folder)
    if manifest is not None and all(manifest.get(k) == v for k, v in expected.items()):
        return manifest
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    documents = passages = chars = 0
    digest = hashlib.sha256()
    shown = started
    for name, text, count in iter_documents(pool, target, seed):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        digest.update(name.encode() + b"\0" + data)
        documents += 1
        passages += count
        chars += len(text)
        if progress and time.perf_counter() - shown > 5:
            shown = time.perf_counter()
            print(
                f"  corpus {folder.name}: {passages:,}/{target:,} passages",
                file=sys.stderr,
                flush=True,
            )
    manifest = {
        **expected,
        "documents": documents,
        "passages": passages,
        "chars": chars,
        "digest": digest.hexdigest()[:16],
        "seconds": round(time.perf_counter() - started, 2),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


# ---- tokens for the anchors ----------------------------------------------------------------

_TOKENIZER = None  # one per worker process


def _segment_file(path: str) -> list[tuple[str, str]]:
    """(text, space-joined index terms) for each passage of one file, as the project cuts them."""
    from bot.corpus.library import parse_file
    from bot.search.tokenize import Tokenizer

    global _TOKENIZER
    if _TOKENIZER is None:
        _TOKENIZER = Tokenizer()
    tokenizer = _TOKENIZER
    document = parse_file(Path(path))
    out = []
    for passage in make_passages(document, 0):
        terms = tokenizer.index_terms(passage.text)
        out.append((passage.text, " ".join(t.replace(" ", "_") for t in terms)))
    return out


def corpus_documents(folder: Path) -> list[Path]:
    """The corpus's documents in the project's own order."""
    from bot.corpus.library import corpus_files

    return corpus_files(folder)


def write_tokens(corpus: Path, out: Path, processes: int = 2, progress: bool = False) -> dict:
    """Segment every passage once with the project's tokenizer; texts.txt and tokens.txt, one
    passage a line.

    Reused when it was made from the same corpus (its manifest digest) by the same tokenizer."""
    from bot.search.tokenize import Tokenizer

    manifest = read_manifest(corpus) or {}
    made_by = {
        "corpus_digest": manifest.get("digest"),
        "segmenter": segmenter_signature(),
        "tokenizer": Tokenizer().signature,
    }
    meta_path = out / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = None
    if meta is not None and all(meta.get(k) == v for k, v in made_by.items()):
        return meta
    out.mkdir(parents=True, exist_ok=True)
    meta_path.unlink(missing_ok=True)  # until the new files are complete, they are nobody's
    files = [str(p) for p in corpus_documents(corpus)]
    started = time.perf_counter()
    n = tokens = 0
    shown = 0.0
    texts_tmp, tokens_tmp = out / "texts.txt.tmp", out / "tokens.txt.tmp"
    with (
        texts_tmp.open("w", encoding="utf-8") as texts,
        tokens_tmp.open("w", encoding="utf-8") as toks,
    ):
        if processes > 1:
            import multiprocessing as mp

            with mp.get_context("fork").Pool(processes) as workers:
                results: Iterable[list[tuple[str, str]]] = workers.imap(
                    _segment_file, files, chunksize=8
                )
                n, tokens, shown = _write_results(results, texts, toks, progress, len(files))
        else:
            n, tokens, shown = _write_results(
                map(_segment_file, files), texts, toks, progress, len(files)
            )
    os.replace(texts_tmp, out / "texts.txt")
    os.replace(tokens_tmp, out / "tokens.txt")
    meta = {
        **made_by,
        "passages": n,
        "tokens": tokens,
        "tokens_per_passage": round(tokens / max(n, 1), 2),
        "seconds": round(time.perf_counter() - started, 1),
    }
    meta_path.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return meta


def _write_results(results, texts, toks, progress: bool, files: int) -> tuple[int, int, float]:
    n = tokens = 0
    shown = time.perf_counter()
    for i, rows in enumerate(results, 1):
        for text, joined in rows:
            texts.write(text.replace("\n", " ") + "\n")
            toks.write(joined + "\n")
            n += 1
            tokens += joined.count(" ") + 1 if joined else 0
        if progress and time.perf_counter() - shown > 10:
            shown = time.perf_counter()
            print(f"  tokens: {i:,}/{files:,} files, {n:,} passages", file=sys.stderr, flush=True)
    return n, tokens, shown


def read_tokens(folder: Path) -> list[list[str]]:
    """Passage tokens, each distinct token one shared string (keeps the anchors' build memory
    honest)."""
    interned: dict[str, str] = {}
    out: list[list[str]] = []
    with (folder / "tokens.txt").open(encoding="utf-8") as fh:
        for line in fh:
            out.append([interned.setdefault(t, t) for t in line.split()])
    return out


def read_texts(folder: Path) -> list[str]:
    with (folder / "texts.txt").open(encoding="utf-8") as fh:
        return [line.rstrip("\n") for line in fh]


def sample_questions(
    questions: Sequence[str], measured: int, warmup: int, seed: int
) -> tuple[list[str], list[str]]:
    """A fixed random sample: (warm-up questions, measured questions), disjoint."""
    rng = random.Random(seed)
    picked = rng.sample(list(questions), min(len(questions), measured + warmup))
    return picked[:warmup], picked[warmup:]
