"""The chat feature: the transcript of one conversation, the composer and their controller."""
