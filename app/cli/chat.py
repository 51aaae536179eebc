"""`python main.py chat`: one prompt in, a streamed answer out."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from app.core import paths
from app.core.attachments import AttachmentError, read_attachment, with_attachments
from app.core.models.catalog import load_catalog
from app.core.models.store import ModelStore, model_name
from app.core.settings import load_settings
from engine.backends.remote import list_models, make_client
from engine.errors import EngineError, ErrorCode, RemoteError
from engine.loading import load_once
from engine.precision import PRECISIONS
from engine.reasoning import TextPiece
from engine.session import Engine
from engine.types import (
    BACKEND_CHOICES,
    BackendName,
    LoadRequest,
    Message,
    RemoteModel,
    ServerKind,
    backend_choice,
)
from resources import bundled_models_dir

DIM, RESET = "\x1b[2m", "\x1b[0m"
SERVER_KEY_ENV = "MINICPM_CHAT_SERVER_KEY"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("prompt", help="what to ask")
    parser.add_argument("-m", "--model", help="a model file or folder, or an installed name")
    parser.add_argument("--backend", choices=BACKEND_CHOICES, default=None)
    parser.add_argument("--device", help="CPU, GPU, NPU or AUTO (OpenVINO); CPU or CUDA")
    thinking = parser.add_mutually_exclusive_group()
    thinking.add_argument("--think", dest="thinking", action="store_true", default=None)
    thinking.add_argument("--no-think", dest="thinking", action="store_false")
    parser.add_argument("--system", help="a system prompt")
    parser.add_argument("--max-tokens", type=int)
    parser.add_argument("--temperature", type=float)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--ctx", type=int, help="context length in tokens")
    parser.add_argument("--gpu-layers", type=int, help="layers to offload (llama.cpp, CUDA)")
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        help="OpenVINO arithmetic: auto (exact f32 on CPU), f32, or bf16 where the CPU has it",
    )
    parser.add_argument(
        "--attach",
        metavar="FILE",
        type=Path,
        action="append",
        default=[],
        help="a document the question is about (text, Markdown, code, PDF, .docx, HTML); repeat "
        "for more",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    remote = parser.add_argument_group("a model on a server (vLLM, SGLang, llama-server, Ollama)")
    remote.add_argument(
        "--server",
        metavar="URL",
        help="an OpenAI-compatible server (http://host:8000/v1); -m names its model (default: "
        "the first it lists)",
    )
    remote.add_argument("--server-kind", choices=tuple(ServerKind), default=ServerKind.OTHER)
    remote.add_argument(
        "--api-key", help=f"the server's key (default: ${SERVER_KEY_ENV}, else none)"
    )


class _Printer:
    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out, self.err = out, err
        self._dim = err.isatty()

    def __call__(self, piece: TextPiece) -> None:
        if piece.channel == "answer":
            self.out.write(piece.text)
            self.out.flush()
        else:
            self.err.write(f"{DIM}{piece.text}{RESET}" if self._dim else piece.text)
            self.err.flush()


def run(args: argparse.Namespace) -> int:
    # Before any model loads: a file that cannot be read stops the command, nothing is sent.
    attachments = [read_attachment(path) for path in args.attach]
    settings = load_settings(paths.settings_path())
    if args.server:
        request = _remote_request(args, settings.context_length)
        model = request.model
    else:
        store = ModelStore(paths.models_dir(), bundled_models_dir())
        model = store.resolve(args.model) if args.model else store.default_path(settings.model)
        request = _request(args, settings.load_request(model))
    thinking = settings.thinking if args.thinking is None else args.thinking
    recommended = load_catalog().recommended_sampling(model_name(model), thinking)
    params = settings.generation_params(thinking=thinking, recommended=recommended)
    params = replace(
        params,
        max_new_tokens=args.max_tokens or params.max_new_tokens,
        temperature=params.temperature if args.temperature is None else args.temperature,
        seed=params.seed if args.seed is None else args.seed,
    )
    system = settings.system_prompt if args.system is None else args.system
    messages = [Message("system", system)] if system else []
    messages.append(Message("user", with_attachments(args.prompt, attachments)))
    engine = Engine()
    loaded = load_once(engine, request)
    for warning in loaded.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    try:
        on_piece = None if args.json else _Printer(sys.stdout, sys.stderr)
        result = engine.generate(messages, params, on_piece)
    except KeyboardInterrupt:
        engine.stop()
        return 130
    finally:
        engine.unload()
    if args.json:
        payload: dict[str, object] = {"text": result.text, "reasoning": result.reasoning}
        # The answer ended inside its think block: "text" is empty, the thought is all there is.
        payload["reasoning_unfinished"] = result.reasoning_unfinished
        payload["stats"] = result.stats.to_dict()
        payload["precision"] = loaded.precision
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print()
    return 0


def _request(args: argparse.Namespace, request: LoadRequest) -> LoadRequest:
    """The settings' request with what the command line overrides."""
    return replace(
        request,
        backend=backend_choice(args.backend) if args.backend else request.backend,
        device=args.device or request.device,
        n_ctx=args.ctx or request.n_ctx,
        n_gpu_layers=request.n_gpu_layers if args.gpu_layers is None else args.gpu_layers,
        precision=args.precision or request.precision,
    )


def _remote_request(args: argparse.Namespace, n_ctx: int) -> LoadRequest:
    """A load of `-m` (or the server's first model) from `--server`."""
    remote = RemoteModel(
        base_url=args.server,
        model=args.model or "",
        kind=ServerKind(args.server_kind),
        api_key=args.api_key or os.environ.get(SERVER_KEY_ENV) or None,
    )
    if not remote.model:
        served = list_models(make_client(remote), remote.base_url)
        if not served:
            raise RemoteError(
                ErrorCode.REMOTE_MODEL_NOT_FOUND,
                f"{remote.base_url} serves no model.",
                params={"url": remote.base_url},
            )
        remote = replace(remote, model=next(iter(served)))
    return LoadRequest(
        model=Path(remote.model),
        backend=BackendName.REMOTE,
        n_ctx=args.ctx or n_ctx,
        remote=remote,
    )


def main(args: argparse.Namespace) -> int:
    try:
        return run(args)
    except (EngineError, AttachmentError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
