"""`python main.py bench speculative`: does prompt-lookup decoding pay on this machine?

Speculative decoding guesses several tokens and has the model check them in one step; prompt
lookup takes the guesses from the prompt itself (the n-gram that followed the last tokens
where they appeared before), which suits questions about an attached document. Both libraries
have it: llama-cpp-python's `LlamaPromptLookupDecoding` draft model, OpenVINO GenAI's
`prompt_lookup` pipeline. Each is measured against the same library without it, on the same
model, interleaved in one run, on two prompts: an open chat question and a document to quote.
The app turns it on only where this table shows it faster (docs/benchmarks.md: it does not).
A separate draft model (OpenVINO GenAI `draft_model`, EAGLE-3 heads) needs a second, smaller
model trained with the first, which no model here has.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from app.core import paths
from app.core.models.store import ModelStore
from app.core.settings import load_settings
from engine.errors import EngineError
from engine.model_inspection import inspect_model
from engine.prompt import check_chat_template
from engine.types import LoadRequest, Message
from resources import bundled_models_dir

DEFAULT_TOKENS = 128
LOOKUP_TOKENS = 3  # guessed tokens a step: more were slower still (measured: 8, 10)
SYSTEM = Message("system", "You are a helpful AI assistant.")


def document() -> str:
    """A river log to quote from: the answer's n-grams are in the prompt."""
    rivers = ["Danube", "Rhine", "Elbe", "Loire", "Po", "Vistula", "Tagus", "Oder"]
    lines = [
        f"Station {i}: the {rivers[i % len(rivers)]} at kilometre {17 * i + 3} carried "
        f"{40 + 7 * i} cubic metres a second on {1 + i % 28} March; the water was "
        f"{['clear', 'brown', 'grey'][i % 3]} and {4 + i % 9} degrees warm."
        for i in range(40)
    ]
    return "\n".join(lines)


PROMPTS = {
    "chat": "Write a long essay about rivers.",
    "document": document() + "\n\nCopy the lines for stations 10 to 20 exactly as they are.",
}


@dataclass(frozen=True)
class LookupResult:
    backend: str
    prompt: str
    plain_tok_s: float
    lookup_tok_s: float
    speedup: float  # lookup / plain decode
    same_text: bool  # greedy text unchanged by the lookup


def _llama(model: Path, n_ctx: int, lookup: bool) -> Callable[[str, int], tuple[float, str]]:
    import llama_cpp
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    extra: dict[str, Any] = {}
    if lookup:  # its draft model needs every position's logits
        extra = {"draft_model": LlamaPromptLookupDecoding(LOOKUP_TOKENS), "logits_all": True}
    llm = llama_cpp.Llama(str(model), n_ctx=n_ctx, verbose=False, **extra)

    def run(prompt: str, tokens: int) -> tuple[float, str]:
        ids = llm.tokenize(prompt.encode(), add_bos=False, special=True)
        llm.reset()  # type: ignore[no-untyped-call]
        out: list[int] = []
        first = 0.0
        for token in llm.generate(ids, temp=0.0):
            if not out:
                first = time.perf_counter()
            if llama_cpp.llama_vocab_is_eog(llm._model.vocab, token) or len(out) >= tokens:
                break
            out.append(token)
        rate = (len(out) - 1) / (time.perf_counter() - first) if len(out) > 1 else 0.0
        return rate, llm.detokenize(out).decode("utf-8", errors="replace")

    return run


def _openvino(folder: Path, request: LoadRequest, lookup: bool) -> Callable[[str, int], Any]:
    import openvino

    from engine.backends.openvino import import_openvino_genai
    from engine.precision import properties_for

    genai = import_openvino_genai()
    scheduler = genai.SchedulerConfig()
    scheduler.cache_size = 1
    properties = properties_for(openvino.Core(), "CPU", request.precision)
    extra = {"prompt_lookup": True} if lookup else {}
    pipe = genai.LLMPipeline(str(folder), "CPU", scheduler_config=scheduler, **properties, **extra)

    def run(prompt: str, tokens: int) -> tuple[float, str]:
        config = genai.GenerationConfig()
        config.apply_chat_template = False
        config.max_new_tokens = tokens
        config.do_sample = False
        if lookup:
            config.num_assistant_tokens = LOOKUP_TOKENS
            config.max_ngram_size = 3
        result = pipe.generate([prompt], config)
        return float(result.perf_metrics.get_throughput().mean), str(result.texts[0])

    return run


def _openvino_folder(model: Path, request: LoadRequest) -> Path:
    from engine.backends.openvino import ir_folder

    return ir_folder(inspect_model(model), request.cache_dir)


def measure(
    backend: str,
    runners: tuple[Callable[[str, int], Any], Callable[[str, int], Any]],
    prompts: dict[str, str],
    tokens: int,
    rounds: int,
) -> list[LookupResult]:
    plain, lookup = runners
    results = []
    for name, prompt in prompts.items():
        rates: dict[bool, list[float]] = {False: [], True: []}
        texts: dict[bool, str] = {}
        for number in range(rounds):
            for use in (number % 2 == 1, number % 2 == 0):  # alternate which goes first
                rate, texts[use] = (lookup if use else plain)(prompt, tokens)
                rates[use].append(rate)
        slow, fast = statistics.median(rates[False]), statistics.median(rates[True])
        results.append(
            LookupResult(
                backend,
                name,
                round(slow, 2),
                round(fast, 2),
                round(fast / slow, 3) if slow else 0.0,
                texts[False] == texts[True],
            )
        )
    return results


def main(args: argparse.Namespace) -> int:
    settings = load_settings(paths.settings_path())
    store = ModelStore(paths.models_dir(), bundled_models_dir())
    tokens = int(args.tokens or DEFAULT_TOKENS)
    try:
        model = store.resolve(args.model) if args.model else store.default_path(settings.model)
        request = settings.load_request(model)
        info = inspect_model(model)
        template = check_chat_template(info)
        prompts = {
            name: template.render([SYSTEM, Message("user", text)], enable_thinking=False).text
            for name, text in PROMPTS.items()
        }
        wanted = [b.strip() for b in args.backends.split(",") if b.strip()]
        results: list[LookupResult] = []
        n_ctx = 4096
        if "llama" in wanted and info.format == "gguf":
            runners = (_llama(model, n_ctx, False), _llama(model, n_ctx, True))
            results += measure("llama", runners, prompts, tokens, args.rounds)
        if "openvino" in wanted:
            ov_model = store.resolve(args.openvino_model) if args.openvino_model else model
            folder = _openvino_folder(ov_model, request)
            runners = (_openvino(folder, request, False), _openvino(folder, request, True))
            results += measure("openvino", runners, prompts, tokens, args.rounds)
    except (EngineError, RuntimeError, ValueError) as exc:
        print(f"error: {exc}")
        return 1
    if args.json:
        print(json.dumps({"results": [asdict(r) for r in results]}, indent=2))
        return 0
    print(f"{'backend':9} {'prompt':9} {'plain tok/s':>12} {'lookup tok/s':>13} {'speed-up':>9}")
    for r in results:
        print(
            f"{r.backend:9} {r.prompt:9} {r.plain_tok_s:12.1f} {r.lookup_tok_s:13.1f} "
            f"{r.speedup:8.2f}x" + ("" if r.same_text else "  (the text changed)")
        )
    return 0
