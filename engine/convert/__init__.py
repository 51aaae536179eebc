"""GGUF -> OpenVINO conversion (fold, export, LongRoPE patch, tokenizer) and its verification."""
