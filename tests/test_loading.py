"""`loading`: choices left to the machine are made once, by `resolve_settings`; models load by name or folder."""

from __future__ import annotations

import pytest

from summarize import Pipeline, Settings
from summarize.errors import ModelNotFoundError, UsageError
from summarize.loading import load_seq2seq, model_identity, resolve_settings
from summarize.runner.ray import worker_settings


@pytest.mark.parametrize(
    ("changes", "device_type", "expected"),
    [
        ({"engine": "transformers"}, "cpu", {"device": "cpu", "dtype": "float32", "int8": True, "max_batch_tokens": 2048}),
        ({}, "cuda", {"device": "cuda", "dtype": "auto", "int8": False, "max_batch_tokens": 8192}),
        ({"engine": "ctranslate2"}, "cpu", {"int8": True}),  # CTranslate2: both models int8 on CPU
        ({"engine": "ctranslate2"}, "cuda", {"int8": False}),  # float16 on GPUs
        ({"engine": "ctranslate2", "translate": False, "summarizer": "extractive"}, "cpu", {"int8": None}),  # no model
        ({"engine": "transformers", "translate": False, "summarizer": "extractive"}, "cpu", {"int8": None}),
        ({"int8": False}, "cpu", {"int8": False}),
        ({"max_batch_tokens": 512}, "cuda", {"max_batch_tokens": 512}),
        ({"device": "cpu"}, "cuda", {"device": "cpu", "int8": True}),  # a named device is kept
        ({"dtype": "bfloat16"}, "cuda", {"dtype": "bfloat16"}),
        # The summarizer's budgets, (chunks, padded source tokens) per call; None: no limit of that kind.
        ({"engine": "transformers"}, "cpu", {"summary_batch_size": 1, "summary_batch_tokens": None}),
        ({"engine": "ctranslate2"}, "cpu", {"summary_batch_size": None, "summary_batch_tokens": 3072}),
        ({"engine": "ctranslate2"}, "cuda", {"summary_batch_size": 8, "summary_batch_tokens": 8192}),
        ({"engine": "transformers", "summary_batch_size": 2, "summary_batch_tokens": 512}, "cpu",
         {"summary_batch_size": 2, "summary_batch_tokens": 512}),
        ({"summarizer": "extractive"}, "cpu", {"summary_batch_size": None, "summary_batch_tokens": None}),
    ],
    ids=["cpu", "gpu", "ctranslate2-cpu", "ctranslate2-gpu", "no-model-ct2", "no-model", "no-int8", "budget-kept",
         "named-device", "named-dtype", "summary-torch-cpu", "summary-ct2-cpu", "summary-gpu", "summary-kept",
         "summary-extractive"],
)
def test_choices_left_to_the_machine_are_made_for_the_device(changes, device_type, expected):
    resolved = resolve_settings(Settings(**changes), device_type)
    assert {k: getattr(resolved, k) for k in expected} == expected


def test_auto_engine_is_ctranslate2_where_it_is_installed_and_runs(monkeypatch):
    import importlib.util

    expected = "ctranslate2" if importlib.util.find_spec("ctranslate2") else "transformers"
    assert Settings().engine == "auto"  # the default
    assert resolve_settings(Settings(), "cpu").engine == expected == resolve_settings(Settings(), "cuda").engine
    assert resolve_settings(Settings(), "mps").engine == "transformers"  # CTranslate2 has no Apple GPU backend
    assert "eng=auto" not in Pipeline(resolve_settings(Settings(), "cpu")).signature
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)  # not installed
    assert resolve_settings(Settings(), "cpu").engine == "transformers"


def test_resolving_twice_changes_nothing():
    once = resolve_settings(Settings())
    assert resolve_settings(once) == once
    assert resolve_settings(once, "cuda") == once  # a worker resolving what the driver sent
    for_a_worker = resolve_settings(Settings(), "cpu")
    assert resolve_settings(for_a_worker, "cpu") == for_a_worker


@pytest.mark.parametrize(
    ("omp", "expected"),
    [("3", 3), ("4,2", 4), ("", None), ("lots", None), ("0", None)],
    ids=["omp-3", "omp-nested", "empty", "not-a-number", "zero"],
)
def test_threads_default_to_omp_num_threads_else_the_usable_cores(monkeypatch, omp, expected):
    import os

    monkeypatch.setenv("OMP_NUM_THREADS", omp)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert resolve_settings(Settings()).threads == (expected or cores)
    assert resolve_settings(Settings(threads=5)).threads == 5  # asked for: kept


def test_threads_of_another_machine_are_left_to_its_workers(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "7")  # the driver's share says nothing about a worker's
    assert resolve_settings(Settings(), "cpu").threads is None
    assert worker_settings(Settings(threads=2)).threads == 2
    assert "thr" not in Pipeline(Settings(threads=3)).signature  # speed, not output


def test_threads_are_applied_when_a_model_loads(tiny_marian):
    import torch

    before = torch.get_num_threads()
    try:
        load_seq2seq(tiny_marian, device="cpu", threads=2)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_on_this_machine_auto_is_the_cpu():
    assert resolve_settings(Settings()).device == "cpu"  # no GPU on the test machines


def test_nothing_is_resolved_when_no_model_runs():
    extractive_german = Settings(translate=False, summarizer="extractive")
    assert resolve_settings(extractive_german) == extractive_german


def test_ray_workers_resolve_for_their_own_device():
    assert worker_settings(Settings(device="auto"), num_gpus_per_worker=0).int8 is True
    assert worker_settings(Settings(device="auto"), num_gpus_per_worker=1).int8 is False
    assert worker_settings(Settings(device="cuda:1"), num_gpus_per_worker=1).device == "cuda:1"


@pytest.mark.parametrize(
    ("asked", "device", "translation", "summarization"),
    [
        ({"engine": "transformers"}, "cpu", "int8", "float32"),  # transformers quantizes the translator only
        ({"engine": "transformers", "int8": False}, "cpu", "float32", "float32"),
        ({"engine": "ctranslate2"}, "cpu", "int8", "int8"),
        ({"engine": "ctranslate2", "int8": False}, "cpu", "float32", "float32"),
        ({"engine": "ctranslate2"}, "cuda", "float16", "float16"),
        ({"engine": "ctranslate2", "int8": True}, "cuda", "int8_float16", "int8_float16"),
    ],
)
def test_the_signature_says_what_each_model_runs_in(asked, device, translation, summarization):
    signature = Pipeline(resolve_settings(Settings(**asked, dtype="float16" if device == "cuda" else "auto"),
                                          device)).signature
    assert f"|tr.compute={translation}|" in signature and f"|sum.compute={summarization}|" in signature
    assert f"|tr.eng={asked['engine']}|" in signature and f"|dev={device}|" in signature


def test_a_missing_local_folder_is_a_model_not_found_error(tmp_path):
    with pytest.raises(ModelNotFoundError, match="no such directory"):
        load_seq2seq(str(tmp_path / "nowhere" / "model"), role="translation", device="cpu")


def test_half_precision_on_cpu_is_a_usage_error(tiny_marian):
    with pytest.raises(UsageError, match="GPU"):
        load_seq2seq(tiny_marian, device="cpu", dtype="float16")


def test_a_local_folder_loads_through_from_pretrained(tiny_marian):
    loaded = load_seq2seq(tiny_marian, device="cpu")
    assert loaded.revision == "local" and loaded.label == f"{tiny_marian}@local"
    assert loaded.max_input_tokens == 512 and not loaded.model.training


def test_a_hub_models_identity_is_the_commit_of_its_cached_snapshot(tmp_path, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    repo = tmp_path / "models--org--model"
    old, new = "a" * 40, "b" * 40
    for commit in (old, new):
        (repo / "snapshots" / commit).mkdir(parents=True)
        (repo / "snapshots" / commit / "config.json").write_text("{}")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(old)
    assert model_identity("org/model") == f"org/model@{old}"
    (repo / "refs" / "main").write_text(new)  # the hub model was updated and downloaded again
    assert model_identity("org/model") == f"org/model@{new}"
    assert model_identity("org/model", revision=old) == f"org/model@{old}"
    assert model_identity("org/elsewhere", revision="v2") == "org/elsewhere@v2"  # not cached: as asked


def test_a_local_models_identity_follows_its_files(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"1234")
    first = model_identity(str(tmp_path))
    assert model_identity(str(tmp_path)) == first
    weights.write_bytes(b"12345")
    assert model_identity(str(tmp_path)) != first


# --- is the hub reachable? (proxies) -------------------------------------------------------------------

CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens on it here, so connections are refused


@pytest.fixture
def fake_proxy():
    """fake_proxy(status) → (URL, requests seen) of a local HTTP proxy answering every request with `status`
    (it stops with the test)."""
    import socketserver
    import threading

    servers = []

    def start(status: str) -> tuple[str, list[str]]:
        class Answer(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data and len(data) < 65536:
                    chunk = self.request.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                self.server.requests.append(data.decode("latin-1"))
                self.request.sendall(f"HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n".encode())

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Answer)
        server.daemon_threads = True
        server.requests = []
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", server.requests

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def online(monkeypatch):
    """No offline mode and no proxy from the machine: each test sets the ones it needs."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])
def test_a_dead_proxy_is_reported_at_once(online, variable):
    import time

    from summarize.loading import _hub_unreachable

    online.setenv(variable, CLOSED)
    started = time.monotonic()
    assert _hub_unreachable() == f"proxy {CLOSED} refused the connection"
    assert time.monotonic() - started < 2


def test_no_proxy_bypasses_the_proxy_for_the_hub(online, fake_proxy):
    from summarize.loading import _hub_unreachable

    hub, _ = fake_proxy("200 OK")  # stands for the hub: something that accepts a direct connection
    online.setenv("HF_ENDPOINT", hub)
    online.setenv("HTTP_PROXY", CLOSED)
    assert _hub_unreachable() == f"proxy {CLOSED} refused the connection"
    online.setenv("NO_PROXY", "localhost,127.0.0.1")
    assert _hub_unreachable() is None


def test_a_proxy_that_cannot_reach_the_hub_is_reported_and_credentials_are_not(online, fake_proxy):
    from summarize.loading import _hub_unreachable

    proxy, _ = fake_proxy("502 Bad Gateway")
    online.setenv("HTTPS_PROXY", proxy.replace("http://", "http://user:s3cret@"))
    reason = _hub_unreachable()
    assert reason.startswith(f"proxy {proxy} ") and "502" in reason and "s3cret" not in reason


def test_a_working_proxy_is_asked_to_connect_to_the_hub(online, fake_proxy):
    from summarize.loading import _hub_unreachable

    proxy, requests = fake_proxy("200 Connection established")
    online.setenv("HTTPS_PROXY", proxy.replace("http://", "http://user:pw@"))
    assert _hub_unreachable() is None
    (request,) = requests
    assert request.startswith("CONNECT huggingface.co:443 ") and "Proxy-Authorization: Basic dXNlcjpwdw==" in request


def test_a_missing_model_behind_a_dead_proxy_is_one_error_naming_the_proxy(online):
    online.setenv("HTTPS_PROXY", CLOSED)
    with pytest.raises(ModelNotFoundError, match=r"unreachable: proxy http://127\.0\.0\.1:9 refused"):
        load_seq2seq("Helsinki-NLP/opus-mt-xx-nowhere", role="translation", device="cpu")


# --- download progress ------------------------------------------------------------------------------------


@pytest.fixture
def bars_during_load(monkeypatch):
    """Runs load_seq2seq and returns (hub download bars on, transformers' own bars on) as from_pretrained saw them."""
    import transformers
    from huggingface_hub.utils import are_progress_bars_disabled, enable_progress_bars
    from transformers.utils import logging as hf_logging

    seen = []
    real = transformers.AutoModelForSeq2SeqLM.from_pretrained

    def spy(*args, **kwargs):
        seen.append((not are_progress_bars_disabled(), hf_logging.is_progress_bar_enabled()))
        return real(*args, **kwargs)

    monkeypatch.setattr(transformers.AutoModelForSeq2SeqLM, "from_pretrained", spy)

    def load(path: str) -> tuple[bool, bool]:
        load_seq2seq(path, device="cpu")
        return seen[-1]

    yield load
    enable_progress_bars()


def test_download_bars_are_shown_while_a_model_loads(tiny_marian, bars_during_load):
    from huggingface_hub.utils import enable_progress_bars

    enable_progress_bars()  # the hub's default
    assert bars_during_load(tiny_marian) == (True, False)  # downloads shown; "Loading weights" from disk not


def test_download_bars_stay_off_when_the_user_turned_them_off(tiny_marian, bars_during_load):
    from huggingface_hub.utils import disable_progress_bars

    disable_progress_bars()  # what HF_HUB_DISABLE_PROGRESS_BARS=1 or the CLI's --quiet does
    assert bars_during_load(tiny_marian) == (False, False)
