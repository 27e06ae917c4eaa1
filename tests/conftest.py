"""Shared fixtures: tiny random models built once per test session, and small document builders."""

from __future__ import annotations

import os

# The hub is unreachable here; offline mode makes a missing model fail at once instead of retrying.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Tiny models are dominated by thread hand-offs: one thread is far faster, above all on a busy machine. Through
# OMP_NUM_THREADS, the documented default of --threads, it holds for the CLI's subprocesses too.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import signal

# The commands the tests start get Ctrl-C as from a terminal. A job started in the background (a shell's `&`, as a
# CI runner may start the suite) starts with SIGINT ignored, which its children inherit and the CLI keeps
# (`signals.catch`, tested on its own): the tests that send a child Ctrl-C would wait for nothing.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

from pathlib import Path

import pytest

from tools.tiny_models import SEEDS, build_bart, build_marian

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
# The real parallel test set that CI and every developer machine of this project have beside the checkout.
NEWSTEST = Path(os.environ.get("SUMMARIZE_EVAL_DIR") or ROOT.parent / "shared" / "eval")


STRICT_SKIPS = os.environ.get("SUMMARIZE_STRICT_SKIPS") == "1"


def _fail_skip(report, what: str) -> None:
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"{what} skipped, and SUMMARIZE_STRICT_SKIPS=1 (CI) allows no skip: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With SUMMARIZE_STRICT_SKIPS=1 (CI sets it) a skipped test fails: CI has every extra, browser and data
    set the suite uses, so a skip there means something is missing. Only `real_weights` tests may skip."""
    report = (yield).get_result()
    if STRICT_SKIPS and report.skipped and not item.get_closest_marker("real_weights"):
        _fail_skip(report, item.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """The same for a whole module skipped at import (`pytest.importorskip` of an extra)."""
    report = (yield).get_result()
    if STRICT_SKIPS and report.skipped:
        _fail_skip(report, collector.nodeid)


@pytest.fixture(scope="session")
def newstest() -> Path:
    """The folder holding newstest2019-deen.{de,en}; tests marked `newstest` measure on it."""
    if not (NEWSTEST / "newstest2019-deen.en").is_file():
        pytest.skip(f"newstest2019-deen not found in {NEWSTEST} (set SUMMARIZE_EVAL_DIR); CI has it")
    return NEWSTEST


@pytest.fixture(scope="session")
def news_data() -> tuple[Path, Path]:
    """Our own small parallel German/English file (tests/data/README.md): (German, English)."""
    return DATA / "news.de", DATA / "news.en"


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """Tiny models are dominated by thread hand-offs: one thread is far faster, above all on a busy machine."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session", autouse=True)
def ct2_cache(tmp_path_factory: pytest.TempPathFactory):
    """CTranslate2 conversions of the tiny models go to a temporary cache, never ~/.cache/summarize."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SUMMARIZE_CACHE", str(tmp_path_factory.mktemp("ct2-cache")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_files() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))


@pytest.fixture(scope="session")
def tiny_marian(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A random-weight MarianMTModel + SentencePiece tokenizer trained on the seeds (d_model 16, 1 layer)."""
    return str(build_marian(tmp_path_factory.mktemp("tiny-marian")))


@pytest.fixture(scope="session")
def tiny_bart(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A random-weight BART + byte-level BPE tokenizer trained on the seeds (d_model 16, 1+1 layers)."""
    return str(build_bart(tmp_path_factory.mktemp("tiny-bart")))


@pytest.fixture(scope="session")
def tiny_settings(tiny_marian: str, tiny_bart: str):
    """The tiny models on the transformers engine. Pinned (the default engine is "auto", CTranslate2 when
    installed): the tests that use these settings check the transformers path and its exact outputs; the
    CTranslate2 path has its own fixtures and parametrized tests (`tiny_settings_ct2`, summarizers/)."""
    from summarize import Settings

    return Settings(translator=tiny_marian, summarizer_model=tiny_bart, device="cpu", engine="transformers")


@pytest.fixture(scope="session")
def tiny_settings_ct2(tiny_settings):
    """The tiny models as the default engine runs them where ctranslate2 is installed (int8 on CPU)."""
    pytest.importorskip("ctranslate2")
    return tiny_settings.replace(engine="ctranslate2")


@pytest.fixture(scope="session")
def tiny_pipeline(tiny_settings):
    from summarize import Pipeline

    return Pipeline(tiny_settings)


@pytest.fixture
def make_document():
    """make_document("Satz eins. Satz zwei.") → a segmented Document."""
    from summarize.document import document_from_text
    from summarize.segment import segment

    def make(text: str, doc_id: str = "doc"):
        return segment(document_from_text(text, doc_id))

    return make
