"""Check a converted OpenVINO model against llama.cpp on the source GGUF, teacher-forced.

The same token ids (llama.cpp's tokenization of fixed English, Chinese and code prompts) go
through both models in one forward pass each; at every position we compare the top-1 token and
the logits. Teacher forcing keeps one early disagreement from derailing the rest, so the numbers
measure the conversion, not the butterfly effect of greedy decoding. The OpenVINO tokenizer is
checked on the same prompts: its ids must equal llama.cpp's.

Thresholds (docs/conversion.md has the measurements behind them, random-weight MiniCPM-shaped
models with sharp logits): exact conversions agreed on 100 % of positions from F16 sources and
on 96-99 % from Q8_0 / Q4_0 / Q4_1 / Q4_K_M sources (the rest is llama.cpp rounding activations
to 8 bits in its quantized matmuls); the same graph without LongRoPE fell to 50-80 %, with one
scrambled matrix to 0-11 %. So keep / f16 need 90 %. An int4 / int8 model is first checked
against the llama.cpp requantization it was built from (same threshold), so conversion mistakes
cannot hide behind quantization error; against the source it then needs what llama.cpp's own
requantization reaches, less noise: int8 91-97 % (llama.cpp Q8_0 90-97 %), int4 45-73 %
(llama.cpp Q4_0 46-72 %: random weights spread their logits thinly, real models lose far less).

A model that holds LongRoPE's two factor sets (engine.convert.rope_sets) is checked in both
bands: llama.cpp at a context it computes with the short set (at most the original context)
against the IR as saved, and at the original context + 1 (the long set) against the IR with its
long set in use, as the app loads it there. Both count towards the agreement; the long band's
prompts are named "<prompt> (long context)".
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.convert.rope_sets import (
    largest_short_context,
    long_set_model,
    read_model_xml,
    read_rope_sets,
)
from engine.errors import ModelLoadError
from engine.precision import EXACT, PrecisionPlan

__all__ = [
    "PROMPTS",
    "THRESHOLDS",
    "Agreement",
    "OpenVINORun",
    "Verification",
    "compile_exact",
    "openvino_logits",
    "overall",
    "precision_agreement",
    "run_openvino",
    "verify_conversion",
]

PROMPTS: Mapping[str, str] = {
    "english": "The capital of France is Paris. What is the capital of the city you are in?",
    "chinese": "你好，世界！请用中文回答：法国的首都是哪里？巴黎是一座美丽的城市。",
    "code": (
        "def fibonacci(n):\n    if n < 2:\n        return n\n"
        "    return fibonacci(n - 1) + fibonacci(n - 2)\n"
    ),
    "chatml": "<|im_start|>user\nWhat is the answer?<|im_end|>\n<|im_start|>assistant\n<think>\n",
}
# Minimum top-1 agreement per weight format (fraction of teacher-forced positions).
THRESHOLDS: Mapping[str, float] = {"keep": 0.90, "f16": 0.90, "int8": 0.85, "int4": 0.35}
VERIFICATION_FILE = "verification.json"
LONG_CONTEXT = " (long context)"  # suffix of a prompt's name in the long-context band


@dataclass(frozen=True)
class Agreement:
    """One prompt: positions compared, top-1 agreement and logit distances."""

    positions: int
    top1_agreement: float
    max_abs_logit_diff: float
    mean_abs_logit_diff: float


@dataclass(frozen=True)
class Verification:
    weights: str
    threshold: float
    passed: bool
    top1_agreement: float
    max_abs_logit_diff: float
    mean_abs_logit_diff: float
    tokenizer_matches: bool
    prompts: Mapping[str, Agreement]
    reason: str = ""
    # For a recompressed model: the check of the exact (f16) model it was compressed from.
    exact: Verification | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["prompts"] = {k: asdict(v) for k, v in self.prompts.items()}
        data["exact"] = self.exact.to_json() if self.exact is not None else None
        return data

    def write(self, folder: Path) -> Path:
        path = folder / VERIFICATION_FILE
        path.write_text(json.dumps(self.to_json(), indent=2), encoding="utf-8")
        return path


def compare_logits(reference: np.ndarray, candidate: np.ndarray) -> Agreement:
    """reference, candidate: [positions, vocab] logits for the same tokens."""
    if reference.shape != candidate.shape:
        raise ValueError(f"logit shapes differ: {reference.shape} vs {candidate.shape}")
    diff = np.abs(reference.astype(np.float64) - candidate.astype(np.float64))
    same = reference.argmax(axis=-1) == candidate.argmax(axis=-1)
    return Agreement(
        positions=int(reference.shape[0]),
        top1_agreement=float(same.mean()),
        max_abs_logit_diff=float(diff.max()),
        mean_abs_logit_diff=float(diff.mean()),
    )


def overall(agreements: Sequence[Agreement]) -> Agreement:
    """Several prompts' agreements as one, weighted by positions."""
    positions = sum(a.positions for a in agreements)
    return Agreement(
        positions=positions,
        top1_agreement=sum(a.top1_agreement * a.positions for a in agreements) / positions,
        max_abs_logit_diff=max(a.max_abs_logit_diff for a in agreements),
        mean_abs_logit_diff=sum(a.mean_abs_logit_diff * a.positions for a in agreements)
        / positions,
    )


def _llama(gguf: Path, **options: Any) -> Any:
    """llama.cpp on the source; its refusal (a Python ValueError) becomes words."""
    from llama_cpp import Llama

    try:
        return Llama(str(gguf), verbose=False, **options)
    except ValueError as exc:
        raise ModelLoadError(
            f"llama.cpp cannot load {gguf.name}, so the conversion cannot be checked against it."
        ) from exc


def llama_cpp_tokens(gguf: Path, texts: Sequence[str]) -> list[list[int]]:
    llm = _llama(gguf, vocab_only=True)
    try:
        return [list(llm.tokenize(t.encode("utf-8"), add_bos=True, special=True)) for t in texts]
    finally:
        llm.close()


def llama_cpp_logits(
    gguf: Path, token_lists: Sequence[Sequence[int]], n_ctx: int
) -> list[np.ndarray]:
    """Teacher-forced logits [len(tokens), vocab] per list, from llama.cpp on `gguf`."""
    llm = _llama(gguf, n_ctx=n_ctx, logits_all=True, seed=0)
    try:
        results = []
        for tokens in token_lists:
            llm.reset()  # type: ignore[no-untyped-call]
            llm.eval(list(tokens))
            results.append(np.array(llm.scores[: len(tokens)], dtype=np.float32))
        return results
    finally:
        llm.close()


def compile_exact(core: Any, model: Any, plan: PrecisionPlan = EXACT, threads: int = 0) -> Any:
    """`model` compiled on the CPU with the exact plan, so a verdict is the same on every CPU
    (the plugin's default is bf16 where the CPU has it: 95.7 % instead of 100 %). Another
    `plan` is for measuring what it costs; `threads` 0 lets OpenVINO use every core."""
    properties = plan.properties()
    if threads:
        properties["INFERENCE_NUM_THREADS"] = threads
    return core.compile_model(model, "CPU", properties)


def openvino_logits(
    folder: Path,
    token_lists: Sequence[Sequence[int]],
    plan: PrecisionPlan = EXACT,
    threads: int = 0,
    long_set: bool = False,
) -> list[np.ndarray]:
    """Teacher-forced logits from the converted stateful IR, compiled with openvino.Core;
    `long_set`: with LongRoPE's long set in use (the IR must hold one)."""
    import openvino

    core = openvino.Core()
    # Kept until the logits are read: the compiled model may point into its mapping.
    mapped = long_set_model(folder, read_model_xml(folder)) if long_set else None
    try:
        model = (
            core.read_model(mapped.xml, mapped.weights)
            if mapped is not None
            else folder / "openvino_model.xml"
        )
        compiled = compile_exact(core, model, plan, threads)
        request = compiled.create_infer_request()
        results = []
        for tokens in token_lists:
            request.reset_state()
            ids = np.asarray([tokens], dtype=np.int64)
            inputs = {
                "input_ids": ids,
                "attention_mask": np.ones_like(ids),
                "position_ids": np.arange(ids.shape[1], dtype=np.int64)[None, :],
                "beam_idx": np.zeros(1, dtype=np.int32),
            }
            output = request.infer(inputs)[compiled.output("logits")]
            results.append(np.array(output[0], dtype=np.float32))
    except RuntimeError as exc:  # OpenVINO reports every failure as RuntimeError
        detail = str(exc).strip().splitlines()[:1] or ["no reason given"]
        raise ModelLoadError(f"OpenVINO could not run the converted model: {detail[0]}") from exc
    return results


def openvino_tokens(folder: Path, texts: Sequence[str]) -> list[list[int]]:
    """Ids from the converted tokenizer IR, as the app encodes (no special tokens added)."""
    import openvino
    import openvino_tokenizers  # noqa: F401  (registers the tokenizer operations)

    compiled = compile_exact(openvino.Core(), folder / "openvino_tokenizer.xml")
    return [[int(i) for i in compiled([t])["input_ids"][0]] for t in texts]


@dataclass(frozen=True)
class OpenVINORun:
    """The converted model's side of a verification, reusable against several references
    (an int4 model is checked against its requantized file and against the original)."""

    reference_tokens: list[list[int]]  # the ids the logits were computed for
    converted_tokens: list[list[int]]  # the converted tokenizer's ids for the same texts
    logits: list[np.ndarray]
    # With LongRoPE's long set in use, for a model that holds one (else None).
    long_logits: list[np.ndarray] | None = None


def run_openvino(
    folder: Path, texts: Sequence[str], reference_tokens: list[list[int]]
) -> OpenVINORun:
    logits = openvino_logits(folder, reference_tokens)
    long_logits = None
    if read_rope_sets(read_model_xml(folder)) is not None:
        long_logits = openvino_logits(folder, reference_tokens, long_set=True)
    return OpenVINORun(reference_tokens, openvino_tokens(folder, texts), logits, long_logits)


def _reference_logits(
    source: Path, folder: Path, tokens: list[list[int]], n_ctx: int
) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
    """llama.cpp's logits in the short band and, for a model with both LongRoPE sets, in the
    long band (None otherwise)."""
    sets = read_rope_sets(read_model_xml(folder))
    if sets is None:
        return llama_cpp_logits(source, tokens, n_ctx), None
    original = sets.original_context_length
    short_ctx = min(n_ctx, largest_short_context(original))
    # No context below the original one when it is under llama.cpp's padding: long only.
    short = llama_cpp_logits(source, tokens, short_ctx) if short_ctx else []
    return short, llama_cpp_logits(source, tokens, original + 1)


def verify_conversion(
    source: Path,
    folder: Path,
    weights: str,
    n_ctx: int = 512,
    prompts: Mapping[str, str] = PROMPTS,
    exact: Verification | None = None,
    openvino_run: OpenVINORun | None = None,
) -> Verification:
    """Compare `folder` (converted) with llama.cpp on `source`; writes verification.json.
    `openvino_run` (same prompts) saves running the converted model again."""
    names = list(prompts)
    texts = [prompts[n] for n in names]
    reference_tokens = llama_cpp_tokens(source, texts)
    run = openvino_run
    if run is None or run.reference_tokens != reference_tokens:
        run = run_openvino(folder, texts, reference_tokens)
    # The OpenVINO tokenizer adds BOS itself; the app passes a BOS rendered by the template.
    tokenizer_matches = all(
        c == r or c == r[1:] for c, r in zip(run.converted_tokens, reference_tokens, strict=True)
    )
    reference, long_reference = _reference_logits(source, folder, reference_tokens, n_ctx)
    per_prompt = _compare(names, reference, run.logits) if reference else {}
    if long_reference is not None:
        long_logits = run.long_logits
        if long_logits is None:  # a run made by hand, without the long set
            long_logits = openvino_logits(folder, reference_tokens, long_set=True)
        long_names = [name + LONG_CONTEXT for name in names]
        per_prompt.update(_compare(long_names, long_reference, long_logits))
    total = overall(list(per_prompt.values()))
    top1 = total.top1_agreement
    threshold = THRESHOLDS[weights]
    reason = ""
    if not tokenizer_matches:
        reason = "the converted tokenizer gives other token ids than llama.cpp"
    elif top1 < threshold:
        reason = (
            f"the converted model agrees with llama.cpp on {top1:.0%} of tokens "
            f"(at least {threshold:.0%} needed for {weights})"
        )
    result = Verification(
        weights=weights,
        threshold=threshold,
        passed=not reason,
        top1_agreement=top1,
        max_abs_logit_diff=total.max_abs_logit_diff,
        mean_abs_logit_diff=total.mean_abs_logit_diff,
        tokenizer_matches=tokenizer_matches,
        prompts=per_prompt,
        reason=reason,
        exact=exact,
    )
    result.write(folder)
    return result


def _compare(
    names: Sequence[str], reference: Sequence[np.ndarray], candidate: Sequence[np.ndarray]
) -> dict[str, Agreement]:
    return {
        name: compare_logits(r, c) for name, r, c in zip(names, reference, candidate, strict=True)
    }


def precision_agreement(
    folder: Path, plan: PrecisionPlan, prompts: Mapping[str, str] = PROMPTS
) -> Agreement:
    """What computing in `plan` costs against the exact plan: teacher-forced agreement over
    the verification prompts, on the IR in `folder` (tokenized by its own tokenizer)."""
    tokens = openvino_tokens(folder, list(prompts.values()))
    exact = openvino_logits(folder, tokens)
    other = openvino_logits(folder, tokens, plan)
    return overall([compare_logits(e, o) for e, o in zip(exact, other, strict=True)])
