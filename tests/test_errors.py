"""`errors`: the one-line model-not-found hint names the right option and today's download command."""

from __future__ import annotations

import pytest

from summarize.errors import ModelNotFoundError
from summarize.pipeline import Pipeline
from summarize.settings import Settings
from summarize.text import model_short_name


@pytest.mark.parametrize(
    ("role", "option", "wrong"),
    [("translation", "--translator", "--summarizer-model"), ("summarization", "--summarizer-model", "--translator")],
)
def test_model_not_found_names_the_option_of_its_role(role: str, option: str, wrong: str):
    message = str(ModelNotFoundError("org/some-model", role, "not in the local cache"))
    assert f"{option} ./some-model" in message and wrong not in message
    assert "hf download org/some-model" in message and "huggingface-cli" not in message
    assert "\n" not in message and "HF_HUB_OFFLINE=1" in message


@pytest.mark.parametrize(
    ("model", "short"),
    [("Helsinki-NLP/opus-mt-de-en", "opus-mt-de-en"), ("./models/bart/", "bart"), ("t5-small", "t5-small")],
)
def test_the_signature_and_the_hint_call_a_model_by_one_short_name(model: str, short: str):
    assert model_short_name(model) == short
    signature = Pipeline(Settings(translator=model, summarizer_model=model, device="cpu")).signature.split("|")
    assert signature[0] == f"tr={short}" and f"sum={short}" in signature
    assert f"--translator ./{short})" in str(ModelNotFoundError(model, "translation"))
