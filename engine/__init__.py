"""Local inference for MiniCPM Chat. Plain Python: never imports Qt or the app.

Importing any part of this package first blocks OpenVINO's telemetry (see engine.privacy)."""

from engine.privacy import block_telemetry

block_telemetry()
