"""Stands in for the converter's child in one test: it dies the way a native crash does."""

import os
import signal

os.kill(os.getpid(), signal.SIGSEGV if hasattr(signal, "SIGSEGV") else signal.SIGTERM)
