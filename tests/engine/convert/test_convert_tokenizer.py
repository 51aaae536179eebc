"""The tokenizer built from a GGUF SentencePiece vocabulary gives llama.cpp's token ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.convert.tokenizer import GGUFVocab, build_tokenizer_json, write_openvino_tokenizer

CORPUS = [
    "Hello world",
    "What is the capital of France? Paris.",
    " leading space",
    "  two leading spaces",
    "trailing space ",
    "\n\nnew lines\n",
    "tab\there",
    "你好，世界",
    "法国的首都是巴黎。",
    "日本語のテキストです",
    "한국어 문장입니다",
    "mixed 中文 and English",
    "def f(x):\n    return x * 2  # comment\n",
    "for (int i = 0; i < n; ++i) { sum += a[i]; }",
    "emoji 😀🎉 and 👍🏽",
    "<|im_start|>user\nWhat is the capital?<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|>system\nYou are helpful.<|im_end|>\n",
    "<s>hello</s>",
    "<think>\nhmm\n</think>\n\nThe answer",
    "isthe andof capitalcity",
    "ÀÉÎ ñ ß ø",
    "1234567890 3.14159",
    "",
    " ",
]


@pytest.fixture(scope="module")
def vocab(minicpm_gguf: Path) -> GGUFVocab:
    import gguf

    reader = gguf.GGUFReader(minicpm_gguf)
    fields = {k: f.contents() for k, f in reader.fields.items() if k.startswith("tokenizer.")}
    return GGUFVocab.from_metadata(fields)


@pytest.fixture(scope="module")
def tokenizer_folder(vocab: GGUFVocab, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tokenizer")
    write_openvino_tokenizer(vocab, folder)
    return folder


@pytest.fixture(scope="module")
def llama_vocab(minicpm_gguf: Path) -> object:
    from llama_cpp import Llama

    return Llama(str(minicpm_gguf), vocab_only=True, verbose=False)


def test_merges_follow_piece_scores(vocab: GGUFVocab) -> None:
    merges = build_tokenizer_json(vocab)["model"]["merges"]
    joined = ["".join(m) for m in merges]
    scores = [vocab.scores[vocab.tokens.index(j)] for j in joined]
    assert scores == sorted(scores, reverse=True)
    assert ["▁", "capital"] in merges or ["▁c", "apital"] in merges


@pytest.mark.parametrize("add_special", [False, True])
def test_openvino_ids_equal_llama_cpp_on_the_corpus(
    tokenizer_folder: Path, llama_vocab: object, add_special: bool
) -> None:
    import openvino_genai

    tokenizer = openvino_genai.Tokenizer(str(tokenizer_folder))
    mismatches = []
    for text in CORPUS:
        expected = list(
            llama_vocab.tokenize(text.encode(), add_bos=add_special, special=True)  # type: ignore[attr-defined]
        )
        encoded = tokenizer.encode(text, add_special_tokens=add_special)
        got = [int(t) for t in encoded.input_ids.data[0]]
        if got != expected:
            mismatches.append((text, expected, got))
    assert mismatches == []


def test_decoding_round_trips(tokenizer_folder: Path, llama_vocab: object) -> None:
    import openvino_genai

    tokenizer = openvino_genai.Tokenizer(str(tokenizer_folder))
    for text in CORPUS:
        if not text.strip() or "<" in text:
            continue
        ids = llama_vocab.tokenize(text.encode(), add_bos=False, special=True)  # type: ignore[attr-defined]
        assert tokenizer.decode(ids) == text


def test_template_and_special_tokens_reach_the_pipeline(
    tokenizer_folder: Path, vocab: GGUFVocab
) -> None:
    import openvino_genai

    tokenizer = openvino_genai.Tokenizer(str(tokenizer_folder))
    assert tokenizer.get_bos_token_id() == vocab.bos_id == 1
    assert tokenizer.get_eos_token_id() == vocab.eos_id
    assert "enable_thinking" in tokenizer.chat_template
