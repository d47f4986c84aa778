"""Voice sessions as calls: a /v1/stream session is a ``web`` call, and what the voice engine
reports about any call it drives (latency, transfers and hang-ups decided by the agent).

Every limit of an outbound call applies: simultaneous calls, the monthly sessions quota,
the prepaid balance. Sandbox (test) keys are never counted or charged.
"""

from dataclasses import dataclass
from typing import Any

from models.agent import Agent
from models.call import Call
from models.tenant import Tenant
from resolvers import agents, calls, instance, validation
from resolvers.carriers import CarrierName
from resolvers.errors import DomainError, ErrorCode
from resolvers.principals import Principal, get_tenant, require_authenticated

LANGUAGES = ("fr", "en", "es", "ar", "ary")
WEB_CARRIER: CarrierName = "web"


@dataclass(frozen=True)
class WebCall:
    call: Call
    agent: Agent
    tenant: Tenant


async def start_web_call(
    principal: Principal | None, *, agent_id: object, language: object = None
) -> WebCall:
    """Open a web voice session (answered at once). Raises invalid_api_key,
    agent_not_configured, invalid_request, concurrency_limit_exceeded, quota_exceeded,
    insufficient_credits."""
    p = require_authenticated(principal)
    if p.kind == "user":
        # Contract §1: the stream takes a secret or publishable key, never a dashboard token.
        raise DomainError(
            ErrorCode.INVALID_API_KEY,
            "the stream takes an API key, not a dashboard token: connect with"
            " ?apiKey=voc_sk_... (server side) or voc_pk_... (a widget, from an allowed origin);"
            " create one with POST /api/tenants/{tenantId}/keys",
        )
    tenant = await get_tenant(p)
    agent = await agents.agent_for_call(tenant.id, agent_id)
    lang = (
        agent.language if language is None else validation.choice(language, "language", LANGUAGES)
    )
    async with calls.admission(
        tenant, agent, p.mode, metric="sessions", what="a voice session"
    ) as call_id:
        call = await calls.insert_call(
            tenant, agent, call_id, "web", None, None, WEB_CARRIER, p.mode, {}, None, lang
        )
    answered = await calls.mark_answered(call.id)
    return WebCall(answered or call, agent, tenant)


async def session_subject(call_id: str) -> WebCall | None:
    """The call, agent and tenant a carrier's media stream drives; None when the call is
    unknown, ended, or its agent was removed."""
    call = await Call.get_or_none(id=call_id)
    if call is None or call.status in calls.FINAL:
        return None
    agent = await Agent.get_or_none(tenant_id=call.tenant_id, agent_id=call.agent_id)
    tenant = await Tenant.get_or_none(id=call.tenant_id)
    if agent is None or tenant is None:
        return None
    return WebCall(call, agent, tenant)


async def set_latency(call_id: str, latency: dict[str, Any]) -> None:
    """Store the call's voice-to-voice figures ({p50Ms, p95Ms, turns, ...}) before it ends."""
    await Call.filter(id=call_id).update(latency=latency)


async def transfer_by_agent(call_id: str, to: str) -> Call | None:
    """The agent's transfer_call tool: end the AI leg (completed/transferred, call.transferred)
    then let the owning process's carrier bridge the caller. None when the call already ended."""
    ended = await calls.transition(
        call_id,
        "completed",
        reason="transferred",
        updates={"transferred_to": to},
        extra_events=("call.transferred",),
    )
    if ended is not None:
        await instance.send_control(
            ended.owner, {"op": "transfer", "callId": ended.id, "to": to}, calls.handle_control
        )
    return ended
