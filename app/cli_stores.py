"""`flask --app wsgi helpdesk connect-store …`: connect a Shopify store or a WooCommerce site from
the command line, for automation (the options are a contract other tools depend on)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.services.errors import DomainError
from app.services.platform.audit import CLI
from app.services.stores import backfill, connections


@click.command("connect-store")
@click.argument("platform", type=click.Choice(["shopify", "woocommerce"]))
@click.option("--shop-domain", help="Shopify: the store's myshopify.com domain.")
@click.option("--site-url", help="WooCommerce: the site's address, https://…")
@click.option("--webhook-secret", required=True, help="The secret the platform signs webhooks with.")
@click.option("--access-token", help="Shopify: the custom app's Admin API access token.")
@click.option("--consumer-key", help="WooCommerce: the REST API consumer key.")
@click.option("--consumer-secret", help="WooCommerce: the REST API consumer secret.")
@click.option("--api-url", help="Where to reach the store's API instead of its own address (a test store).")
def connect_store(platform: str, shop_domain: str | None, site_url: str | None, webhook_secret: str,
                  access_token: str | None, consumer_key: str | None, consumer_secret: str | None,
                  api_url: str | None) -> None:
    """Connect a store (or update its connection) and print the webhook URL to register with it."""
    shop = shop_domain if platform == "shopify" else site_url
    if not shop:
        raise click.UsageError("Give --shop-domain." if platform == "shopify" else "Give --site-url.")
    try:
        connections.connect(platform, shop=shop, webhook_secret=webhook_secret, access_token=access_token,
                            consumer_key=consumer_key, consumer_secret=consumer_secret, api_url=api_url, by=CLI)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(connections.webhook_url(platform))


@click.command("import-store")
@click.option("--months", type=int, help="How far back to import (default: the store's setting, 12).")
def import_store(months: int | None) -> None:
    """Import the connected stores' customers and orders of the last N months (resumes an import
    that stopped). Runs here, in the foreground, and prints where each import ended."""
    stores = connections.all_connections()
    if not stores:
        raise click.ClickException("No store is connected: run connect-store first.")
    for store in stores:
        try:
            backfill.start(store.id, months=months, queue=False)
        except DomainError as exc:
            raise click.ClickException(f"{store.shop}: {exc.message}") from None
        state = backfill.run(store.id)
        click.echo(f"{store.shop}: {state.get('status')}, {state.get('customers', 0)} customers, "
                   f"{state.get('orders', 0)} orders" + (f" ({state['error']})" if state.get("error") else ""))
        if state.get("status") != "done":
            raise click.exceptions.Exit(1)


def register(group: AppGroup) -> None:
    group.add_command(connect_store)
    group.add_command(import_store)
