"""Secrets never reach a log line."""

from novalite.log import mask_secrets


def test_every_password_of_a_multi_host_url_is_masked() -> None:
    text = "connecting to rabbit://u1:p1@h1:5672,u2:p2@h2:5672/vhost failed"
    assert mask_secrets(text) == (
        "connecting to rabbit://u1:***@h1:5672,u2:***@h2:5672/vhost failed"
    )


def test_database_url_and_token_values_are_masked() -> None:
    text = 'postgresql://nova:s3cret@db/nova {"password": "pw", "token": "gAAAA"}'
    masked = mask_secrets(text)
    assert "s3cret" not in masked and "pw" not in masked and "gAAAA" not in masked
    assert "postgresql://nova:***@db/nova" in masked
