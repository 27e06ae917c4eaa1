"""The transformers engine: any Marian (or other seq2seq) model through `AutoModelForSeq2SeqLM`.

Greedy decoding (the default) runs a short loop of our own over the model's forward pass: the encoder
once, then one decoder step per token with the key/value cache, `argmax`, and finished rows dropped from
the batch. It produces exactly what `generate` produces (a test checks it) without `generate`'s per-step
logits processors over the whole vocabulary, which cost a quarter of the time on CPU, and it stops
computing rows that are done. Beam search, retries and any generation setting the loop does not
reproduce go through `generate`. Each output's confidence is the mean log-probability of its tokens: summed in
the loop, taken from greedy `generate`'s scores, and for beam search computed afterwards in one teacher-forced
pass over the chosen rows (keeping beam search's per-step scores over the whole vocabulary took 3.1 GB for 100
retried sentences of opus-mt's architecture; 1.7 GB without them).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from ..loading import LoadedModel, transformers_model
from .base import GenerationOptions, Hypothesis, Translator, as_confidence

# Logit positions (× the vocabulary) per teacher-forced scoring pass: ~120 MB for opus-mt's 58k vocabulary.
_SCORED_POSITIONS = 512

# Generation-config fields that add a logits processor the greedy loop does not reproduce.
_UNSUPPORTED = {
    "min_length": 0, "min_new_tokens": 0, "repetition_penalty": 1.0, "encoder_repetition_penalty": 1.0,
    "no_repeat_ngram_size": 0, "encoder_no_repeat_ngram_size": 0, "forced_bos_token_id": None,
    "suppress_tokens": None, "begin_suppress_tokens": None, "sequence_bias": None,
    "exponential_decay_length_penalty": None, "renormalize_logits": False, "remove_invalid_values": False,
    "force_words_ids": None, "constraints": None,
}  # fmt: skip


class MarianTranslator(Translator):
    """opus-mt-de-en by default; batched greedy decoding under `torch.inference_mode`."""

    engine = "transformers"

    load_model = staticmethod(transformers_model)

    def __init__(
        self,
        loaded: LoadedModel,  # `loading.transformers_model(settings, "translation")` or `loading.load_seq2seq`
        *,
        num_beams: int = 1,
        max_batch_tokens: int | None = None,
    ) -> None:
        super().__init__(
            num_beams=num_beams,
            max_batch_tokens=max_batch_tokens,
            device_type=loaded.device.type,
        )
        self.loaded = loaded
        self.label = loaded.label
        self.compute_type = loaded.compute_type
        self.max_input_tokens = loaded.max_input_tokens
        tok = loaded.tokenizer
        self._pad_id = tok.pad_token_id if tok.pad_token_id is not None else 0
        self._greedy = _GreedyPlan.of(loaded.model)

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        if not texts:
            return []
        return list(self.loaded.tokenizer(list(texts), truncation=False)["input_ids"])

    def decode(self, ids: Sequence[int]) -> str:
        return self.loaded.tokenizer.decode(list(ids), skip_special_tokens=True)

    def generate_ids(
        self, batch: Sequence[Sequence[int]], max_new_tokens: Sequence[int], options: GenerationOptions
    ) -> list[Hypothesis]:
        import torch
        from transformers.modeling_outputs import BaseModelOutput

        width = max(len(ids) for ids in batch)
        input_ids = torch.full((len(batch), width), self._pad_id, dtype=torch.long)
        attention_mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, ids in enumerate(batch):  # right padding, as the Marian tokenizer pads
            input_ids[row, : len(ids)] = torch.tensor(list(ids), dtype=torch.long)
            attention_mask[row, : len(ids)] = 1
        device = self.loaded.device
        input_ids, attention_mask = input_ids.to(device), attention_mask.to(device)
        plain = options.num_beams == 1 and options.no_repeat_ngram_size == 0 and options.repetition_penalty == 1.0
        with torch.inference_mode():
            if plain and self._greedy is not None:
                return self._greedy.decode(self.loaded.model, input_ids, attention_mask, max_new_tokens)
            beam = options.num_beams > 1
            # The encoder runs once: `generate` reads its output, and so does beam search's scoring pass.
            encoded = self.loaded.model.get_encoder()(input_ids=input_ids, attention_mask=attention_mask)
            hidden = encoded.last_hidden_state  # generate expands the output object it is given for its beams
            out = self.loaded.model.generate(
                input_ids=input_ids,  # still read by processors that look at the source (encoder_no_repeat...)
                encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
                attention_mask=attention_mask,
                max_new_tokens=max(max_new_tokens),
                num_beams=options.num_beams,
                do_sample=False,
                no_repeat_ngram_size=options.no_repeat_ngram_size,
                repetition_penalty=options.repetition_penalty,
                early_stopping=beam,
                # Beam search would keep every step's scores over the whole vocabulary for every beam (GBs for a
                # batch of retries): its rows are scored afterwards in one teacher-forced pass instead.
                output_scores=not beam,
                return_dict_in_generate=True,
            )
            forced_eos = _forced_eos(self.loaded.model)
            rows = [_cut(row.tolist(), limit, self._pad_id, forced_eos)
                    for row, limit in zip(out.sequences.cpu(), max_new_tokens)]  # fmt: skip
            scores = self._teacher_forced_scores(hidden, attention_mask, rows) if beam else self._scores(out)
        return [Hypothesis(ids, score) for ids, score in zip(rows, scores)]

    def _teacher_forced_scores(self, hidden: Any, attention_mask: Any, rows: list[list[int]]) -> list[float | None]:
        """The mean log-probability per generated token of each row under the model, from one decoder pass over
        the chosen tokens on the encoder output `hidden`, a few rows at a time so that the logits (positions ×
        vocabulary) stay small."""
        import torch
        from transformers.modeling_outputs import BaseModelOutput

        width = max(len(r) for r in rows)
        step = max(1, _SCORED_POSITIONS // width)
        banned = list(_banned_tokens(self.loaded.model))
        scores: list[float | None] = []
        for lo in range(0, len(rows), step):
            part = rows[lo : lo + step]
            decoder = torch.full((len(part), width), self._pad_id, dtype=torch.long)
            for i, row in enumerate(part):
                decoder[i, : len(row)] = torch.tensor(row, dtype=torch.long)
            decoder = decoder.to(hidden.device)
            logits = self.loaded.model(
                encoder_outputs=BaseModelOutput(last_hidden_state=hidden[lo : lo + step]),
                attention_mask=attention_mask[lo : lo + step],
                decoder_input_ids=decoder[:, :-1],
            ).logits.float()
            if banned:  # tokens generation may never pick (opus-mt: pad) take no probability, as in the loop
                logits[..., banned] = -float("inf")
            target = decoder[:, 1:]
            chosen = logits.gather(-1, target.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(logits, dim=-1)
            scores += _mean_per_token(chosen, target != self._pad_id)
        return scores

    def _scores(self, out: Any) -> list[float | None]:
        """Greedy `generate`: the log-softmax of each chosen token as `generate` scored it, averaged over the
        real tokens of each returned sequence."""

        steps = self.loaded.model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)
        return _mean_per_token(steps, out.sequences[:, 1:] != self._pad_id)


def _mean_per_token(logprobs: Any, real: Any) -> list[float | None]:
    """Each row's mean of its per-token log-probabilities over its real (not padding) tokens: its confidence."""
    import torch

    means = torch.where(real, logprobs, torch.zeros_like(logprobs)).sum(dim=1) / real.sum(dim=1).clamp(min=1)
    return [as_confidence(float(m)) for m in means.cpu()]


def _banned_tokens(model: Any) -> tuple[int, ...]:
    """The single-token bad words of the model's generation config (opus-mt: pad): tokens it never generates."""
    bad = getattr(getattr(model, "generation_config", None), "bad_words_ids", None) or ()
    return tuple(words[0] for words in bad if len(words) == 1)


def _forced_eos(model: Any) -> int | None:
    forced = getattr(getattr(model, "generation_config", None), "forced_eos_token_id", None)
    return forced[0] if isinstance(forced, (list, tuple)) else forced


def _cut(row: list[int], limit: int, pad: int, forced_eos: int | None) -> list[int]:
    """A row generated under a larger shared limit, as if generated under its own (start token + `limit`)."""
    end = len(row)
    while end > 1 and row[end - 1] == pad:  # a row that ended early is only padded: nothing to cut
        end -= 1
    if end <= limit + 1:
        return row
    return row[:limit] + [forced_eos] if forced_eos is not None else row[: limit + 1]


class _GreedyPlan:
    """What greedy decoding needs from a model's generation config, when the loop can reproduce it."""

    def __init__(self, start: int, eos: tuple[int, ...], pad: int, banned: tuple[int, ...],
                 forced_eos: int | None, cache_arg: str) -> None:  # fmt: skip
        self.start, self.eos, self.pad, self.banned = start, eos, pad, banned
        self.forced_eos, self.cache_arg = forced_eos, cache_arg

    @classmethod
    def of(cls, model: Any) -> _GreedyPlan | None:
        """The plan for this model, or None when `generate` must do it (decoder-only, exotic settings)."""
        config = getattr(model, "config", None)
        gen = getattr(model, "generation_config", None)
        if config is None or gen is None or not getattr(config, "is_encoder_decoder", False):
            return None
        if any(getattr(gen, field, default) not in (None, default) for field, default in _UNSUPPORTED.items()):
            return None
        eos = gen.eos_token_id if gen.eos_token_id is not None else config.eos_token_id
        eos_ids = tuple(eos) if isinstance(eos, (list, tuple)) else (eos,) if eos is not None else ()
        start = gen.decoder_start_token_id
        start = start if start is not None else config.decoder_start_token_id
        pad = gen.pad_token_id if gen.pad_token_id is not None else config.pad_token_id
        bad = gen.bad_words_ids or ()
        if not eos_ids or not isinstance(start, int) or pad is None or any(len(words) != 1 for words in bad):
            return None
        # Newer transformers name the decoder cache argument `cache`, older ones `past_key_values`.
        params = inspect.signature(model.forward).parameters
        cache_arg = "cache" if "cache" in params else "past_key_values"
        return cls(start, eos_ids, pad, _banned_tokens(model), _forced_eos(model), cache_arg)

    def decode(
        self, model: Any, input_ids: Any, attention_mask: Any, max_new_tokens: Sequence[int]
    ) -> list[Hypothesis]:
        """Row i as `generate(num_beams=1, do_sample=False, max_new_tokens=max_new_tokens[i])` gives it alone:
        start token, then tokens, then padding; with the mean log-probability of the chosen tokens."""
        import torch
        from transformers.modeling_outputs import BaseModelOutput

        device = input_ids.device
        encoded = model.get_encoder()(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        rows, longest = input_ids.shape[0], max(max_new_tokens)
        out = torch.full((rows, longest + 1), self.pad, dtype=torch.long, device=device)
        out[:, 0] = self.start
        alive = torch.arange(rows, device=device)  # rows of `out` still being decoded
        last_step = torch.tensor(list(max_new_tokens), device=device) - 1  # per row still decoded
        eos = torch.tensor(self.eos, device=device)
        tokens = torch.full((rows, 1), self.start, dtype=torch.long, device=device)
        logprob = torch.zeros(rows, dtype=torch.float64, device=device)  # sum of the chosen tokens' log-probs
        steps = torch.zeros(rows, dtype=torch.long, device=device)
        cache, length = None, 1
        for step in range(longest):
            result = model(
                encoder_outputs=BaseModelOutput(last_hidden_state=encoded),
                attention_mask=attention_mask,
                decoder_input_ids=tokens,
                use_cache=True,
                **{self.cache_arg: cache},
            )
            cache = result.past_key_values if hasattr(result, "past_key_values") else result.cache
            logits = result.logits[:, -1, :]
            if self.banned:
                logits[:, list(self.banned)] = -float("inf")
            chosen = logits.argmax(dim=-1)
            at_limit = last_step == step
            if self.forced_eos is not None:  # generate forces eos as the last token a row may have
                chosen = torch.where(at_limit, self.forced_eos, chosen)
            out[alive, step + 1] = chosen
            # log p(chosen) = its logit - logsumexp(logits): the model's own probability, as `generate` scores it
            # (a forced end of sentence, like generate's processor, counts as certain: 0).
            step_logprob = logits.gather(1, chosen[:, None]).squeeze(1) - logits.logsumexp(dim=-1)
            if self.forced_eos is not None:
                step_logprob = torch.where(at_limit, torch.zeros_like(step_logprob), step_logprob)
            logprob[alive] += step_logprob.double()
            steps[alive] += 1
            length = step + 2
            finished = torch.isin(chosen, eos) | at_limit
            if bool(finished.all()):
                break
            if bool(finished.any()):  # drop finished rows: the rest of the batch runs on without them
                keep = (~finished).nonzero().squeeze(1)
                alive, chosen, last_step = alive[keep], chosen[keep], last_step[keep]
                encoded, attention_mask = encoded[keep], attention_mask[keep]
                cache.batch_select_indices(keep)
            tokens = chosen[:, None]
        means = (logprob / steps.clamp(min=1)).cpu().tolist()
        return [Hypothesis(row.tolist(), as_confidence(m)) for row, m in zip(out[:, :length].cpu(), means)]
