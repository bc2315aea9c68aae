"""ImagePropertiesFilter: the host can run the image's architecture, hypervisor and VM mode."""

from __future__ import annotations

from novalite.domain.request_spec import RequestSpec
from novalite.scheduler.framework import SUCCESS, Status
from novalite.scheduler.host_state import HostState

# Canonical names as nova's fields.Architecture / HVType / VMMode normalise them.
_ARCH_ALIASES = {"amd64": "x86_64", "x64": "x86_64", "i386": "i686", "x86": "i686"}
_HV_ALIASES = {"xapi": "xen"}
_VM_MODE_ALIASES = {"pv": "xen", "hv": "hvm", "baremetal": "hvm"}


def _norm(value: object, aliases: dict[str, str]) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).lower()
    return aliases.get(text, text)


class ImagePropertiesFilter:
    """Match ``hw_architecture``, ``img_hv_type``, ``hw_vm_mode`` with supported instances.

    A host that reports no supported instances passes (nothing to check against), as does
    an image that asks for none of the three; ``img_hv_requested_version`` is not checked.
    """

    name = "ImagePropertiesFilter"

    def filter(self, host: HostState, spec: RequestSpec) -> Status:
        """Pass when some supported ``(arch, hv_type, vm_mode)`` matches every asked value."""
        props = spec.image_properties
        arch = _norm(props.get("hw_architecture") or props.get("architecture"), _ARCH_ALIASES)
        hv_type = _norm(props.get("img_hv_type") or props.get("hypervisor_type"), _HV_ALIASES)
        vm_mode = _norm(props.get("hw_vm_mode") or props.get("vm_mode"), _VM_MODE_ALIASES)
        if not (arch or hv_type or vm_mode):
            return SUCCESS
        supported = host.facts.supported_instances
        if not supported:
            return SUCCESS
        for s_arch, s_hv, s_mode in supported:
            if arch and _norm(s_arch, _ARCH_ALIASES) != arch:
                continue
            if hv_type and _norm(s_hv, _HV_ALIASES) != hv_type:
                continue
            if vm_mode and _norm(s_mode, _VM_MODE_ALIASES) != vm_mode:
                continue
            return SUCCESS
        asked = ", ".join(
            f"{k}={v}" for k, v in (("arch", arch), ("hv_type", hv_type), ("vm_mode", vm_mode)) if v
        )
        return Status.reject(f"host supports no instance type with {asked}")
