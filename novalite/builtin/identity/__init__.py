"""The built-in identity service: a Keystone v3 subset (tokens, projects, users, catalog).

Public API::

    options = IdentityOptions(key_repository=Path("/var/lib/novalite/fernet-keys"))
    result = await bootstrap(db, base_url="http://h:8774", region="RegionOne",
                             admin_password="", demo_password="", service_password="")
    app = create_identity_app(options, db)          # mount under /identity
    write_clouds_yaml(path, "http://h:8774/identity", "RegionOne", admin_pw, demo_pw)
    rotate_keys(options.key_repository, options.max_active_keys)
"""

from __future__ import annotations

from novalite.builtin.identity.app import create_identity_app
from novalite.builtin.identity.bootstrap import BootstrapResult, bootstrap, sync_schema
from novalite.builtin.identity.clouds import write_clouds_yaml
from novalite.builtin.identity.fernet_keys import rotate_keys, setup_keys
from novalite.builtin.identity.options import IdentityOptions

__all__ = [
    "BootstrapResult",
    "IdentityOptions",
    "bootstrap",
    "create_identity_app",
    "rotate_keys",
    "setup_keys",
    "sync_schema",
    "write_clouds_yaml",
]
