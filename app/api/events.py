"""POST /api/v1/events: customer events from the shop's server, one or a batch of up to 500."""

from __future__ import annotations

from flask import abort, jsonify

from app.api.auth import protect
from app.api.blueprint import Blueprint
from app.api.json_body import json_body
from app.api.schemas import IngestResultSchema
from app.services.shop_events.ingestion import ingest_events
from app.services.shop_events.schemas import MAX_BATCH

bp = Blueprint("events", __name__, url_prefix="/api/v1", description="Customer events from the shop.")
protect(bp)

REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {"oneOf": [{"$ref": "#/components/schemas/Event"}, {"$ref": "#/components/schemas/EventBatch"}]}
        }
    },
}


def _events_from(body) -> list:
    if isinstance(body, dict) and "batch" in body:
        if len(body) > 1:
            extra = ", ".join(sorted(k for k in body if k != "batch"))[:200]
            abort(400, description=f"A batch is {{\"batch\": [...]}} only; unknown top-level fields: {extra}.")
        batch = body["batch"]
        if not isinstance(batch, list) or not batch:
            abort(400, description="`batch` must be a non-empty list of events.")
        if len(batch) > MAX_BATCH:
            abort(413, description=f"A batch may hold at most {MAX_BATCH} events.")
        return batch
    if isinstance(body, dict):
        return [body]
    abort(400, description="Send one event object, or {\"batch\": [...]}.")


@bp.route("/events", methods=["POST"])
@bp.doc(requestBody=REQUEST_BODY)
@bp.response(202, IngestResultSchema)
@bp.alt_response(422, description="No event of the request is valid: nothing was stored. The body has the "
                 "error (`error.fields`: the reasons) and the counts with each event's rejection.")
def post_events():
    """Ingest events. Repeats of an event id are counted as duplicates and change nothing; invalid
    events are rejected one by one (index and reason) while the good ones are kept."""
    events = _events_from(json_body())
    result = ingest_events(events, source="api")
    if result.rejected and not (result.accepted or result.duplicates):
        return _nothing_valid(result, single=len(events) == 1)
    return result


def _nothing_valid(result, *, single: bool):
    """422 when no event could be used: a client error, not an accepted request."""
    body = IngestResultSchema().dump(result)
    reasons = result.rejected[0].reason if single else {str(r.index): r.reason for r in result.rejected}
    body["error"] = {"code": "invalid_events", "message": "No event in the request is valid; nothing was stored.",
                     "fields": reasons}
    response = jsonify(body)
    response.status_code = 422
    return response
