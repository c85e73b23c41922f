"""WooCommerce webhook signatures against a vector computed independently with openssl, and the header's edge cases."""

from __future__ import annotations

from accord.tracking import signatures

# printf '{"id":727,"status":"processing","total":"120.00"}' | openssl dgst -sha256 -hmac 'wc-secret' -binary | base64
BODY = b'{"id":727,"status":"processing","total":"120.00"}'
VECTOR = "CjIUFUDlggDDSM3Zho1lbbmBJBCaoaR4kD4lAjv5PUc="


def test_woocommerce_signature_matches_the_documented_computation() -> None:
    assert signatures.woocommerce_signature("wc-secret", BODY) == VECTOR
    assert signatures.verify_woocommerce("wc-secret", BODY, VECTOR)
    assert signatures.verify_woocommerce("wc-secret", BODY, f" {VECTOR}\n")  # proxies may pad the header


def test_woocommerce_signature_refuses_other_bodies_secrets_and_missing_headers() -> None:
    assert not signatures.verify_woocommerce("wc-secret", BODY.replace(b"120.00", b"999.00"), VECTOR)
    assert not signatures.verify_woocommerce("other", BODY, VECTOR)
    assert not signatures.verify_woocommerce("wc-secret", BODY, None)
    assert not signatures.verify_woocommerce("wc-secret", BODY, "")
