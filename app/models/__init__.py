"""The download manager: the catalog browser, the download queue and the first-run prompt."""
