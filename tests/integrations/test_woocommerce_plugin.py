"""The WordPress plugin (integrations/woocommerce/): every PHP file passes `php -l`, and its
functions sign the customer as the helpdesk checks (the same user_hash), describe the cart as the
events schema takes it, and write the queue as data no name can break out of. Needs PHP (`make
php-deps` installs Debian's php-cli, as `make test` does)."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from app.services.shop_events.schemas import validate_event
from tests.support import services

PLUGIN = Path(__file__).parents[2] / "integrations" / "woocommerce"
SECRET = "s3cret-identity-secret-for-the-widget-0123456789"


@pytest.fixture(scope="module")
def php() -> str:
    path = shutil.which("php")
    if path is None:
        services.unavailable("PHP", "php not found; run `make php-deps`")
    return path


@pytest.mark.parametrize("source", sorted(PLUGIN.rglob("*.php")), ids=lambda p: str(p.relative_to(PLUGIN)))
def test_every_php_file_parses(php, source):
    result = subprocess.run([php, "-l", str(source)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def results(php) -> dict:
    run = subprocess.run([php, str(PLUGIN / "tests" / "identity_test.php"), SECRET], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(run.stdout)


def test_the_user_hash_is_the_one_the_helpdesk_checks(results):
    expected = hmac.new(SECRET.encode(), b"42", hashlib.sha256).hexdigest()
    assert results["identity"] == {"customer_id": "42", "user_hash": expected, "email": "mia@example.com",
                                   "name": "Mia"}


def test_the_cart_is_an_event_the_helpdesk_accepts(results):
    cart = results["cart"]
    assert cart["currency"] == "EUR" and cart["total"] == "33.00"
    assert [(i["sku"], i["quantity"], i["unit_price"]) for i in cart["items"]] == [("TEA-1", 2, "12.50"),
                                                                                 ("product-12", 1, "8.00")]
    validate_event({"id": "e1", "type": "cart_updated", "anonymous_id": "a1", "timestamp": "2026-12-01T10:00:00Z",
                    "properties": cart})


def test_the_queue_is_data_that_no_name_can_break_out_of(results):
    script = results["script"]
    assert script.startswith('Helpdesk.q.push(["reset"]);')
    assert "</script>" not in script and "<script>" not in script and "\\u003C/script\\u003E" in script
