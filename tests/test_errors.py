"""`errors`: the one-line model-not-found hint names the right option and today's download command."""

from __future__ import annotations

import pytest

from summarize.errors import ModelNotFoundError


@pytest.mark.parametrize(
    ("role", "option", "wrong"),
    [("translation", "--translator", "--summarizer-model"), ("summarization", "--summarizer-model", "--translator")],
)
def test_model_not_found_names_the_option_of_its_role(role: str, option: str, wrong: str):
    message = str(ModelNotFoundError("org/some-model", role, "not in the local cache"))
    assert f"{option} ./some-model" in message and wrong not in message
    assert "hf download org/some-model" in message and "huggingface-cli" not in message
    assert "\n" not in message and "HF_HUB_OFFLINE=1" in message
