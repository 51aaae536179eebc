"""The only Qt code that touches `engine/`: a worker on its own thread and its GUI-side client."""
