"""Error types with stable codes.

Every error novalite raises on purpose derives from :class:`NovaliteError` and
carries a ``code``: a dotted symbol that clients and other services may branch
on. Codes are never renamed and never reused; a subclass that does not declare
its own code is abstract for the registry and cannot travel over RPC on its own.
"""

from __future__ import annotations

from typing import Any, ClassVar

_REGISTRY: dict[str, type[NovaliteError]] = {}


class NovaliteError(Exception):
    """Base class of novalite's own errors.

    ``msg_fmt`` is formatted with the keyword arguments given to the
    constructor; an explicit message replaces it.
    """

    code: ClassVar[str] = "novalite.error"
    msg_fmt: ClassVar[str] = "An unknown error occurred."
    http_status: ClassVar[int] = 500

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt.format(**kwargs)
            except (KeyError, IndexError):
                message = self.msg_fmt
        self.message = message
        super().__init__(message)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        code = cls.__dict__.get("code")
        if code is None:
            return
        if code in _REGISTRY and _REGISTRY[code] is not cls:
            raise TypeError(f"error code {code!r} is already used by {_REGISTRY[code].__name__}")
        _REGISTRY[code] = cls


_REGISTRY[NovaliteError.code] = NovaliteError


def error_class(code: str) -> type[NovaliteError] | None:
    """Return the error class registered under ``code``, if any."""
    return _REGISTRY.get(code)


# -- generic families -------------------------------------------------------------------------


class Invalid(NovaliteError):
    code = "novalite.invalid"
    msg_fmt = "Invalid input: {reason}"
    http_status = 400


class NotFound(NovaliteError):
    code = "novalite.not_found"
    msg_fmt = "Resource could not be found."
    http_status = 404


class Conflict(NovaliteError):
    code = "novalite.conflict"
    msg_fmt = "Conflict: {reason}"
    http_status = 409


# -- configuration ----------------------------------------------------------------------------


class ConfigError(NovaliteError):
    """A configuration file or value is wrong; the message is one line naming where."""

    code = "novalite.config.invalid"
    msg_fmt = "{reason}"


# -- database ---------------------------------------------------------------------------------


class DBError(NovaliteError):
    code = "novalite.db.error"
    msg_fmt = "Database error: {reason}"


class DBConnectionError(DBError):
    code = "novalite.db.connection"
    msg_fmt = "Cannot connect to database {url}: {reason}"


class DBDuplicateEntry(DBError):
    code = "novalite.db.duplicate"
    msg_fmt = "Duplicate entry: {reason}"
    http_status = 409


class DBDeadlock(DBError):
    code = "novalite.db.deadlock"
    msg_fmt = "Database deadlock: {reason}"


class CellMappingNotFound(NotFound):
    code = "novalite.cell.mapping_not_found"
    msg_fmt = "Cell {uuid} has no mapping."


class HostMappingNotFound(NotFound):
    code = "novalite.cell.host_mapping_not_found"
    msg_fmt = "Host '{name}' is not mapped to any cell."


class ServiceNotFound(NotFound):
    code = "novalite.service.not_found"
    msg_fmt = "Service {service_id} could not be found."


class ComputeHostNotFound(NotFound):
    code = "novalite.compute.host_not_found"
    msg_fmt = "Compute host {host} could not be found."


# -- messaging --------------------------------------------------------------------------------


class MessagingError(NovaliteError):
    code = "novalite.rpc.error"
    msg_fmt = "Messaging error: {reason}"


class TransportURLInvalid(MessagingError):
    code = "novalite.rpc.bad_transport_url"
    msg_fmt = "Invalid transport URL {url}: {reason}"


class MessagingUnreachable(MessagingError):
    code = "novalite.rpc.unreachable"
    msg_fmt = "Cannot reach the message broker at {url}: {reason}"


class MessagingTimeout(MessagingError):
    code = "novalite.rpc.timeout"
    msg_fmt = "Timed out after {timeout}s waiting for a reply to {method} on topic {topic}."


class UnsupportedVersion(MessagingError):
    code = "novalite.rpc.unsupported_version"
    msg_fmt = "Endpoint does not support RPC version {version} (serves {served})."


class NoSuchMethod(MessagingError):
    code = "novalite.rpc.no_such_method"
    msg_fmt = "Endpoint does not support RPC method {method}."


class RemoteError(MessagingError):
    """A remote endpoint raised an error that is not one of novalite's registered errors."""

    code = "novalite.rpc.remote"
    msg_fmt = "Remote error: {exc_type} {value}"


# -- database (novalite.db) -------------------------------------------------------------------


class DBURLInvalid(DBError):
    code = "novalite.db.bad_url"
    msg_fmt = "Invalid database URL {url}: {reason}"


class DBReferenceError(DBError):
    """A foreign key refused the write: the row refers to, or is referred to by, another."""

    code = "novalite.db.reference"
    msg_fmt = "Database reference error: {reason}"
    http_status = 409


class CellMappingInUse(Conflict):
    code = "novalite.cell.mapping_in_use"
    msg_fmt = "Cell {uuid} still has {hosts} host(s) and {instances} instance(s) mapped to it."


class MessageInvalid(MessagingError):
    """An RPC message could not be encoded or decoded (not JSON, wrong envelope version, ...)."""

    code = "novalite.rpc.bad_message"
    msg_fmt = "Invalid RPC message: {reason}"


class VersionCapExceeded(MessagingError):
    """A client tried to send a message newer than its version cap allows (rolling upgrade)."""

    code = "novalite.rpc.version_cap"
    msg_fmt = "RPC version {version} is above the version cap {cap}."


# -- policy (novalite.api_common.policy) ------------------------------------------------------


class PolicyNotAuthorized(NovaliteError):
    """The policy engine refused an action (also raised for a token of the wrong scope)."""

    code = "novalite.policy.not_authorized"
    msg_fmt = "Policy doesn't allow {action} to be performed."
    http_status = 403


class PolicyNotRegistered(NovaliteError):
    """Code asked the policy engine about an action that has no registered default."""

    code = "novalite.policy.not_registered"
    msg_fmt = "Policy {action} has not been registered"


class MicroversionInvalid(NovaliteError):
    """A malformed ``OpenStack-API-Version`` header (400)."""

    code = "novalite.api.microversion_invalid"
    msg_fmt = "invalid version string: {version}"
    http_status = 400


class MicroversionUnacceptable(NovaliteError):
    """A microversion outside the supported range (406)."""

    code = "novalite.api.microversion_unacceptable"
    msg_fmt = "Unacceptable version header: {version}"
    http_status = 406


class RequestInvalid(NovaliteError):
    """A request body or query string that fails validation (400)."""

    code = "novalite.api.request_invalid"
    msg_fmt = "Invalid request: {reason}"
    http_status = 400


class UnsupportedMediaType(NovaliteError):
    """A request body of a content type the handler does not take (415)."""

    code = "novalite.api.unsupported_media_type"
    msg_fmt = "The media type {content_type} is not supported, use application/json"
    http_status = 415


class RequestTooLarge(NovaliteError):
    """A request body above the size limit (413)."""

    code = "novalite.api.request_too_large"
    msg_fmt = "Request is too large."
    http_status = 413


class ResponseNotAcceptable(NovaliteError):
    """An ``Accept`` header the handler cannot satisfy (406)."""

    code = "novalite.api.not_acceptable"
    msg_fmt = "Only application/json is provided"
    http_status = 406


# -- authentication and service clients (novalite.api_common.auth, novalite.clients) ----------


class InvalidToken(NovaliteError):
    """A token is missing, malformed, expired, revoked or unknown to the identity service."""

    code = "novalite.auth.invalid_token"
    msg_fmt = "The request you have made requires authentication."
    http_status = 401


class ClientError(NovaliteError):
    """A call to another service (identity, placement, image, network) failed."""

    code = "novalite.client.error"
    msg_fmt = "{service}: {reason}"


class ServiceUnreachable(ClientError):
    """The service could not be reached: connection refused, DNS failure, timeout."""

    code = "novalite.client.unreachable"
    msg_fmt = "Cannot reach {service} at {url}: {reason}"
    http_status = 503


class EndpointNotFound(ClientError):
    """The service catalog has no usable endpoint for a service."""

    code = "novalite.client.endpoint_not_found"
    msg_fmt = "No {interfaces} endpoint for service type {service_type} in region {region}."
    http_status = 503


class AuthenticationFailed(ClientError):
    """A service could not get (or keep) a token of its own from the identity service."""

    code = "novalite.client.auth_failed"
    msg_fmt = "Authentication at {auth_url} failed: {reason}"
    http_status = 503


class ServiceHTTPError(ClientError):
    """The service answered with an unexpected HTTP status (kept in ``kwargs['status']``)."""

    code = "novalite.client.http_error"
    msg_fmt = "{service} {method} {path} returned {status}: {detail}"


class PlacementConflict(ClientError):
    """Placement refused a write with 409 (after the retries that were safe to make)."""

    code = "novalite.client.placement_conflict"
    msg_fmt = "Placement conflict on {path}: {detail}"
    http_status = 409


# --- Compute API (novalite.api) ---------------------------------------------------------


class ComputeVersionInvalid(NovaliteError):
    """A compute microversion header that does not parse (400)."""

    code = "novalite.api.compute_version_invalid"
    http_status = 400
    msg_fmt = (
        "API Version String {version} is of invalid format. Must be of format MajorNum.MinorNum."
    )


class ComputeVersionNotSupported(NovaliteError):
    """A compute microversion outside the served range (406)."""

    code = "novalite.api.compute_version_unsupported"
    http_status = 406
    msg_fmt = (
        "Version {version} is not supported by the API. Minimum is {min} and maximum is {max}."
    )


class FlavorNotFound(NotFound):
    code = "novalite.flavor.not_found"
    msg_fmt = "Flavor {flavor_id} could not be found."


class FlavorExists(Conflict):
    code = "novalite.flavor.name_exists"
    msg_fmt = "Flavor with name {name} already exists."


class FlavorIdExists(Conflict):
    code = "novalite.flavor.id_exists"
    msg_fmt = "Flavor with ID {flavor_id} already exists."


class FlavorExtraSpecNotFound(NotFound):
    code = "novalite.flavor.extra_spec_not_found"
    msg_fmt = "Flavor {flavor_id} has no extra specs with key {key}."


class FlavorAccessExists(Conflict):
    code = "novalite.flavor.access_exists"
    msg_fmt = (
        "Flavor access already exists for flavor {flavor_id} and project {project_id} combination."
    )


class FlavorAccessNotFound(NotFound):
    code = "novalite.flavor.access_not_found"
    msg_fmt = "Flavor access not found for {flavor_id} / {project_id} combination."


class KeypairNotFound(NotFound):
    code = "novalite.keypair.not_found"
    msg_fmt = "Keypair {name} not found for user {user_id}"


class KeyPairExists(Conflict):
    code = "novalite.keypair.exists"
    msg_fmt = "Key pair '{name}' already exists."


class InvalidKeypair(Invalid):
    code = "novalite.keypair.invalid"
    msg_fmt = "Keypair data is invalid: {reason}"


class MarkerNotFound(Invalid):
    code = "novalite.api.marker_not_found"
    msg_fmt = "Marker {marker} could not be found."


# -- scheduler (novalite.scheduler) -----------------------------------------------------------


class NoValidHost(NovaliteError):
    """No host passed the filters for an instance of a request.

    ``reason`` is the redacted summary a user may read; ``kwargs['details']`` carries the
    admin message (per-filter counts and host names).
    """

    code = "novalite.scheduler.no_valid_host"
    msg_fmt = "No valid host was found. {reason}"
    http_status = 400


class SchedulerConfigError(ConfigError):
    """``[filter_scheduler]`` names a filter or weigher that does not exist."""

    code = "novalite.scheduler.config_invalid"
    msg_fmt = "[filter_scheduler] {option}: {reason}"


# -- instances, build flow and server groups --------------------------------------------------


class InstanceNotFound(NotFound):
    code = "novalite.instance.not_found"
    msg_fmt = "Instance {instance_id} could not be found."


class UnexpectedTaskState(Conflict):
    """A compare-and-swap update found another task_state than the one expected."""

    code = "novalite.instance.unexpected_task_state"
    msg_fmt = "Conflict updating instance {instance_uuid}. Expected: {expected}. Actual: {actual}"


class UnexpectedDeletingTaskState(UnexpectedTaskState):
    """The instance is being deleted while another task tried to move it on."""

    code = "novalite.instance.unexpected_deleting_task_state"


class InstanceActionNotFound(NotFound):
    code = "novalite.instance.action_not_found"
    msg_fmt = "Action for request_id {request_id} on instance {instance_uuid} not found"


class BuildRequestNotFound(NotFound):
    code = "novalite.instance.build_request_not_found"
    msg_fmt = "BuildRequest not found for instance {uuid}"


class InstanceMappingNotFound(NotFound):
    code = "novalite.instance.mapping_not_found"
    msg_fmt = "Instance {uuid} has no mapping to a cell."


class RequestSpecNotFound(NotFound):
    code = "novalite.instance.request_spec_not_found"
    msg_fmt = "RequestSpec not found for instance {instance_uuid}"


class InstanceGroupNotFound(NotFound):
    code = "novalite.server_group.not_found"
    msg_fmt = "Instance group {group_uuid} could not be found."


class RescheduledException(NovaliteError):
    """A compute host failed to build an instance; the conductor may try an alternate."""

    code = "novalite.compute.rescheduled"
    msg_fmt = "Build of instance {instance_uuid} was re-scheduled: {reason}"


class MaxRetriesExceeded(NoValidHost):
    code = "novalite.scheduler.max_retries_exceeded"
    msg_fmt = "Exceeded maximum number of retries. {reason}"


# -- compute host -----------------------------------------------------------------------------


class ComputeResourcesUnavailable(NovaliteError):
    """The local claim on a compute host failed: the build is rescheduled."""

    code = "novalite.compute.resources_unavailable"
    msg_fmt = "Insufficient compute resources: {reason}."


class BuildAbortException(NovaliteError):
    """A build failed on its host and will not be retried elsewhere."""

    code = "novalite.compute.build_aborted"
    msg_fmt = "Build of instance {instance_uuid} aborted: {reason}"


class InstanceSpawnFailed(NovaliteError):
    """The virt driver could not create the guest."""

    code = "novalite.virt.spawn_failed"
    msg_fmt = "Failed to spawn instance {instance_uuid}: {reason}"


class InstancePowerOnFailure(NovaliteError):
    code = "novalite.virt.power_on_failed"
    msg_fmt = "Failed to power on instance: {reason}"


class InstancePowerOffFailure(NovaliteError):
    code = "novalite.virt.power_off_failed"
    msg_fmt = "Failed to power off instance: {reason}"


class InstanceRebootFailure(NovaliteError):
    code = "novalite.virt.reboot_failed"
    msg_fmt = "Failed to reboot instance: {reason}"


# -- data layer (build flow) ------------------------------------------------------------------


class InstanceExists(Conflict):
    code = "novalite.instance.exists"
    msg_fmt = "Instance {name} already exists."


class UnexpectedVMState(Conflict):
    """A compare-and-swap update found another vm_state than the one expected."""

    code = "novalite.instance.unexpected_vm_state"
    msg_fmt = "Unexpected VM state: expecting {expected} but the actual state is {actual}"


class InstanceActionEventNotFound(NotFound):
    code = "novalite.instance.action_event_not_found"
    msg_fmt = "Event {event} not found for action id {action_id}"


class BuildRequestAlreadyExists(Conflict):
    code = "novalite.instance.build_request_exists"
    msg_fmt = "BuildRequest for instance {uuid} already exists."


class InstanceGroupIdExists(Conflict):
    code = "novalite.server_group.exists"
    msg_fmt = "Instance group {group_uuid} already exists."


# -- compute API: servers ---------------------------------------------------------------------


class InstanceIsLocked(Conflict):
    """A non-admin asked for an operation on a locked server (409)."""

    code = "novalite.instance.locked"
    msg_fmt = "Instance {instance_uuid} is locked"


# -- conductor --------------------------------------------------------------------------------


class TaskTimedOut(NovaliteError):
    """An instance stayed in a task_state past its deadline (the watchdog's fault)."""

    code = "novalite.conductor.task_timed_out"
    msg_fmt = "Task {task_state} did not finish within {seconds} s"


class BuildRequestTimedOut(NovaliteError):
    """A build request was never scheduled to a cell within the build deadline."""

    code = "novalite.conductor.build_request_timed_out"
    msg_fmt = "Build of instance {instance_uuid} was not scheduled within {seconds} s"


# -- compute API: groups and actions -----------------------------------------------------------


class ActionNotFound(NotFound):
    """The API's answer for a request id the server has no action for."""

    code = "novalite.api.action_not_found"
    msg_fmt = "Action {request_id} not found"


class InstanceNotReady(Conflict):
    """The server has no compute host to act on yet (409)."""

    code = "novalite.instance.not_ready"
    msg_fmt = "Instance {instance_uuid} is not ready"
