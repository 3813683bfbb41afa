"""`flask --app wsgi helpdesk connect-store …`: the command other tools run to connect a store."""

from __future__ import annotations

from app.extensions import db
from app.models import StoreConnection
from app.services.stores import connections


def test_connect_store_shopify_prints_the_webhook_url_and_keeps_the_secrets_encrypted(app):
    result = app.test_cli_runner().invoke(args=[
        "helpdesk", "connect-store", "shopify", "--shop-domain", "Tea-Shop.myshopify.com",
        "--webhook-secret", "whsec_abcdef123456", "--access-token", "shpat_secret_token_1",
        "--api-url", "http://127.0.0.1:9999/admin/api/2025-10/graphql.json"])
    assert result.exit_code == 0, result.output
    url = result.output.strip().splitlines()[-1]
    assert url.startswith("http") and "/webhooks/shopify" in url
    store = db.session.scalar(db.select(StoreConnection))
    assert (store.platform, store.shop) == ("shopify", "tea-shop.myshopify.com")
    assert store.api_url == "http://127.0.0.1:9999/admin/api/2025-10/graphql.json"
    assert connections.secrets(store).webhook == ("whsec_abcdef123456",)


def test_connect_store_woocommerce_prints_its_webhook_url(app):
    result = app.test_cli_runner().invoke(args=[
        "helpdesk", "connect-store", "woocommerce", "--site-url", "https://Shop.Example.com/",
        "--webhook-secret", "wc-secret-1", "--consumer-key", "ck_1", "--consumer-secret", "cs_1"])
    assert result.exit_code == 0, result.output
    assert "/webhooks/woocommerce" in result.output
    assert db.session.scalar(db.select(StoreConnection.shop)) == "https://shop.example.com"


def test_connect_store_explains_what_is_missing_or_wrong(app):
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["helpdesk", "connect-store", "shopify", "--webhook-secret", "s"])
    assert missing.exit_code != 0 and "--shop-domain" in missing.output
    wrong = runner.invoke(args=["helpdesk", "connect-store", "shopify", "--shop-domain", "tea.example.com",
                                "--webhook-secret", "s"])
    assert wrong.exit_code != 0 and "myshopify.com" in wrong.output
    half = runner.invoke(args=["helpdesk", "connect-store", "woocommerce", "--site-url", "https://s.example",
                               "--webhook-secret", "s", "--consumer-key", "ck_1"])
    assert half.exit_code != 0 and "consumer secret" in half.output
    assert db.session.scalar(db.select(db.func.count(StoreConnection.id))) == 0
