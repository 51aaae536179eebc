"""llama-cpp-python loads libllama / libggml* with ctypes from `llama_cpp/lib`, a path it
computes from its own __file__: the libraries must keep that place inside the bundle."""

from PyInstaller.utils.hooks import collect_dynamic_libs

binaries = collect_dynamic_libs("llama_cpp")
