from __future__ import annotations

from marshmallow import fields, validate

from core.http import Schema
from core.jobs import ACTIVE, FINAL


class JobSchema(Schema):
    id = fields.UUID()
    kind = fields.String()
    queue = fields.String()
    status = fields.String()
    progress = fields.Integer()
    message = fields.String()
    args = fields.Dict()
    result = fields.Dict(allow_none=True)
    error = fields.String(allow_none=True)
    attempts = fields.Integer()
    max_attempts = fields.Integer()
    created_by = fields.String()
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)


class JobQuerySchema(Schema):
    kind = fields.String()
    status = fields.String(validate=validate.OneOf(ACTIVE + FINAL))


class AuditSchema(Schema):
    id = fields.UUID()
    created_at = fields.DateTime()
    actor_type = fields.String()
    actor_id = fields.String(allow_none=True)
    actor_label = fields.String()
    action = fields.String()
    entity_type = fields.String()
    entity_id = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)


class AuditQuerySchema(Schema):
    entity_type = fields.String()
    entity_id = fields.String()
    actor_id = fields.String()


class AdapterSchema(Schema):
    kind = fields.String()
    name = fields.String()
    display_name = fields.String()
    capabilities = fields.List(fields.String())
    settings = fields.List(fields.Dict())


class PluginSchema(Schema):
    name = fields.String()
    kind = fields.String()
    group = fields.String()
    module = fields.String()
    distribution = fields.String(allow_none=True)
    version = fields.String(allow_none=True)
    status = fields.String()
    error = fields.String(allow_none=True)
    adapters = fields.List(fields.Nested(AdapterSchema))


class DeliverySchema(Schema):
    id = fields.UUID()
    event_id = fields.UUID()
    event_name = fields.String()
    handler = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    retry_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    ordered = fields.Boolean(metadata={"description": "the subscriber gets events strictly in commit order"})
    held_back = fields.Integer(metadata={"description": "later events this failing delivery holds back"})


class EventSchema(Schema):
    id = fields.UUID()
    name = fields.String()
    entity_type = fields.String()
    entity_id = fields.String()
    payload = fields.Dict()
    actor = fields.String()
    created_at = fields.DateTime()
    dispatched_at = fields.DateTime(allow_none=True)


class EventQuerySchema(Schema):
    name = fields.String()
    entity_type = fields.String()
    entity_id = fields.String()


class HealthSchema(Schema):
    status = fields.String(metadata={"description": '"ok": the process serves and reaches its database'})
