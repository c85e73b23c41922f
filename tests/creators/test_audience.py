from __future__ import annotations

import pytest

from accord.core.errors import ValidationFailed
from accord.creators import audience


def test_csv_is_parsed_and_normalized() -> None:
    text = "dimension,key,share\ncountries,nl,40%\ncountries,BE,0.59\nage_bands,18-24,1\ncities,Utrecht,0.1\n"
    parsed = audience.parse_csv(text)
    assert parsed["countries"] == pytest.approx({"NL": 0.40 / 0.99, "BE": 0.59 / 0.99}, abs=1e-5)
    assert parsed["age_bands"] == {"18-24": 1.0}
    assert parsed["cities"] == {"Utrecht": 0.1}
    again = audience.parse_csv(audience.to_csv(parsed))
    for dimension, dist in parsed.items():
        assert again[dimension] == pytest.approx(dist, abs=1e-6)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("country,key,share\n", "csv"),
        ("dimension,key,share\ncountries,NL,0.5\n", "countries"),
        ("dimension,key,share\ncountries,XX,1\n", "countries.XX"),
        ("dimension,key,share\nshoe_size,42,1\n", "shoe_size"),
        ("dimension,key,share\ncountries,NL,abc\n", "countries.NL"),
        ("dimension,key,share\ncountries,NL,1.5\n", "countries.NL"),
        ("dimension,key,share\ncountries,NL\n", "csv"),
        ("dimension,key,share\ncountries,NL,0.5\ncountries,NL,0.5\n", "csv"),
    ],
)
def test_bad_audience_data_is_refused_with_the_field(text: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        audience.parse_csv(text)
    assert field in exc.value.fields


def test_blend_weights_channels_by_followers() -> None:
    mixed = audience.blend([(3.0, {"countries": {"NL": 1.0}}), (1.0, {"countries": {"DE": 1.0}})])
    assert mixed["countries"] == {"NL": 0.75, "DE": 0.25}
