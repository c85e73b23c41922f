from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _back_to_the_default_language() -> Iterator[None]:
    # LocaleMiddleware activates a request's language on the thread and nothing deactivates it: after a Dutch page
    # in the test client, later tests in this process would otherwise run in Dutch.
    yield
    translation.deactivate()
