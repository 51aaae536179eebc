"""The tokenizer operations (libopenvino_tokenizers.so) sit in `openvino_tokenizers/lib`; both
openvino_tokenizers and OpenVINO GenAI's Python module look for them there."""

from PyInstaller.utils.hooks import collect_dynamic_libs

binaries = collect_dynamic_libs("openvino_tokenizers")
