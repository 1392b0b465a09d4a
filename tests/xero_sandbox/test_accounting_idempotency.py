BODY = {"Contacts": [{"Name": "Acme Ltd"}]}


def test_same_key_and_body_replays_the_first_response(api):
    first = api.put("Contacts", BODY, headers={"idempotency-key": "k-1"})

    second = api.put("Contacts", BODY, headers={"idempotency-key": "k-1"})

    assert second.body == first.body
    assert second.events == []
    assert len(api.get("Contacts").body["Contacts"]) == 1


def test_same_key_with_a_different_body_is_a_400(api):
    api.put("Contacts", BODY, headers={"idempotency-key": "k-1"})

    result = api.put("Contacts", {"Contacts": [{"Name": "Other"}]}, headers={"idempotency-key": "k-1"})

    assert result.status == 400


def test_key_longer_than_128_characters_is_a_400(api):
    result = api.put("Contacts", BODY, headers={"idempotency-key": "k" * 129})

    assert result.status == 400
    assert api.get("Contacts").body["Contacts"] == []


def test_keys_expire_after_24_hours_of_sandbox_time(api):
    api.put("Contacts", BODY, headers={"idempotency-key": "k-1"})
    api.advance(24 * 3600 + 1)

    result = api.put("Contacts", {"Contacts": [{"Name": "Later Ltd"}]}, headers={"idempotency-key": "k-1"})

    assert result.status == 200
    assert result.body["Contacts"][0]["Name"] == "Later Ltd"


def test_validation_failures_are_replayed_too(api):
    api.contact("Acme Ltd")
    first = api.put("Contacts", BODY, headers={"idempotency-key": "k-2"})

    second = api.put("Contacts", BODY, headers={"idempotency-key": "k-2"})

    assert (first.status, second.status) == (400, 400)
