"""The app's own OpenAI-compatible API (`/v1/models`, `/v1/chat/completions`), Qt-free: the GUI
and `python main.py serve` run the same FastAPI app over their own `ChatService`."""
