"""OpenVINO GenAI's Python module finds the tokenizer operations relative to itself
(`../openvino_tokenizers/lib`), so they come along whenever GenAI does."""

from PyInstaller.utils.hooks import collect_dynamic_libs

binaries = collect_dynamic_libs("openvino_genai") + collect_dynamic_libs("openvino_tokenizers")
hiddenimports = ["openvino_tokenizers"]
