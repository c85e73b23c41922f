"""Audience distributions: validation, normalization and CSV parsing. Pure functions, no database.

An audience is ``{dimension: {key: share}}`` with dimensions from ``taxonomy.AUDIENCE_KEYS``. For the matched
dimensions (countries, age bands, genders, languages, interests) the keys must be known and the shares must sum to 1
(within 3 points, then normalized exactly); cities are free-form "top cities" and may sum to less than 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from accord.core.errors import ValidationFailed
from accord.creators import taxonomy

SUM_TOLERANCE = 0.03
CSV_HEADER = ("dimension", "key", "share")


def _share(raw: Any, where: str) -> float:
    text = str(raw).strip()
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise ValidationFailed(f"{where}: {raw!r} is not a share", fields={where: "not_a_number"}) from None
    if not 0.0 <= value <= 1.0 or value != value:
        raise ValidationFailed(f"{where}: a share must lie between 0 and 1", fields={where: "out_of_range"})
    return value


def normalize(audience: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """Validate and normalize an audience; raises ValidationFailed naming the first bad field."""
    out: dict[str, dict[str, float]] = {}
    for dimension, dist in audience.items():
        if dimension not in taxonomy.AUDIENCE_KEYS:
            raise ValidationFailed(f"unknown audience dimension {dimension!r}", fields={dimension: "unknown"})
        if not isinstance(dist, Mapping):
            raise ValidationFailed(f"{dimension} must map keys to shares", fields={dimension: "not_a_mapping"})
        known = taxonomy.DIMENSIONS.get(dimension)
        shares: dict[str, float] = {}
        for key, raw in dist.items():
            key = str(key).strip()
            if dimension == "countries":
                key = key.upper()
            where = f"{dimension}.{key}"
            if known is not None and key not in known:
                raise ValidationFailed(f"unknown {dimension} key {key!r}", fields={where: "unknown"})
            if not key or len(key) > 100:
                raise ValidationFailed(f"{dimension} has an empty or too long key", fields={dimension: "bad_key"})
            shares[key] = shares.get(key, 0.0) + _share(raw, where)
        total = sum(shares.values())
        if known is not None and shares:
            if abs(total - 1.0) > SUM_TOLERANCE:
                raise ValidationFailed(
                    f"{dimension} shares sum to {total:.3f}, not 1", fields={dimension: "does_not_sum_to_one"}
                )
            shares = {k: v / total for k, v in shares.items()}
        elif total > 1.0 + SUM_TOLERANCE:
            raise ValidationFailed(f"{dimension} shares sum to more than 1", fields={dimension: "sum_above_one"})
        out[dimension] = {k: round(v, 6) for k, v in sorted(shares.items(), key=lambda kv: -kv[1]) if v > 0}
    return out


def parse_csv(text: str) -> dict[str, dict[str, float]]:
    """``dimension,key,share`` rows (a header line is required; shares as 0.42 or 42%) to a normalized audience."""
    reader = csv.reader(io.StringIO(text.strip()))
    header = next(reader, None)
    if header is None or tuple(h.strip().lower() for h in header) != CSV_HEADER:
        raise ValidationFailed("the CSV must start with the header dimension,key,share", fields={"csv": "header"})
    raw: dict[str, dict[str, str]] = {}
    for n, row in enumerate(reader, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != 3:
            raise ValidationFailed(f"line {n}: expected 3 columns, got {len(row)}", fields={"csv": f"line {n}"})
        dimension, key, share = (cell.strip() for cell in row)
        bucket = raw.setdefault(dimension, {})
        if key in bucket:
            raise ValidationFailed(f"line {n}: {dimension}.{key} appears twice", fields={"csv": f"line {n}"})
        bucket[key] = share
    if not raw:
        raise ValidationFailed("the CSV has no rows", fields={"csv": "empty"})
    return normalize(raw)


def to_csv(audience: Mapping[str, Mapping[str, float]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for dimension, dist in audience.items():
        for key, share in dist.items():
            writer.writerow([dimension, key, f"{share:.6f}"])
    return buf.getvalue()


def blend(parts: list[tuple[float, Mapping[str, Mapping[str, float]]]]) -> dict[str, dict[str, float]]:
    """Weighted mix of channels' audiences (weights: followers), per dimension over the channels that have it."""
    sums: dict[str, dict[str, float]] = {}
    weights: dict[str, float] = {}
    for weight, audience in parts:
        for dimension, dist in audience.items():
            if not dist:
                continue
            weights[dimension] = weights.get(dimension, 0.0) + weight
            bucket = sums.setdefault(dimension, {})
            for key, share in dist.items():
                bucket[key] = bucket.get(key, 0.0) + weight * share
    return {d: {k: v / weights[d] for k, v in dist.items()} for d, dist in sums.items() if weights[d] > 0}
