"""The local Stripe the billing tests talk to, with the server's billing settings on it."""

from collections.abc import Iterator

import pytest

from resolvers.settings import Settings, configure
from tests.billing.fake_stripe import PRICES, SECRET_KEY, WEBHOOK_SECRET, FakeStripe


@pytest.fixture
def stripe_fake(settings: Settings) -> Iterator[FakeStripe]:
    fake = FakeStripe().start()
    configure(
        settings.with_overrides(
            stripe_secret_key=SECRET_KEY,
            stripe_webhook_secret=WEBHOOK_SECRET,
            stripe_prices=tuple(PRICES.items()),
            stripe_api_base=fake.url,
        )
    )
    yield fake
    fake.stop()
