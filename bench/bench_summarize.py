"""Summarizer speed: distilbart-cnn-12-6's architecture, five ~900-token articles, exactly 100 new tokens each.

Random weights (no hub here) with the real architecture: d_model 1024, 12 encoder + 6 decoder layers, 16 heads,
ffn 4096, vocab 50,264, and distilbart-cnn's own generation settings (beam 4, length penalty 2.0,
no_repeat_ngram_size 3, early stopping, forced <s> first). Every row generates exactly 100 new tokens per article
(min = max), so all rows do the same work. All rows run in this one process, one after the other; prints a table.

CPU rows:
  hand-written        `model.generate(**tokenizer(article))`, one article at a time, fp32: the baseline
  transformers        ours, `--engine transformers`: fp32 beam 4, one chunk per call, encoder once, attention
  ct2 int8 1-by-1     ours, CTranslate2 int8 beam 4, one chunk per call
  ct2 int8 batched    ours, CTranslate2 int8 beam 4, chunks batched under the CPU budget (loading/devices.py)
  default             `Settings()` as this machine resolves it (engine auto), through `load_summarizer`
  ct2 int8 greedy     ours, CTranslate2 int8 beam 1 (`--fast`), batched
GPU rows (`--device cuda`; none was measured here): hand-written fp32, transformers fp16 (8 chunks a call),
CTranslate2 float16 and int8_float16 (batched under the GPU budget).

Our rows include the provenance attention; the hand-written one has none. CTranslate2 converts the model once
before any row is timed (reported on its own line, with its time when it ran in this invocation). The machine is
shared: rows run in `--repeat` interleaved rounds (every row once per round) and the table shows each row's fastest
round, with the slowest in brackets (torch rows suffer far more from a busy machine than CTranslate2 rows).

    python bench/bench_summarize.py                  # 5 articles × 100 tokens (a few minutes on 2 cores)
    python bench/bench_summarize.py --quick          # 2 articles × 30 tokens
    python bench/bench_summarize.py --device cuda --articles 32
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]
MODEL_DIR = Path(os.environ.get("SUMMARIZE_BENCH_DIR", Path.home() / ".cache" / "summarize" / "bench")) / "distilbart-arch"


# distilbart-cnn-12-6's own generation settings (its config.json): what `generate` uses unless told otherwise.
CNN_GENERATION = {"num_beams": 4, "length_penalty": 2.0, "no_repeat_ngram_size": 3, "early_stopping": True,
                  "min_length": 56, "max_length": 142, "forced_bos_token_id": 0, "forced_eos_token_id": 2}
VOCAB = 50264
LEARNED = 3076  # ids the seeds taught the byte-level BPE; the rest of the 50,264 are padding entries


def build_model() -> Path:
    """The random-weight model (built once, cached), with distilbart-cnn's generation settings and a tokenizer
    padded to the model's 50,264 ids: CTranslate2's converter needs the two sizes to match (the seeds teach the
    byte-level BPE only ~3,000 tokens; the padding entries are never produced by tokenizing)."""
    from tools.tiny_models import build_bart

    if not (MODEL_DIR / "config.json").exists():
        build_bart(MODEL_DIR, vocab_size=8000, model_vocab_size=VOCAB, d_model=1024, encoder_layers=12,
                   decoder_layers=6, heads=16, ffn=4096)
    _pad_vocabulary(MODEL_DIR, VOCAB)
    _never_padding(MODEL_DIR)
    generation = json.loads((MODEL_DIR / "generation_config.json").read_text())
    if any(generation.get(k) != v for k, v in CNN_GENERATION.items()) or "suppress_tokens" in generation:
        generation.pop("suppress_tokens", None)
        (MODEL_DIR / "generation_config.json").write_text(json.dumps({**generation, **CNN_GENERATION}, indent=2))
    return MODEL_DIR


def _never_padding(folder: Path) -> None:
    """Real weights never pick the tokenizer's padding entries; random ones would, and decode them to
    "<extra_N>" text that re-tokenizes to ~8 tokens each. A -1e4 output bias on those ids (part of the model,
    so every engine runs it at no cost; a `suppress_tokens` logits processor costs `generate` ~0.4 s a step)."""
    from safetensors import safe_open

    with safe_open(str(folder / "model.safetensors"), "pt") as f:
        if float(f.get_tensor("final_logits_bias")[0, LEARNED:].max()) <= -1e3:
            return
    import torch
    from transformers import BartForConditionalGeneration

    model = BartForConditionalGeneration.from_pretrained(folder)
    with torch.no_grad():
        model.final_logits_bias[0, LEARNED:] = -1e4
    model.save_pretrained(folder)


def _pad_vocabulary(folder: Path, size: int) -> None:
    tokenizer = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    vocab = tokenizer["model"]["vocab"]
    if len(vocab) >= size:
        return
    n = len(vocab)
    while len(vocab) < size:
        vocab[f"<extra_{n}>"] = n
        n += 1
    (folder / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False), encoding="utf-8")
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")


def article_sentences(n: int, tokenizer, target_tokens: int = 900) -> list[list[str]]:
    """n articles of consecutive seed sentences (German, as stand-in English), each ~target_tokens long."""
    from summarize import load_document

    pool = [s.plain for f in sorted((ROOT / "seeds").glob("*.txt")) for s in load_document(f).content_sentences]
    out, i = [], 0
    for _ in range(n):
        sentences: list[str] = []
        while len(tokenizer(" ".join(sentences)).input_ids) < target_tokens:
            sentences.append(pool[i % len(pool)])
            i += 1
        out.append(sentences)
    return out


def articles(n: int, tokenizer, target_tokens: int = 900) -> list[str]:
    return [" ".join(sentences) for sentences in article_sentences(n, tokenizer, target_tokens)]


def stand_in_document(doc_id: str, sentences: list[str]):
    """A translated Document whose body sentences are `sentences` (translation = the text itself)."""
    from summarize.document import Document, Sentence

    text, pos, out = " ".join(sentences), 0, []
    for n, sentence in enumerate(sentences):
        start = text.index(sentence, pos)
        pos = start + len(sentence)
        out.append(Sentence(id=f"s{n + 1}", index=n, paragraph=0, start=start, end=pos, text=sentence,
                            translation=sentence))
    return Document(id=doc_id, text=text, sentences=tuple(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 articles × 30 tokens")
    parser.add_argument("--articles", type=int, default=5)
    parser.add_argument("--new-tokens", type=int, default=100)
    parser.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--rows", help="comma-separated subset of the rows")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds; the fastest counts")
    args = parser.parse_args()
    n_articles, new_tokens = (2, 30) if args.quick else (args.articles, args.new_tokens)
    gpu = args.device.startswith("cuda")

    import ctranslate2
    import torch
    import transformers

    torch.set_num_threads(args.threads)
    os.environ.setdefault("SUMMARIZE_CACHE", str(MODEL_DIR.parent / "ct2-cache"))
    from summarize.engines import load_summarizer
    from summarize.loading import load_ctranslate2, load_seq2seq
    from summarize.settings import LengthSpec, Settings
    from summarize.summarizers.abstractive import AbstractiveSummarizer
    from summarize.summarizers.ctranslate2 import CTranslate2Engine
    from summarize.summarizers.engine import TransformersEngine

    def sync() -> None:
        if gpu:
            torch.cuda.synchronize()

    model_dir = str(build_model())
    fp32 = load_seq2seq(model_dir, role="summarization", device=args.device, dtype="float32")
    sentences = article_sentences(n_articles, fp32.tokenizer)
    texts = [" ".join(s) for s in sentences]
    docs = [[stand_in_document(f"a{n}", s)] for n, s in enumerate(sentences)]
    spec = LengthSpec(max_sentences=5, min_new_tokens=new_tokens, max_new_tokens=new_tokens)
    lengths = [len(fp32.tokenizer(t).input_ids) for t in texts]
    name = torch.cuda.get_device_name(args.device) if gpu else platform.processor() or platform.machine()
    print(f"machine: {name}, {os.cpu_count()} cores, {args.threads} threads; torch {torch.__version__}, "
          f"transformers {transformers.__version__}, ctranslate2 {ctranslate2.__version__}; load {_load()}")
    print(f"{n_articles} articles of {min(lengths)}-{max(lengths)} tokens, exactly {new_tokens} new tokens each\n")

    # CTranslate2 converts once (cached); done here, before any row is timed.
    conversions = []
    for int8 in (True, False) if gpu else (True,):
        start = time.perf_counter()
        model = CTranslate2Engine(load_ctranslate2(model_dir, role="summarization", device=args.device, int8=int8))
        conversions.append((model, time.perf_counter() - start))
    for model, seconds in conversions:
        print(f"CTranslate2 {model.label.rsplit('+ct2-', 1)[-1]}: loaded in {seconds:.1f} s (conversion included when this was "
              f"the first run: it is cached under {os.environ['SUMMARIZE_CACHE']})")

    def hand_written() -> None:
        with torch.inference_mode():
            for text in texts:  # what a user hand-writes: one article at a time, the model's own settings
                enc = fp32.tokenizer(text, return_tensors="pt").to(fp32.device)
                fp32.model.generate(**enc, min_new_tokens=new_tokens, max_new_tokens=new_tokens)

    def ours(summarizer: AbstractiveSummarizer):
        def run() -> None:
            drafts = summarizer.summarize_many(docs, length=spec)
            assert all((d.levels, d.chunks) == (1, 1) and d.sentences for d in drafts)

        return run

    ct2_int8 = conversions[0][0]
    if gpu:
        half = load_seq2seq(model_dir, role="summarization", device=args.device, dtype="float16")
        rows = {
            "hand-written": hand_written,
            "transformers fp16 batched": ours(AbstractiveSummarizer(TransformersEngine(half))),
            "ct2 float16 batched": ours(AbstractiveSummarizer(conversions[1][0])),
            "ct2 int8_float16 batched": ours(AbstractiveSummarizer(ct2_int8)),
        }
    else:
        default = load_summarizer(Settings(summarizer_model=model_dir, device=args.device))
        rows = {
            "hand-written": hand_written,
            "transformers": ours(AbstractiveSummarizer(TransformersEngine(fp32))),
            "ct2 int8 1-by-1": ours(AbstractiveSummarizer(ct2_int8, batch_size=1)),
            "ct2 int8 batched": ours(AbstractiveSummarizer(ct2_int8)),
            f"default ({default.engine.engine}, {default.label.rsplit('+', 1)[-1]})": ours(default),
            "ct2 int8 greedy": ours(AbstractiveSummarizer(ct2_int8, num_beams=1)),
        }
    if args.rows:
        keep = args.rows.split(",")
        rows = {k: v for k, v in rows.items() if k in keep or k.split(" (")[0] in keep or k == "hand-written"}
    times: dict[str, list[float]] = {row: [] for row in rows}
    for _ in range(max(1, args.repeat)):
        for row, run in rows.items():
            sync()
            start = time.perf_counter()
            run()
            sync()
            times[row].append(time.perf_counter() - start)
    base = min(times["hand-written"])
    print(f"{'row':<34} {'items':>6} {'seconds (slowest)':>18} {'s/article':>10} {'speed-up':>9}")
    for row, seconds in times.items():
        best = min(seconds)
        print(f"{row:<34} {n_articles:>6} {best:8.1f} ({max(seconds):6.1f}) {best / n_articles:10.2f} "
              f"{base / best:8.2f}×")
    print(f"\nfastest of {max(1, args.repeat)} interleaved rounds; load at the end: {_load()}")


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "n/a"


if __name__ == "__main__":
    main()
