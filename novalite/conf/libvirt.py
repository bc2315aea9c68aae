"""``[libvirt]``: the libvirt virt driver."""

from __future__ import annotations

from typing import Literal

from novalite.conf.section import Section, opt
from novalite.conf.types import Bool, Seconds, StrList


class LibvirtSection(Section):
    """The libvirt virt driver (compute_driver = libvirt.LibvirtDriver)."""

    virt_type: Literal["kvm", "qemu", "lxc", "parallels", "auto"] = opt(
        "auto",
        "Kind of domains libvirt runs. auto (novalite only, the default) uses kvm when "
        "/dev/kvm answers within kvm_probe_timeout and falls back to qemu (TCG emulation) "
        "otherwise (nova's default: kvm).",
    )
    kvm_probe_timeout: Seconds = opt(
        2,
        "Seconds virt_type = auto waits for KVM to answer before choosing qemu (novalite only).",
        ge=0,
    )
    connection_uri: str = opt(
        "",
        "libvirt URI to connect to. Empty: the default URI of virt_type (qemu:///system "
        "for kvm and qemu).",
    )
    cpu_mode: Literal["host-model", "host-passthrough", "custom", "none"] | None = opt(
        None,
        "CPU model shown to guests: host-model (a model close to the host's), "
        "host-passthrough (the host's CPU as is), custom (cpu_models), or none. "
        "Unset: host-model for kvm and qemu, none otherwise.",
    )
    cpu_models: StrList = opt(
        (),
        "CPU models guests may get when cpu_mode = custom, in order of preference.",
    )
    cpu_model_extra_flags: StrList = opt(
        (),
        "CPU flags to add to (+flag or flag) or remove from (-flag) the guest CPU model.",
    )
    images_type: Literal["raw", "flat", "qcow2", "lvm", "rbd", "ploop", "default"] = opt(
        "default",
        "Format of the disks of instances. default: qcow2 overlays on the image cache.",
    )
    hw_machine_type: StrList = opt(
        (),
        "Default machine type per guest architecture, as arch=machine_type pairs "
        "(x86_64=q35). Empty: libvirt's default.",
    )
    inject_password: Bool = opt(
        False,
        "Write the admin password into the guest's disk at boot.",
    )
    inject_key: Bool = opt(
        False,
        "Write the key pair's public key into the guest's disk at boot.",
    )
    wait_soft_reboot_seconds: Seconds = opt(
        120,
        "Seconds to wait for a guest to shut down during a soft reboot before rebooting it hard.",
        ge=0,
    )
    sysinfo_serial: Literal["none", "os", "hardware", "auto", "unique"] = opt(
        "unique",
        "Source of the serial number shown in the guest's SMBIOS: unique (the instance "
        "UUID), os (/etc/machine-id), hardware (the host's UUID), auto, or none.",
    )
    mem_stats_period_seconds: int = opt(
        10,
        "Seconds between two memory statistics of a guest's balloon; 0 disables them.",
        ge=0,
    )
