"""OpenVINO tokenizer and detokenizer models built from a GGUF SentencePiece vocabulary.

OpenVINO GenAI's GGUF reader only builds byte-level BPE (`gpt2`) tokenizers, and a tokenizer
made from a SentencePiece `.model` through transformers' slow LlamaTokenizer gets leading spaces
wrong. What matched llama.cpp's ids on a multilingual corpus (docs / FACTS: 36 of 36 strings) is
a Llama-2 style `tokenizer.json`: normalizer prepend "▁" + replace " " with "▁", no
pre-tokenizer, BPE with byte fallback whose merges come from the piece scores the way
transformers' SentencePieceExtractor derives them. llama.cpp's SentencePiece tokenizer merges
the adjacent pair whose joined piece has the highest score, which is what those merges encode.

Imports transformers and openvino_tokenizers only inside the functions that need them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import UnsupportedModelError

__all__ = ["GGUFVocab", "build_tokenizer_json", "write_openvino_tokenizer"]

# gguf TokenType values (llama.h llama_token_type).
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6
SPIECE_UNDERLINE = "▁"


@dataclass(frozen=True)
class GGUFVocab:
    """The tokenizer.* metadata of a GGUF file with a SentencePiece ('llama') vocabulary."""

    tokens: Sequence[str]
    scores: Sequence[float]
    types: Sequence[int]
    bos_id: int | None
    eos_id: int | None
    unk_id: int | None
    add_bos: bool
    add_eos: bool
    chat_template: str | None

    @classmethod
    def from_metadata(cls, fields: Mapping[str, Any]) -> GGUFVocab:
        model = fields.get("tokenizer.ggml.model")
        if model != "llama":
            raise UnsupportedModelError(
                f"Only SentencePiece ('llama') vocabularies can be converted, not '{model}'."
            )
        tokens = [str(t) for t in fields["tokenizer.ggml.tokens"]]
        scores = [float(s) for s in fields.get("tokenizer.ggml.scores") or [0.0] * len(tokens)]
        types = [int(t) for t in fields.get("tokenizer.ggml.token_type") or [NORMAL] * len(tokens)]

        def optional_id(key: str) -> int | None:
            value = fields.get(key)
            return int(value) if value is not None else None

        add_bos = fields.get("tokenizer.ggml.add_bos_token")
        add_eos = fields.get("tokenizer.ggml.add_eos_token")
        template = fields.get("tokenizer.chat_template")
        return cls(
            tokens=tokens,
            scores=scores,
            types=types,
            bos_id=optional_id("tokenizer.ggml.bos_token_id"),
            eos_id=optional_id("tokenizer.ggml.eos_token_id"),
            unk_id=optional_id("tokenizer.ggml.unknown_token_id"),
            # llama.cpp's defaults for SentencePiece vocabularies when the keys are absent.
            add_bos=True if add_bos is None else bool(add_bos),
            add_eos=False if add_eos is None else bool(add_eos),
            chat_template=str(template) if template else None,
        )

    def token(self, token_id: int | None) -> str | None:
        if token_id is None or not 0 <= token_id < len(self.tokens):
            return None
        return self.tokens[token_id]


def _merges(vocab: GGUFVocab) -> list[list[str]]:
    """transformers' SentencePieceExtractor: every split of a piece into two known pieces,
    ordered by the joined piece's score (highest first), ties by the parts' ids."""
    ids = {t: i for i, (t, kind) in enumerate(zip(vocab.tokens, vocab.types, strict=True))
           if kind in (NORMAL, UNKNOWN)}  # fmt: skip
    found: list[tuple[float, int, int, str, str]] = []
    for piece, piece_id in ids.items():
        if vocab.types[piece_id] != NORMAL:
            continue
        score = vocab.scores[piece_id]
        for cut in range(1, len(piece)):
            left, right = piece[:cut], piece[cut:]
            if left in ids and right in ids:
                found.append((-score, ids[left], ids[right], left, right))
    found.sort(key=lambda m: (m[0], m[1], m[2]))
    return [[left, right] for _, _, _, left, right in found]


def build_tokenizer_json(vocab: GGUFVocab) -> dict[str, Any]:
    """A Llama-2 style Hugging Face tokenizer.json equivalent to llama.cpp's SPM tokenizer."""
    unk = vocab.token(vocab.unk_id) or "<unk>"
    special_kinds = (CONTROL, USER_DEFINED, UNKNOWN)
    added = [
        {
            "id": i,
            "content": token,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            # USER_DEFINED pieces (<think>) are matched in text but are not "special": the
            # detokenizer must keep them when it skips special tokens.
            "special": kind != USER_DEFINED,
        }
        for i, (token, kind) in enumerate(zip(vocab.tokens, vocab.types, strict=True))
        if kind in special_kinds
    ]
    bos = vocab.token(vocab.bos_id)
    eos = vocab.token(vocab.eos_id)
    single: list[dict[str, Any]] = [{"Sequence": {"id": "A", "type_id": 0}}]
    specials: dict[str, Any] = {}
    if vocab.add_bos and bos is not None:
        single.insert(0, {"SpecialToken": {"id": bos, "type_id": 0}})
        specials[bos] = {"id": bos, "ids": [vocab.bos_id], "tokens": [bos]}
    if vocab.add_eos and eos is not None:
        single.append({"SpecialToken": {"id": eos, "type_id": 0}})
        specials[eos] = {"id": eos, "ids": [vocab.eos_id], "tokens": [eos]}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {"type": "Prepend", "prepend": SPIECE_UNDERLINE},
                {"type": "Replace", "pattern": {"String": " "}, "content": SPIECE_UNDERLINE},
            ],
        },
        "pre_tokenizer": None,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": single,
            "pair": single + single,
            "special_tokens": specials,
        },
        "decoder": {
            "type": "Sequence",
            "decoders": [
                {"type": "Replace", "pattern": {"String": SPIECE_UNDERLINE}, "content": " "},
                {"type": "ByteFallback"},
                {"type": "Fuse"},
                {"type": "Strip", "content": " ", "start": 1, "stop": 0},
            ],
        },
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": unk,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": True,
            "byte_fallback": True,
            "ignore_merges": False,
            "vocab": {token: i for i, token in enumerate(vocab.tokens)},
            "merges": _merges(vocab),
        },
    }


def hf_tokenizer(vocab: GGUFVocab) -> Any:
    """A transformers PreTrainedTokenizerFast over build_tokenizer_json (no torch needed)."""
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer.from_str(json.dumps(build_tokenizer_json(vocab)))
    tokenizer = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=backend,
        bos_token=vocab.token(vocab.bos_id),
        eos_token=vocab.token(vocab.eos_id),
        unk_token=vocab.token(vocab.unk_id),
        clean_up_tokenization_spaces=False,
    )
    if vocab.chat_template:
        tokenizer.chat_template = vocab.chat_template
    return tokenizer


def write_tokenizer_from_metadata(fields: Mapping[str, Any], folder: Path) -> None:
    """write_openvino_tokenizer for the `tokenizer.*` fields of a GGUF file."""
    write_openvino_tokenizer(GGUFVocab.from_metadata(fields), folder)


def write_openvino_tokenizer(vocab: GGUFVocab, folder: Path) -> None:
    """openvino_tokenizer.xml / openvino_detokenizer.xml (+ .bin) and tokenizer_config.json.

    The chat template, BOS / EOS ids and add_bos_token end up in the tokenizer IR's rt_info,
    where OpenVINO GenAI and engine.ir_info read them.
    """
    import openvino
    from openvino_tokenizers import convert_tokenizer

    hf = hf_tokenizer(vocab)
    # skip_special_tokens=False would keep <|im_start|> visible to stop strings as llama.cpp's
    # backend has it, but that detokenizer trips an OpenVINO 2026.4 CPU plugin check
    # ("ReadValue ... contains dead weak ptr") when GenAI compiles the pipeline.
    ov_tokenizer, ov_detokenizer = convert_tokenizer(
        hf, with_detokenizer=True, skip_special_tokens=True
    )
    extra = {
        "bos_token_id": vocab.bos_id,
        "eos_token_id": vocab.eos_id,
        "bos_token": vocab.token(vocab.bos_id),
        "eos_token": vocab.token(vocab.eos_id),
        "add_bos_token": vocab.add_bos,
        "chat_template": vocab.chat_template,
    }
    for model in (ov_tokenizer, ov_detokenizer):
        for key, value in extra.items():
            if value is not None:
                model.set_rt_info(str(value).lower() if isinstance(value, bool) else value, key)
    openvino.save_model(ov_tokenizer, folder / "openvino_tokenizer.xml")
    openvino.save_model(ov_detokenizer, folder / "openvino_detokenizer.xml")
    config = {
        "tokenizer_class": "LlamaTokenizerFast",
        "bos_token": extra["bos_token"],
        "eos_token": extra["eos_token"],
        "unk_token": vocab.token(vocab.unk_id),
        "add_bos_token": vocab.add_bos,
        "add_eos_token": vocab.add_eos,
        "chat_template": vocab.chat_template,
        "clean_up_tokenization_spaces": False,
    }
    (folder / "tokenizer_config.json").write_text(
        json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8"
    )
