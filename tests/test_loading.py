"""`loading`: choices left to the machine are made once, by `resolve_settings`; models load by name or folder."""

from __future__ import annotations

import pytest

from summarize import Settings
from summarize.errors import ModelNotFoundError, UsageError
from summarize.loading import load_seq2seq, model_identity, resolve_settings
from summarize.runner.ray import worker_settings


@pytest.mark.parametrize(
    ("changes", "device_type", "expected"),
    [
        ({}, "cpu", {"device": "cpu", "dtype": "float32", "int8": True, "max_batch_tokens": 2048}),
        ({}, "cuda", {"device": "cuda", "dtype": "auto", "int8": False, "max_batch_tokens": 8192}),
        ({"engine": "ctranslate2"}, "cpu", {"int8": False}),
        ({"int8": False}, "cpu", {"int8": False}),
        ({"max_batch_tokens": 512}, "cuda", {"max_batch_tokens": 512}),
        ({"device": "cpu"}, "cuda", {"device": "cpu", "int8": True}),  # a named device is kept
        ({"dtype": "bfloat16"}, "cuda", {"dtype": "bfloat16"}),
    ],
    ids=["cpu", "gpu", "ctranslate2-has-its-own-int8", "no-int8", "budget-kept", "named-device", "named-dtype"],
)
def test_choices_left_to_the_machine_are_made_for_the_device(changes, device_type, expected):
    resolved = resolve_settings(Settings(**changes), device_type)
    assert {k: getattr(resolved, k) for k in expected} == expected


def test_resolving_twice_changes_nothing():
    once = resolve_settings(Settings(), "cpu")
    assert resolve_settings(once) == once
    assert resolve_settings(once, "cuda") == once  # a worker resolving what the driver sent


def test_on_this_machine_auto_is_the_cpu():
    assert resolve_settings(Settings()).device == "cpu"  # no GPU on the test machines


def test_nothing_is_resolved_when_no_model_runs():
    extractive_german = Settings(translate=False, summarizer="extractive")
    assert resolve_settings(extractive_german) == extractive_german


def test_ray_workers_resolve_for_their_own_device():
    assert worker_settings(Settings(device="auto"), num_gpus_per_worker=0).int8 is True
    assert worker_settings(Settings(device="auto"), num_gpus_per_worker=1).int8 is False
    assert worker_settings(Settings(device="cuda:1"), num_gpus_per_worker=1).device == "cuda:1"


def test_int8_is_in_the_signature_only_when_on():
    assert "|int8|" in resolve_settings(Settings(), "cpu").signature
    assert "int8" not in resolve_settings(Settings(int8=False), "cpu").signature


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
