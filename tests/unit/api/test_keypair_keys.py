"""Key material helpers: fingerprints as nova computes them, generated pairs that match."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from novalite.api import keypair_keys
from novalite.errors import InvalidKeypair

SAMPLE_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44bd8Jtt"
    "DCE/F/pNRr0lRE+PiqSPO8nDPHw0010JeMH9gYgnnFlyY3/OcJ02RhIPyyxYpv9FhY+2YiUkpwFOcLImyrxEsYXp"
    "D/0d3ac30bNH6Sw9JD9UZHYcpSxsIbECHw== Generated-by-Nova"
)


def test_ssh_fingerprint_matches_nova_sample() -> None:
    assert keypair_keys.ssh_fingerprint(SAMPLE_KEY) == (
        "1e:2c:9b:56:79:4b:45:77:f9:ca:7a:98:2c:b0:d5:3c"
    )


@pytest.mark.parametrize("bad", ["", "ssh-rsa", "ssh-rsa !!!", "not a key at all"])
def test_bad_ssh_keys_are_invalid(bad: str) -> None:
    with pytest.raises(InvalidKeypair, match="failed to generate fingerprint"):
        keypair_keys.ssh_fingerprint(bad)


def test_generated_ssh_pair_matches() -> None:
    private, public = keypair_keys.generate_ssh()
    assert private.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert public.endswith(" Generated-by-Nova\n")
    key = serialization.load_pem_private_key(private.encode(), None)
    blob = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    assert public.split()[1] == blob.decode().split()[1]


def test_generated_x509_certificate() -> None:
    private, cert = keypair_keys.generate_x509("alice")
    parsed = x509.load_pem_x509_certificate(cert.encode())
    assert parsed.subject.rfc4514_string() == "CN=alice"
    assert "PRIVATE KEY" in private
    assert len(keypair_keys.x509_fingerprint(cert).split(":")) == 20
    with pytest.raises(InvalidKeypair):
        keypair_keys.x509_fingerprint("nope")
