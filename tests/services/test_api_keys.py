"""API keys: shown once, stored as a hash, revocable."""

from app.extensions import db
from app.models import ApiKey
from app.services.access import api_keys
from app.services.platform.audit import CLI


def test_key_is_shown_once_and_stored_as_hash(app):
    new = api_keys.create_api_key("Shop server", by=CLI)
    row = db.session.scalar(db.select(ApiKey))
    assert new.secret.startswith("hd_") and len(new.secret) > 40
    assert new.secret not in (row.key_hash, row.prefix) and new.secret.startswith(row.prefix)
    assert api_keys.authenticate_api_key(new.secret).id == row.id
    assert row.last_used_at is not None


def test_revoked_unknown_and_malformed_keys_are_refused(app):
    new = api_keys.create_api_key("Shop server", by=CLI)
    assert api_keys.authenticate_api_key(new.secret + "x") is None
    assert api_keys.authenticate_api_key("") is None
    assert api_keys.authenticate_api_key("hd_" + "a" * 500) is None
    api_keys.revoke_api_key(new.key.id, by=CLI)
    api_keys.revoke_api_key(new.key.id, by=CLI)
    assert api_keys.authenticate_api_key(new.secret) is None
