"""How fast this machine reads a prompt (prefill), measured on the answers it gave.

Every finished answer's stats say how many prompt tokens were computed (prompt minus the
tokens reused from the cache) and how long that took (time to the first token). The time per
token grows with the position in the context (attention looks back over every earlier token),
and each run has a fixed cost besides (setting up, sampling the first token). So each model,
backend and device keeps `PrefillModel`: computing positions c .. p takes
overhead + a·(p−c) + b·(p²−c²)/2 seconds, i.e. a + b·x per token at position x. The three are
fitted by least squares, none negative, over the recent answers; the overhead and the slope
only where the answers' lengths and positions spread enough to tell them apart.

Accuracy, honestly: within a few tens of percent at lengths like those measured; beyond them
the fit is extended, which is right in form (attention costs grow linearly per token) but not
measured. Other work on the machine, a cold start, thermal throttling and OpenVINO's sparse
prefill of long prompts all move it; recent answers count most. JSON in the cache dir,
written atomically; a broken file or record is ignored.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.core.files import write_text_atomically
from app.core.paths import cache_dir
from engine.types import GenerationStats

# Prompts shorter than this are mostly fixed overhead (sampling setup, the first token).
MIN_PREFILLED_TOKENS = 64
# Each new answer counts as one; what was learned before fades by this much per answer, so
# about the last ten answers make the estimate (the machine's load changes).
DECAY = 0.9
# The overhead is fitted only where the prefilled lengths spread this much around their mean
# (relative standard deviation of 1 / length), the slope only where the positions do;
# otherwise they cannot be told from the cost per token.
MIN_SPREAD = 0.25
# Models remembered; the least recently measured are forgotten first.
MAX_RECORDS = 64
FILE_NAME = "prefill_speed.json"
# Each answer is one equation: seconds per token = overhead · r + a · 1 + b · m, where r is
# 1 / the tokens computed and m their mean position. The decayed sums of the products of
# (r, 1, m) and of the seconds per token y are all a least-squares fit needs.
_FEATURES = ("r", "w", "m")
_SUMS = ("w", "r", "m", "rr", "rm", "mm", "y", "ry", "my", "yy")


@dataclass(frozen=True)
class PrefillModel:
    """Seconds to prefill: `overhead_s` per run, `per_token_s + slope_s * x` per token at
    position x."""

    overhead_s: float
    per_token_s: float
    slope_s: float

    def seconds(self, tokens: int, cached_tokens: int = 0) -> float:
        """Seconds to compute positions `cached_tokens` .. `tokens` (0 when none)."""
        start, end = max(cached_tokens, 0), max(tokens, 0)
        if end <= start:
            return 0.0
        per_token = self.per_token_s * (end - start)
        growth = self.slope_s * (end**2 - start**2) / 2
        return self.overhead_s + per_token + growth


class PrefillSpeeds:
    """Measured prefill speeds, per (model, backend, device). `model`: any stable name of the
    model (its path as a string); `backend`, `device`: as `LoadedModel` says them.

    Each keeps decayed sums over the answers it learned from, enough to fit `PrefillModel`
    by least squares. Read once, kept in memory, written after each `record`; a broken file
    or record is ignored (and replaced on the next one)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or cache_dir() / FILE_NAME
        self._records: dict[str, dict[str, float]] | None = None

    def record(self, model: str, backend: str, device: str, stats: GenerationStats) -> None:
        """Learns from one finished answer; runs that computed fewer than
        MIN_PREFILLED_TOKENS prompt tokens, or took no time, teach nothing and are ignored."""
        start, end = max(stats.cached_tokens, 0), stats.prompt_tokens
        seconds = stats.time_to_first_token_s
        if end - start < MIN_PREFILLED_TOKENS or not math.isfinite(seconds) or seconds <= 0:
            return
        if stats.finish_reason == "error":
            return
        records = self._loaded()
        key = _key(model, backend, device)
        old = records.pop(key, None) or dict.fromkeys(_SUMS, 0.0)
        computed = end - start
        r, m, y = 1 / computed, (start + end) / 2, seconds / computed
        sample = {"w": 1.0, "r": r, "m": m, "y": y}
        sums = {name: old[name] * DECAY for name in _SUMS}
        for name in _SUMS:
            sums[name] += math.prod(sample[part] for part in _parts(name))
        sums["runs"] = old.get("runs", 0.0) + 1
        sums["at"] = time.time()
        records[key] = sums
        while len(records) > MAX_RECORDS:
            del records[min(records, key=lambda k: records[k].get("at", 0.0))]
        self._write(records)

    def fitted(self, model: str, backend: str, device: str) -> PrefillModel | None:
        """The fit for this model here; None when nothing was measured."""
        sums = self._loaded().get(_key(model, backend, device))
        return None if sums is None else fit_model(sums)

    def tokens_per_s(
        self, model: str, backend: str, device: str, tokens: int | None = None
    ) -> float | None:
        """Prompt tokens per second: for a prompt of `tokens` from an empty cache, or (None)
        the average measured; None when nothing was measured."""
        sums = self._loaded().get(_key(model, backend, device))
        if sums is None:
            return None
        if tokens is None:
            return sums["w"] / sums["y"]
        seconds = fit_model(sums).seconds(tokens)
        return tokens / seconds if seconds > 0 else None

    def estimate_s(
        self, model: str, backend: str, device: str, tokens: int, cached_tokens: int = 0
    ) -> float | None:
        """Seconds to read a `tokens`-token prompt of which the first `cached_tokens` are
        still in the cache; None when nothing was measured for this model here."""
        fitted = self.fitted(model, backend, device)
        return None if fitted is None else fitted.seconds(tokens, cached_tokens)

    def _loaded(self) -> dict[str, dict[str, float]]:
        if self._records is None:
            self._records = _read(self.path)
        return self._records

    def _write(self, records: dict[str, dict[str, float]]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomically(self.path, json.dumps(records, indent=1, sort_keys=True))
        except OSError:
            pass  # a full or read-only disk: the estimate is a nicety, kept in memory


def fit_model(sums: dict[str, float]) -> PrefillModel:
    """Least squares through the decayed sums, no coefficient negative (a run never takes
    less time for being longer or further on): of the fits on each set of the features that
    the answers can tell apart, the closest with no negative coefficient. The cost per token
    alone always qualifies."""
    usable = [f for f in _FEATURES if f == "w" or _spread(sums, f)]
    best: tuple[float, dict[str, float]] = (math.inf, {"w": sums["y"] / sums["w"]})
    for size in range(1, len(usable) + 1):
        for chosen in itertools.combinations(usable, size):
            fitted = _least_squares(sums, chosen)
            if fitted is None or min(fitted.values()) < 0:
                continue
            residual = sums["yy"] - sum(c * sums[_sum_name(f, "y")] for f, c in fitted.items())
            if residual < best[0]:
                best = (residual, fitted)
    coefficients = best[1]
    return PrefillModel(
        coefficients.get("r", 0.0), coefficients.get("w", 0.0), coefficients.get("m", 0.0)
    )


def _spread(sums: dict[str, float], feature: str) -> bool:
    w = sums["w"]
    mean = sums[feature] / w
    variance = sums[_sum_name(feature, feature)] / w - mean**2
    return variance > (MIN_SPREAD * mean) ** 2


def _least_squares(sums: dict[str, float], chosen: Sequence[str]) -> dict[str, float] | None:
    """The coefficients of `chosen` features that fit best; None where they cannot be told
    apart (a singular system). Gaussian elimination on the scaled normal equations."""
    gram = [[sums[_sum_name(a, b)] for b in chosen] for a in chosen]
    rhs = [sums[_sum_name(a, "y")] for a in chosen]
    scale = [math.sqrt(gram[i][i]) for i in range(len(chosen))]
    if min(scale) <= 0:
        return None
    n = len(chosen)
    rows = [
        [gram[i][j] / (scale[i] * scale[j]) for j in range(n)] + [rhs[i] / scale[i]]
        for i in range(n)
    ]
    for column in range(n):
        pivot = max(range(column, n), key=lambda row: abs(rows[row][column]))
        if abs(rows[pivot][column]) < 1e-9:
            return None
        rows[column], rows[pivot] = rows[pivot], rows[column]
        for row in range(n):
            if row != column:
                factor = rows[row][column] / rows[column][column]
                rows[row] = [x - factor * p for x, p in zip(rows[row], rows[column], strict=True)]
    return {f: rows[i][n] / rows[i][i] / scale[i] for i, f in enumerate(chosen)}


def _sum_name(a: str, b: str) -> str:
    """The sum of the product of two of r, w (the constant 1), m, y, as `_SUMS` names it."""
    parts = sorted((p for p in (a, b) if p != "w"), key="rmy".index)
    return "".join(parts) or "w"


def _parts(name: str) -> str:
    return "" if name == "w" else name


def _key(model: str, backend: str, device: str) -> str:
    return f"{model}\t{backend}\t{device}"


def _read(path: Path) -> dict[str, dict[str, float]]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    return {key: sums for key, value in raw.items() if (sums := _valid(value)) is not None}


def _valid(value: object) -> dict[str, float] | None:
    """A record's sums, when each is a finite number and they make a line (weight and
    seconds positive); None for anything a hand edit or a broken write left."""
    if not isinstance(value, dict):
        return None
    sums: dict[str, float] = {}
    for name in (*_SUMS, "runs", "at"):
        number = value.get(name, 0.0)
        if isinstance(number, bool) or not isinstance(number, int | float):
            return None
        if not math.isfinite(number) or number < 0:
            return None
        sums[name] = float(number)
    if sums["w"] <= 0 or sums["y"] <= 0 or sums["m"] <= 0 or sums["r"] <= 0:
        return None
    return sums
